"""Migrations: from an empty database to the head, idempotent, and equal to the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from sepa_batch.db.schema import Base
from sepa_batch.db.session import Database


def test_migrate_from_empty_is_idempotent_and_matches_the_models(database_url):
    db = Database(database_url)
    assert db.current_revision() is None
    head = db.migrate()
    assert head == db.head_revision() and db.migrate() == head
    tables = set(inspect(db.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []
    db.dispose()
