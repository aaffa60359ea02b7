"""The delivery queue: a row for every new notice, and which rows are due."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session

from sepa_batch.config import Config
from sepa_batch.db.schema import (
    Customer,
    DunningNotice,
    LedgerLine,
    NoticeDelivery,
    PreNotification,
)
from sepa_batch.db.session import Database, lock_job

#: Notices issued more than this many days before the run are not sent (they stay files): a
#: newly configured ``[smtp]`` does not send a club's whole history.
ENQUEUE_DAYS = 7

MODELS = {"prenotification": PreNotification, "dunning": DunningNotice}


def due(now: datetime):
    """The SQL condition of a delivery waiting to be sent at ``now``."""
    return and_(NoticeDelivery.status == "queued", NoticeDelivery.next_attempt_at <= now)


def any_due(db: Database, now: datetime) -> bool:
    with db.reader() as session:
        return (
            session.execute(select(NoticeDelivery.id).where(due(now)).limit(1)).first() is not None
        )


def enqueue(db: Database, config: Config, now: datetime) -> tuple[int, int]:
    """A delivery row for every notice issued in the last ``ENQUEUE_DAYS`` days that has none;
    returns (queued, to print). Single-flight (the ``notices`` job lock)."""
    queued = printed = 0
    with db.transaction() as session:
        lock_job(session, "notices")
        for kind in MODELS:
            rows = [
                _delivery(kind, notice_id, customer_id, email, language, config, now)
                for notice_id, customer_id, email, language in _not_queued(session, kind, now)
            ]
            queued += sum(1 for row in rows if row["recipient"] is not None)
            printed += sum(1 for row in rows if row["recipient"] is None)
            if rows:
                session.execute(NoticeDelivery.__table__.insert(), rows)
    return queued, printed


def _not_queued(session: Session, kind: str, now: datetime):
    """(notice id, customer id, e-mail, language) of the recent notices of ``kind`` that have no
    delivery row yet, in the order of their ids."""
    model = MODELS[kind]
    query = select(model.id, Customer.id, Customer.email, Customer.language)
    if kind == "prenotification":
        query = query.join(LedgerLine, LedgerLine.id == PreNotification.line_id)
        customer_column = LedgerLine.customer_id
    else:
        customer_column = DunningNotice.customer_id
    first = now.date() - timedelta(days=ENQUEUE_DAYS)
    queued = and_(NoticeDelivery.kind == kind, NoticeDelivery.notice_id == model.id)
    return session.execute(
        query.join(Customer, Customer.id == customer_column)
        .where(
            model.path.is_not(None),
            model.issued_on.between(first, now.date()),
            ~exists().where(queued),
        )
        .order_by(model.id)
    )


def _delivery(kind, notice_id, customer_id, email, language, config: Config, now) -> dict:
    """The new delivery row of a notice: queued to its member's address, or to print."""
    address = (email or "").strip() or None
    return {
        "kind": kind,
        "notice_id": notice_id,
        "customer_id": customer_id,
        "recipient": address,
        "language": language or config.dunning_language,
        "status": "queued" if address else "print",
        "attempts": 0,
        "next_attempt_at": now if address else None,
        "created_at": now,
    }
