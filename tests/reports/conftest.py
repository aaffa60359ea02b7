"""Fixtures for the settlement and report tests: a club on a migrated database (SQLite and,
when configured, PostgreSQL), the small hand-computed story, and the CLI on the same data."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from reports.reports_story import Club, small_story

from sepa_batch.cli import cli


@pytest.fixture
def club(db, config) -> Club:
    return Club(db, config)


@pytest.fixture
def story(club) -> Club:
    small_story(club)
    return club


class Command:
    """``sepa-batch`` on the fixtures' configuration; ``expect`` is the exit status."""

    def __init__(self, config_path: str):
        self.config_path = config_path
        self.runner = CliRunner()

    def __call__(self, *args, expect: int = 0):
        result = self.runner.invoke(cli, ["--config", self.config_path, *map(str, args)])
        assert result.exit_code == expect, (
            f"exit {result.exit_code}\n{result.stdout}\n{result.stderr}\n{result.exception!r}"
        )
        return result

    def json(self, *args):
        """A report's JSON document (``--format json``)."""
        return json.loads(self(*args, "--format", "json").stdout)

    def json_plain(self, *args):
        """A command's ``--json`` document."""
        return json.loads(self(*args, "--json").stdout)


@pytest.fixture
def sepa_batch(config) -> Command:
    return Command(config.source)
