"""Fixtures of the collection tests: the fixture club (C001–C013) on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from collection.collect_cases import import_club, make_config, open_database


@pytest.fixture
def make_club(tmp_path, database_url):
    """``make_club(extra_toml)`` → (config, database) with the club imported on 2010-07-01."""
    opened = []

    def make(extra: str = ""):
        config = make_config(tmp_path, database_url, extra)
        db = open_database(config)
        opened.append(db)
        import_club(db)
        return config, db

    yield make
    for db in opened:
        db.dispose()


@pytest.fixture
def club(make_club):
    """(config, database) with the default configuration."""
    return make_club()
