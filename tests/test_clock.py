"""The club's clock: "today" is the club's date in its time zone, not the host's; ``--as-of D``
fixes the whole run's clock, so the same database replayed on D writes the same bytes."""

from __future__ import annotations

import json
import shutil
import time
from datetime import UTC, date, datetime

import pytest
from click.testing import CliRunner
from collection.collect_cases import import_club, subscribe
from conftest import write_config

from sepa_batch import clock
from sepa_batch import config as config_module
from sepa_batch.cli import cli
from sepa_batch.db.session import Database


def frozen(monkeypatch, moment: datetime) -> None:
    monkeypatch.setattr(clock, "wall_clock", lambda: moment)


def test_at_23_30_utc_the_club_in_paris_is_already_on_the_next_day(monkeypatch, tmp_path):
    frozen(monkeypatch, datetime(2026, 12, 1, 23, 30, tzinfo=UTC))
    assert clock.run_clock("Europe/Paris", None) == (
        date(2026, 12, 2),
        datetime(2026, 12, 2, 0, 30),
    )
    assert clock.run_clock("UTC", None)[0] == date(2026, 12, 1)
    path = write_config(tmp_path, f"sqlite:///{tmp_path / 'club.db'}")
    Database(f"sqlite:///{tmp_path / 'club.db'}").migrate()
    settled = CliRunner().invoke(cli, ["--config", str(path), "settle", "--json"])
    assert settled.exit_code == 0, settled.output
    assert json.loads(settled.output)["as_of"] == "2026-12-02"


def test_a_time_zone_that_does_not_exist_is_refused(tmp_path):
    path = write_config(tmp_path, "sqlite://", '\n[club]\ntimezone = "Europe/Lyon"\n')
    with pytest.raises(Exception, match=r"club\.timezone: 'Europe/Lyon' is not a time zone"):
        config_module.load(path)


def _club_database(folder) -> str:
    config = config_module.load(write_config(folder, f"sqlite:///{folder / 'club.db'}"))
    db = Database(config.database_url)
    db.migrate()
    config.folders.create()
    import_club(db)
    for code in ("C001", "C002", "C003"):
        subscribe(db, code, months=1)
    db.dispose()
    return config.source


def test_the_same_database_replayed_on_the_same_day_writes_the_same_bytes(monkeypatch, tmp_path):
    first = tmp_path / "first"
    _club_database(first)
    second = tmp_path / "second"
    second.mkdir()
    shutil.copy(first / "club.db", second / "club.db")
    path = write_config(second, f"sqlite:///{second / 'club.db'}")
    written = []
    for folder, config_path, wall in (
        (first, first / "config" / "sepa_batch.toml", datetime(2010, 7, 1, 8, 0, tzinfo=UTC)),
        (second, path, datetime(2026, 12, 1, 23, 59, 58, tzinfo=UTC)),
    ):
        frozen(monkeypatch, wall)
        result = CliRunner().invoke(
            cli, ["--config", str(config_path), "collect", "--as-of", "2010-07-01", "--json"]
        )
        assert result.exit_code == 0, result.output
        [file] = json.loads(result.output)["files"]
        written.append((folder / "var" / "outbox" / (file["message_id"] + ".xml")).read_bytes())
        time.sleep(1.1)  # the host's own clock moves on too
    assert written[0] == written[1]
    assert b"<CreDtTm>2010-07-01T00:00:00</CreDtTm>" in written[0]
