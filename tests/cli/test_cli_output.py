"""What the commands print and write: values never read as markup, CSV cells that no spreadsheet
runs as a formula, owner-only files, leftovers of a crash removed, bank files explained."""

from __future__ import annotations

import csv
import io
import os
import stat
import time
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import write_config
from support import FIXTURES, SAMPLES

from sepa_batch import config as config_module
from sepa_batch.cli import cli
from sepa_batch.files import STALE_SECONDS, remove_leftovers, spreadsheet_cell
from sepa_batch.scheduler import Runtime, export_blocked

HEADER = "customer_id,name,email,street,building_number,postcode,town,country,iban,bic,"
HEADER += "mandate_id,mandate_signed_on\n"
NAME = "=cmd|' /C calc'!A0 [/] [bold]x"
LABEL = "Cours [/] [bold]"


def invoke(config: Path, *args):
    return CliRunner().invoke(cli, ["--config", str(config), *map(str, args)])


def ok(config: Path, *args):
    result = invoke(config, *args)
    assert result.exit_code == 0, (args, result.stdout, result.stderr, result.exception)
    return result


@pytest.fixture
def club(tmp_path):
    """A member whose name holds markup and a formula, blocked on 2010-08-20."""
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'var' / 'sepa_batch.db'}")
    ok(config, "init")
    ok(config, "articles", "import", FIXTURES / "articles.csv")
    members = tmp_path / "members.csv"
    members.write_text(
        HEADER + f'C900,"{NAME}",a@b.fr,Rue,1,69003,Lyon,FR,FR1420041010050500013M02606,,'
        "M-900,2010-06-01\n",
        encoding="utf-8",
    )
    ok(config, "customers", "import", members, "--as-of", "2010-07-01")
    ok(config, "instalment", "C900", "--amount", "10.00", "--due", "2010-07-05", "--mode", "CHEQUE",
       "--label", LABEL)  # fmt: skip
    return config


@pytest.mark.parametrize(
    "args",
    [
        ("ledger", "C900"),
        ("access", "C900"),
        ("blocked",),
        ("report", "ageing"),
    ],
)
def test_markup_in_a_name_is_printed_as_it_is(club, args):
    result = ok(club, *args, "--as-of", "2010-08-20")
    if args[0] == "access":
        assert "BLOCKED" in result.stdout
    elif args[0] == "ledger":
        assert LABEL in result.stdout
    else:
        assert NAME in result.stdout


def test_markup_in_an_end_to_end_id_is_printed_as_it_is(club, tmp_path):
    sample = FIXTURES / "returns" / "pain002_001_10_transaction_rejects.xml"
    text = sample.read_text(encoding="utf-8")
    first = text.index("<OrgnlEndToEndId>") + len("<OrgnlEndToEndId>")
    end = text.index("</OrgnlEndToEndId>", first)
    path = tmp_path / "odd.xml"
    path.write_text(text[:first] + "E2E[/]1" + text[end:], encoding="utf-8")
    assert "E2E[/]1" in ok(club, "returns", "inspect", path).stdout
    imported = ok(club, "returns", "import", path, "--as-of", "2010-08-20")
    assert "E2E[/]1" in imported.stdout
    assert "E2E[/]1" in ok(club, "returns", "unmatched").stdout


def _cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_csv_exports_neutralise_formulas(club, tmp_path):
    blocked = _cells(ok(club, "blocked", "--as-of", "2010-08-20", "--format", "csv").stdout)
    assert blocked[1][:3] == ["C900", "'" + NAME, "10.00"]
    ageing = _cells(ok(club, "report", "ageing", "--as-of", "2010-08-20", "--format", "csv").stdout)
    assert ageing[1][1] == "'" + NAME
    config = config_module.load(club)
    from sepa_batch.db.session import Database

    database = Database(config.database_url)
    try:
        path = export_blocked(Runtime(config, database), date(2010, 8, 20))
    finally:
        database.dispose()
    assert _cells(path.read_text(encoding="utf-8"))[1][1] == "'" + NAME


def test_two_exports_of_the_same_days_blocked_list_at_once_both_succeed(club, monkeypatch):
    """Two schedulers may write the door's list of the same day at once (seen in CI): each
    writes its own partial file, named with its process id, and neither truncates nor renames
    the other's."""
    from sepa_batch import scheduler
    from sepa_batch.db.session import Database

    config = config_module.load(club)
    database = Database(config.database_url)
    runtime, day = Runtime(config, database), date(2010, 8, 20)
    real_row, other = scheduler.spreadsheet_row, []

    def row_while_another_process_exports(cells):
        if not other:  # the other process starts and finishes while this one writes
            other.append(None)
            with monkeypatch.context() as patched:
                patched.setattr(os, "getpid", lambda: 999_999)
                other.append(export_blocked(runtime, day))
        return real_row(cells)

    monkeypatch.setattr(scheduler, "spreadsheet_row", row_while_another_process_exports)
    try:
        path = export_blocked(runtime, day)
    finally:
        database.dispose()
    assert other[1] == path
    assert _cells(path.read_text(encoding="utf-8"))[1][0] == "C900"
    assert not list(path.parent.glob("*.tmp"))


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ("=1+2", "'=1+2"),
        ("+SUM(A1:A2)", "'+SUM(A1:A2)"),
        ("-cmd", "'-cmd"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-3.00", "-3.00"),  # an amount stays a number
        ("-3,00", "-3,00"),
        ("+12", "+12"),
        ("Élodie", "Élodie"),
        ("", ""),
        (None, None),
    ],
)
def test_spreadsheet_cell(value, kept):
    assert spreadsheet_cell(value) == kept


