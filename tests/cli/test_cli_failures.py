"""Every mistake gets one sentence on stderr, exit 1 (2 for usage), no traceback, and changes
nothing: the table below runs each case and compares the database and the folders before and
after."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import write_config
from support import FIXTURES

from sepa_batch.cli import cli
from sepa_batch.db import session as db_session


def invoke(config: Path | None, *args: str):
    prefix = ["--config", str(config)] if config else []
    return CliRunner().invoke(cli, [*prefix, *map(str, args)])


def one_sentence(result, expect: str, code: int = 1) -> None:
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    assert expect in result.stderr, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


# --- before `init` ----------------------------------------------------------------------------

BEFORE_INIT = [
    ("ledger", "C001"),
    ("access", "C001"),
    ("collect", "--as-of", "2010-08-01"),
    ("customers", "import", FIXTURES / "customers.csv"),
    ("articles", "import", FIXTURES / "articles.csv"),
    ("blocked",),
    ("report", "batches"),
    ("report", "ageing"),
    ("pay", "7"),
    ("settle",),
    ("dunning", "run"),
    ("returns", "import", "--inbox"),
    ("scheduler", "run-due", "--as-of", "2010-08-01"),
]


@pytest.mark.parametrize("args", BEFORE_INIT, ids=lambda a: " ".join(map(str, a[:2])))
def test_before_init_every_command_says_so_and_creates_nothing(tmp_path, snapshot, args):
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'var' / 'sepa_batch.db'}")
    before = snapshot(tmp_path, None)
    result = invoke(config, *args)
    one_sentence(result, "no database here")
    assert "run `sepa-batch init`" in result.stderr
    assert str(tmp_path / "var" / "sepa_batch.db") in result.stderr
    before.assert_unchanged()
    assert not (tmp_path / "var").exists()


def test_before_init_in_an_empty_folder_without_config(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke(None, "ledger", "C001")
    one_sentence(result, "no database here")
    assert list(tmp_path.iterdir()) == []


def test_a_database_behind_the_code_is_named_with_the_migration_to_run(tmp_path, snapshot):
    url = f"sqlite:///{tmp_path / 'var' / 'sepa_batch.db'}"
    config = write_config(tmp_path, url)
    assert invoke(config, "init").exit_code == 0
    with sqlite3.connect(tmp_path / "var" / "sepa_batch.db") as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0001'")
    before = snapshot(tmp_path, url)
    result = invoke(config, "ledger", "C001")
    one_sentence(
        result, f"is at migration 0001, this version needs {db_session.head_revision_id()}"
    )
    assert "run `sepa-batch init` to upgrade it" in result.stderr
    before.assert_unchanged()


def test_a_database_from_a_newer_version_is_not_touched(tmp_path, snapshot):
    url = f"sqlite:///{tmp_path / 'var' / 'sepa_batch.db'}"
    config = write_config(tmp_path, url)
    assert invoke(config, "init").exit_code == 0
    with sqlite3.connect(tmp_path / "var" / "sepa_batch.db") as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    before = snapshot(tmp_path, url)
    one_sentence(invoke(config, "blocked"), "which this version does not know")
    before.assert_unchanged()


def test_the_head_is_known_without_alembic():
    from sepa_batch.db.session import Database

    database = Database("sqlite://")
    assert db_session.head_revision_id() == database.head_revision()


# --- the database cannot be used -------------------------------------------------------------


def test_an_unreachable_server_is_one_sentence_with_the_password_masked(tmp_path):
    url = "postgresql+psycopg://club:s3cr3t-pw@127.0.0.1:1/club"
    config = write_config(tmp_path, url)
    result = invoke(config, "ledger", "C001")
    one_sentence(result, "cannot use the database postgresql+psycopg://club:***@127.0.0.1:1/club")
    assert "s3cr3t-pw" not in result.stderr + result.stdout
    assert not (tmp_path / "var").exists()


@pytest.fixture
def club(tmp_path):
    """An initialised SQLite club with the fixture articles and customers."""
    url = f"sqlite:///{tmp_path / 'var' / 'sepa_batch.db'}"
    config = write_config(tmp_path, url)
    for args in (
        ("init",),
        ("articles", "import", FIXTURES / "articles.csv"),
        ("customers", "import", FIXTURES / "customers.csv", "--as-of", "2010-07-01"),
    ):
        result = invoke(config, *args)
        assert result.exit_code == 0, result.stderr
    return config, url


def test_a_locked_database_is_one_sentence(club, tmp_path, snapshot, monkeypatch):
    config, url = club
    monkeypatch.setattr(db_session, "BUSY_TIMEOUT_SECONDS", 0.2)
    before = snapshot(tmp_path, url)
    holder = sqlite3.connect(tmp_path / "var" / "sepa_batch.db", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        result = invoke(config, "customers", "import", FIXTURES / "customers.csv")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    one_sentence(result, "is locked by another process")
    before.assert_unchanged()


def test_an_outbox_that_cannot_be_created_is_one_sentence(club, tmp_path, snapshot):
    _, url = club
    config = write_config(tmp_path, url)
    text = config.read_text().replace('outbox = "var/outbox"', 'outbox = "/proc/sepa-outbox"')
    config.write_text(text)
    before = snapshot(tmp_path, url)
    result = invoke(config, "collect", "--as-of", "2010-08-01")
    one_sentence(result, "cannot create or write /proc/sepa-outbox")
    before.assert_unchanged()


# --- bugs: one sentence and the log -----------------------------------------------------------


def _broken(*_args, **_kwargs):
    raise RuntimeError("something nobody expected, IBAN FR7630006000011234567890189")


def test_an_unexpected_error_says_where_the_log_is(club, tmp_path, monkeypatch):
    config, _ = club
    monkeypatch.setattr("sepa_batch.services.ledger_view.ledger_document", _broken)
    result = invoke(config, "ledger", "C001")
    log = tmp_path / "var" / "logs" / "sepa-batch.log"
    one_sentence(result, f"the details are in {log}")
    assert "unexpected RuntimeError: something nobody expected" in result.stderr
    assert "FR7630006000011234567890189" not in result.stderr
    written = log.read_text()
    assert "Traceback" in written and "_broken" in written
    assert "FR7630006000011234567890189" not in written and "0189" in written
    assert log.stat().st_mode & 0o777 == 0o600


def test_debug_prints_the_traceback(club, monkeypatch):
    config, _ = club
    monkeypatch.setattr("sepa_batch.services.ledger_view.ledger_document", _broken)
    result = CliRunner().invoke(cli, ["--debug", "--config", str(config), "ledger", "C001"])
    assert result.exit_code == 1
    assert "Traceback" in result.stderr and "_broken" in result.stderr


def test_a_refusal_is_one_sentence_and_changes_nothing(club, tmp_path, snapshot):
    config, url = club
    before = snapshot(tmp_path, url)
    one_sentence(invoke(config, "pay", "99999"), "refused:")
    before.assert_unchanged()


def test_a_usage_error_exits_2(club):
    config, _ = club
    result = invoke(config, "access")
    assert result.exit_code == 2
    assert "Missing argument" in result.stderr


def test_before_init_on_postgresql_nothing_is_created(tmp_path, postgres_url):
    from sqlalchemy import create_engine, inspect

    config = write_config(tmp_path, postgres_url)
    result = invoke(config, "customers", "import", FIXTURES / "customers.csv")
    one_sentence(result, "no database here (postgresql+psycopg://")
    engine = create_engine(postgres_url)
    try:
        with engine.connect() as connection:
            assert inspect(connection).get_table_names() == []
    finally:
        engine.dispose()
    assert not (tmp_path / "var").exists()


def test_a_file_that_is_not_a_database_is_one_sentence(tmp_path, snapshot):
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "sepa_batch.db").write_text("not a database at all, " * 100)
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'var' / 'sepa_batch.db'}")
    before = snapshot(tmp_path, None)
    one_sentence(invoke(config, "ledger", "C001"), "cannot use the database sqlite:///")
    before.assert_unchanged()


def test_the_start_up_check_does_not_import_alembic(club, tmp_path):
    import subprocess
    import sys

    config, _ = club
    script = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from sepa_batch.cli import cli\n"
        f"result = CliRunner().invoke(cli, ['--config', {str(config)!r}, 'ledger', 'C001'])\n"
        "assert result.exit_code == 0, result.output\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    assert done.stdout.strip() == "[]"
