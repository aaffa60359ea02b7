"""Whether another process holds a job lock (``sepa_batch.db.session.lock_job``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from sepa_batch.db.schema import JobLock
from sepa_batch.db.session import Database


def held_elsewhere(db: Database, name: str) -> bool:
    """Job ``name`` runs in another process — the scheduler or the CLI — holding its lock
    (PostgreSQL: asked without waiting). On SQLite another process's run is not seen: the
    caller then waits for it when it takes the lock."""
    if db.is_sqlite:
        return False
    try:
        with db.transaction() as session:
            session.execute(
                select(JobLock.name).where(JobLock.name == name).with_for_update(nowait=True)
            ).all()
    except OperationalError:
        return True
    return False
