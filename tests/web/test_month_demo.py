"""Comptabilité on the demo's database: every download equals the CLI report for the same dates,
and the page's totals are the CLI's totals, to the cent."""

from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from web.conftest import Browser
from web.web_support import NOW

from sepa_batch import config as config_module
from sepa_batch.cli import cli
from sepa_batch.db.session import Database
from sepa_batch.services import users as user_service
from sepa_batch.web.app import create_app

AS_OF = date(2026, 3, 15)
PERIODS = [("", ""), ("2026-01-01", "2026-01-31"), ("2026-02-01", "2026-03-15")]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo") / "club"
    result = CliRunner().invoke(
        cli, ["demo", "--dir", str(folder), "--members", "40", "--months", "2", "--seed", "11"]
    )
    assert result.exit_code == 0, result.output
    path = folder / "config" / "sepa_batch.toml"
    config = config_module.load(path)
    db = Database(config.database_url)
    user_service.add_user(db, "compta", "accountant", "compta-code-3", NOW)
    client = TestClient(create_app(config, db, as_of=AS_OF, clock=lambda: NOW))
    browser = Browser(client)
    assert browser.login("compta", "compta-code-3").status_code == 303
    yield path, browser
    client.close()
    db.dispose()


def cli_report(path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--config", str(path), *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def dates(start: str, end: str) -> tuple[str, list[str]]:
    query = "&".join(f"{k}={v}" for k, v in (("start", start), ("end", end)) if v)
    args = [*(["--from", start] if start else []), *(["--to", end] if end else [])]
    return query, args


@pytest.mark.parametrize("name", ["batches", "ageing", "returns", "journal"])
@pytest.mark.parametrize(("start", "end"), PERIODS)
def test_downloads_equal_the_cli_on_the_demo(demo, name, start, end):
    path, browser = demo
    query, args = dates(start, end)
    common = ["report", name, "--as-of", AS_OF.isoformat(), *args]
    semicolon = browser.get(f"/reports/{name}.csv?delimiter=%3B&decimal_comma=true&{query}")
    expected = cli_report(path, *common, "--format", "csv", "--delimiter", ";", "--decimal-comma")
    assert semicolon.status_code == 200 and semicolon.text == expected
    document = browser.get(f"/reports/{name}.json?{query}")
    assert document.json() == json.loads(cli_report(path, *common, "--format", "json"))


def test_the_page_totals_are_the_clis_on_the_demo(demo):
    path, browser = demo
    page = browser.get("/reports").text
    totals = json.loads(
        cli_report(path, "report", "batches", "--as-of", AS_OF.isoformat(), "--format", "json")
    )["totals"]
    assert int(totals["submitted_count"]) > 10
    whole, cents = totals["submitted"].split(".")
    french = f"{int(whole):,}".replace(",", " ") + f",{cents} €"
    assert french in page
