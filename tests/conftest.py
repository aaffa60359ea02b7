"""Shared fixtures: a database on SQLite and, when configured, on PostgreSQL; a configuration
with its folders in a temporary directory; and a CLI runner bound to that configuration.

PostgreSQL tests run when ``SEPA_BATCH_TEST_DATABASE_URL`` is set (``.ci/run`` sets it); each
test gets a schema of its own. Without the variable they skip, except under ``CI=true``, where a
missing server must fail the run rather than hide it.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text
from support import FIXTURES

from sepa_batch import config as config_module
from sepa_batch.cli import cli
from sepa_batch.db.session import Database

PG_URL = os.environ.get("SEPA_BATCH_TEST_DATABASE_URL")


def _postgres_schema_url(request) -> str:
    if not PG_URL:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but SEPA_BATCH_TEST_DATABASE_URL is not set")
        pytest.skip("SEPA_BATCH_TEST_DATABASE_URL not set: PostgreSQL tests skipped")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))

    def drop() -> None:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()

    request.addfinalizer(drop)
    separator = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{separator}options=-csearch_path%3D{schema}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return _postgres_schema_url(request)


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'test.db'}"


def write_config(directory: Path, database_url: str, extra: str = "") -> Path:
    """A config file whose folders live under ``directory``."""
    path = directory / "config" / "sepa_batch.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f'[database]\nurl = "{database_url}"\n\n'
        '[folders]\ndata = "var"\noutbox = "var/outbox"\ninbox = "var/inbox"\n'
        'archive = "var/archive"\nfailed = "var/inbox/failed"\nnotices = "var/notices"\n'
        f'exports = "var/exports"\n{extra}',
        encoding="utf-8",
    )
    return path


@pytest.fixture(autouse=True)
def _no_ambient_settings(monkeypatch):
    """Tests never pick up the developer's own database or config."""
    monkeypatch.delenv("SEPA_BATCH_DATABASE_URL", raising=False)
    monkeypatch.delenv("SEPA_BATCH_CONFIG", raising=False)


@pytest.fixture
def config(tmp_path, database_url) -> config_module.Config:
    return config_module.load(write_config(tmp_path, database_url))


@pytest.fixture
def db(config) -> Database:
    database = Database(config.database_url)
    database.migrate()
    config.folders.create()
    yield database
    database.dispose()


class Cli:
    """Drive ``sepa-batch`` as a user would, against one configuration."""

    def __init__(self, config_path: Path):
        self.config_path = config_path
        self.runner = CliRunner()

    def __call__(self, *args: str, expect: int = 0):
        result = self.runner.invoke(cli, ["--config", str(self.config_path), *map(str, args)])
        if result.exit_code != expect:
            raise AssertionError(
                f"sepa-batch {' '.join(map(str, args))} exited {result.exit_code}, expected "
                f"{expect}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}\n"
                f"{result.exception!r}"
            )
        return result

    def json(self, *args: str):
        return json.loads(self(*args, "--json").stdout)


@pytest.fixture
def run(tmp_path, database_url) -> Cli:
    """A CLI on a fresh, initialised database with the fixture articles and customers."""
    runner = Cli(write_config(tmp_path, database_url))
    runner("init")
    runner("articles", "import", FIXTURES / "articles.csv")
    runner("customers", "import", FIXTURES / "customers.csv", "--as-of", "2010-07-01")
    yield runner


@pytest.fixture
def postgres_url(request) -> str:
    """A PostgreSQL schema of the test's own (skips without a server, fails under CI)."""
    return _postgres_schema_url(request)
