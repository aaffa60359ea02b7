"""Fixtures of the member tests: a migrated database with the configuration's folders."""

from __future__ import annotations

import pytest
from collection.collect_cases import make_config, open_database


@pytest.fixture
def club_db(tmp_path, database_url):
    """(config, database), empty but for the fixture articles."""
    config = make_config(tmp_path, database_url)
    db = open_database(config)
    yield config, db
    db.dispose()
