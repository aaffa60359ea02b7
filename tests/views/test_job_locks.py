"""``services.job_locks``: a job lock held by another transaction is seen on PostgreSQL."""

from __future__ import annotations

from sepa_batch.db.session import lock_job
from sepa_batch.services.job_locks import held_elsewhere


def test_a_lock_held_elsewhere_is_seen_on_postgresql_only(db):
    assert held_elsewhere(db, "collect") is False
    if db.is_sqlite:
        return  # on SQLite the writer waits for the other run instead
    with db.transaction() as session:  # the job has run once: its lock's row exists
        lock_job(session, "collect")
    with db.transaction() as session:
        lock_job(session, "collect")
        assert held_elsewhere(db, "collect") is True
        assert held_elsewhere(db, "import") is False
    assert held_elsewhere(db, "collect") is False
