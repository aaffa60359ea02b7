"""What becomes of a delivery after an attempt: the marks, and the retry rule."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from sepa_batch.db.schema import NoticeDelivery
from sepa_batch.db.session import Database
from sepa_batch.services.delivery.queue import due

#: Tries of a notice whose sending fails for a temporary reason, then it is ``failed``.
MAX_ATTEMPTS = 5
#: The wait after the first temporary failure; doubled after each one (5, 10, 20, 40 min).
FIRST_DELAY = timedelta(minutes=5)


def after_temporary_failure(attempts: int, reason: str, now: datetime) -> dict:
    """A delivery's new values after its ``attempts``-th try failed for a temporary reason:
    back in the queue after a growing delay, or failed at the limit.

    >>> after_temporary_failure(2, "421 busy", datetime(2026, 1, 1, 8, 0))["next_attempt_at"]
    datetime.datetime(2026, 1, 1, 8, 10)
    >>> after_temporary_failure(MAX_ATTEMPTS, "421 busy", datetime(2026, 1, 1))["last_error"]
    'gave up after 5 attempts: 421 busy'
    """
    if attempts >= MAX_ATTEMPTS:
        last_error = f"gave up after {attempts} attempts: {reason}"
        return {"status": "failed", "next_attempt_at": None, "last_error": last_error}
    delay = FIRST_DELAY * 2 ** (attempts - 1)
    return {"status": "queued", "next_attempt_at": now + delay, "last_error": reason}


def outcome(values: dict) -> str:
    """``failed`` or ``retried``: the ``SendResult`` list a delivery with these values joins."""
    return "failed" if values["status"] == "failed" else "retried"


def mark(db: Database, delivery_id: int, **values) -> None:
    with db.transaction() as session:
        row = session.get(NoticeDelivery, delivery_id)
        for name, value in values.items():
            setattr(row, name, value)


def retry_or_fail(db: Database, delivery_id: int, attempts: int, reason: str, now: datetime):
    """A temporary failure of one delivery; returns ``failed`` or ``retried``."""
    values = after_temporary_failure(attempts, reason, now)
    mark(db, delivery_id, **values)
    return outcome(values)


def all_due_failed_now(db: Database, now: datetime, reason: str) -> list[tuple[int, str]]:
    """The server cannot be reached: every due notice counts one failed attempt; returns each
    one's id and outcome (``failed`` or ``retried``)."""
    outcomes = []
    with db.transaction() as session:
        query = select(NoticeDelivery).where(due(now))
        if not db.is_sqlite:
            query = query.with_for_update(skip_locked=True)
        for row in session.execute(query).scalars():
            row.attempts += 1
            values = after_temporary_failure(row.attempts, reason, now)
            for name, value in values.items():
                setattr(row, name, value)
            outcomes.append((row.id, outcome(values)))
    return outcomes
