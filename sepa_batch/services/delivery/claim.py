"""Claiming a notice before it is sent, and what a sender that died left claimed."""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from sepa_batch.db.schema import NoticeDelivery
from sepa_batch.db.session import Database
from sepa_batch.services.delivery.queue import MODELS, due

#: A claim older than this is taken as its sender's death even on another host.
CLAIM_LEASE = timedelta(minutes=15)


def sender_identity() -> str:
    """Who claims: ``host:pid:random`` (the random part tells two senders of one process)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _gone(claimed_by: str | None, claimed_at: datetime | None, now: datetime) -> bool:
    """Whether a claim's sender has stopped: its process is gone from this host, or the claim
    is older than the lease."""
    if claimed_at is None or claimed_at + CLAIM_LEASE <= now:
        return True
    host, _, rest = (claimed_by or "").partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def recover(db: Database, now: datetime) -> list[int]:
    """Claims left by a sender that stopped become ``sent_unknown``; returns their ids."""
    found = []
    with db.transaction() as session:
        query = select(NoticeDelivery).where(NoticeDelivery.status == "claimed")
        if not db.is_sqlite:
            query = query.with_for_update(skip_locked=True)
        for row in session.execute(query).scalars():
            if _gone(row.claimed_by, row.claimed_at, now):
                row.status = "sent_unknown"
                row.last_error = (
                    f"its sender ({row.claimed_by}) stopped while sending it (claimed at "
                    f"{row.claimed_at:%Y-%m-%d %H:%M:%S}): the server may or may not have taken "
                    f"Message-ID {row.message_id}; check, then `notices resolve {row.id} --sent` "
                    "or `--resend`"
                )
                found.append(row.id)
    return found


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    recipient: str
    language: str
    message_id: str
    attempts: int
    body: str


def claim_next(db: Database, me: str, now: datetime, domain: str) -> Claimed | None:
    """Claim the next due notice and record its Message-ID, committed before anything is sent."""
    with db.transaction() as session:
        query = (
            select(NoticeDelivery)
            .where(due(now))
            .order_by(NoticeDelivery.next_attempt_at, NoticeDelivery.id)
            .limit(1)
        )
        if not db.is_sqlite:
            query = query.with_for_update(skip_locked=True)
        row = session.execute(query).scalar_one_or_none()
        if row is None:
            return None
        model = MODELS[row.kind]
        body = session.execute(select(model.body).where(model.id == row.notice_id)).scalar_one()
        row.status, row.claimed_by, row.claimed_at = "claimed", me, now
        row.attempts += 1
        if row.message_id is None:  # kept on a retry: the same message, tried again
            row.message_id = f"<{row.kind}-{row.notice_id}.{uuid.uuid4().hex[:16]}@{domain}>"
        return Claimed(
            row.id, row.recipient or "", row.language, row.message_id, row.attempts, body
        )