def test_files_with_personal_data_are_the_owners_only(club, tmp_path):
    ok(club, "subscribe", "C900", "--article", "SUB_MONTH", "--start", "2010-08-01",
       "--months", "1", "--as-of", "2010-07-15")  # fmt: skip
    ok(club, "collect", "--as-of", "2010-07-20")
    ok(club, "scheduler", "run-due", "--as-of", "2010-08-20")  # the blocked list export
    var = tmp_path / "var"
    checked = 0
    for path in [var, *var.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))
        checked += 1
    assert list((var / "outbox").glob("*.xml"))
    assert list((var / "exports").glob("blocked-*.csv"))
    assert (var / "sepa_batch.db").exists() and checked > 8


def test_leftovers_of_a_crash_are_removed_at_the_next_job(club, tmp_path):
    var = tmp_path / "var"
    partial = var / "outbox" / ".partial"
    partial.mkdir(parents=True, exist_ok=True)
    old_rows = partial / "0123abcd4567-20100805-FRST.rows"
    old_rows.write_bytes(b"FR14...")
    stale = time.time() - STALE_SECONDS - 60
    os.utime(old_rows, (stale, stale))
    fresh_rows = partial / "89ab-20100805-RCUR.rows"  # may belong to a running collection
    fresh_rows.write_bytes(b"x")
    (var / "notices" / "C900").mkdir(parents=True, exist_ok=True)
    dead = var / "notices" / "C900" / ".notice.txt.999999999.tmp"
    dead.write_text("half a notice")
    mine = var / "notices" / "C900" / f".other.txt.{os.getpid()}.tmp"
    mine.write_text("being written")
    ok(club, "dunning", "run", "--as-of", "2010-08-20")  # any job
    assert not old_rows.exists() and not dead.exists()
    assert fresh_rows.exists() and mine.exists()
    later = time.time() + STALE_SECONDS + 60
    config = config_module.load(club)
    assert fresh_rows in remove_leftovers(config.folders, now=later)


def test_returns_import_exits_1_when_a_file_is_refused(club, tmp_path):
    truncated = tmp_path / "truncated.xml"
    truncated.write_text('<?xml version="1.0"?><Document><BkToCstmrDbtCdtNtfctn>')
    good = FIXTURES / "returns" / "pain002_001_10_transaction_rejects.xml"
    result = invoke(club, "returns", "import", good, truncated, "--as-of", "2010-08-20")
    assert result.exit_code == 1
    assert "refused truncated.xml" in result.stdout
    assert "pain002_001_10_transaction_rejects.xml (pain.002" in result.stdout  # still applied
    assert "refused: 1 of 2 file(s): truncated.xml" in result.stderr
    assert "{" not in result.stdout  # unmatched items in words, never a dict
    assert "no collected line matches it" in result.stdout


def test_returns_inspect_says_why_a_file_has_no_direct_debit_item(club):
    sample = (
        SAMPLES / "camt053" / "stanisci__libeufin__nexus__sample__platform__postfinance_camt053.xml"
    )
    result = ok(club, "returns", "inspect", sample)
    assert (
        "2 entries read, none is a direct-debit item: 2 × one of the account's own payments "
        "coming back, not a direct debit, bank code PMNT/ICDT/RRTN"
    ) in result.stdout


def _commands(command, path=()):
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


@pytest.mark.parametrize(
    ("path", "command"),
    list(_commands(cli)),
    ids=lambda v: " ".join(v) if isinstance(v, tuple) else "",
)
def test_every_help_has_an_example_in_a_paragraph_of_its_own(path, command):
    import click

    text = command.get_help(click.Context(command, info_name=" ".join(("sepa-batch", *path))))
    lines = text.splitlines()
    examples = [i for i, line in enumerate(lines) if line.strip() == "Example:"]
    assert examples, text
    for i in examples:
        assert lines[i - 1].strip() == "", text
        assert lines[i + 1].strip().startswith("sepa-batch"), text


def test_output_to_a_file_is_not_cut_at_80_columns(club):
    ok(club, "pay", "1", "--as-of", "2010-08-20")  # the open CHEQUE instalment
    result = invoke(club, "pay", "1", "--as-of", "2010-08-20")
    assert result.exit_code == 1
    [line] = result.stderr.strip().splitlines()
    assert len(line) > 80 and line.endswith("it is already paid")
