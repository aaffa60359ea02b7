"""What a person sees and decides: the list of deliveries, and the answer for a notice whose
fate is unknown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from sepa_batch.db.schema import Customer, NoticeDelivery
from sepa_batch.db.session import Database
from sepa_batch.errors import InvalidInput, NotFound
from sepa_batch.services.delivery.queue import MODELS


def resolve(db: Database, delivery_id: int, *, sent: bool, now: datetime) -> NoticeDelivery:
    """A person's answer for a ``sent_unknown`` (or ``failed``) notice: it was sent (``sent``),
    or send it again (queued now, same Message-ID)."""
    with db.transaction() as session:
        row = session.get(NoticeDelivery, delivery_id, with_for_update=True)
        if row is None:
            raise NotFound(f"notice delivery {delivery_id}: no such delivery")
        allowed = ("sent_unknown",) if sent else ("sent_unknown", "failed")
        if row.status not in allowed:
            raise InvalidInput(
                f"notice delivery {delivery_id}",
                "status",
                f"is {row.status}; only {' or '.join(allowed)} can be resolved this way",
            )
        if sent:
            row.status, row.sent_at = "sent", now
            row.smtp_response = "confirmed sent by a person"
        else:
            row.status, row.next_attempt_at, row.attempts = "queued", now, 0
        return row


@dataclass(frozen=True, slots=True)
class DeliveryRow:
    id: int
    kind: str
    notice_id: int
    customer: str
    recipient: str | None
    status: str
    attempts: int
    next_attempt_at: datetime | None
    sent_at: datetime | None
    message_id: str | None
    smtp_response: str | None
    last_error: str | None
    issued_on: date
    path: str

    @classmethod
    def of(cls, d: NoticeDelivery, customer: str, issued_on: date, path: str) -> DeliveryRow:
        return cls(
            id=d.id,
            kind=d.kind,
            notice_id=d.notice_id,
            customer=customer,
            recipient=d.recipient,
            status=d.status,
            attempts=d.attempts,
            next_attempt_at=d.next_attempt_at,
            sent_at=d.sent_at,
            message_id=d.message_id,
            smtp_response=d.smtp_response,
            last_error=d.last_error,
            issued_on=issued_on,
            path=path,
        )

    def document(self) -> dict:
        def stamp(value: datetime | None) -> str | None:
            return value.isoformat(timespec="seconds") if value else None

        return {
            "id": self.id,
            "kind": self.kind,
            "notice_id": self.notice_id,
            "customer": self.customer,
            "recipient": self.recipient,
            "status": self.status,
            "attempts": self.attempts,
            "next_attempt_at": stamp(self.next_attempt_at),
            "sent_at": stamp(self.sent_at),
            "message_id": self.message_id,
            "smtp_response": self.smtp_response,
            "last_error": self.last_error,
            "issued_on": self.issued_on.isoformat(),
            "path": self.path,
        }


def list_deliveries(db: Database, statuses: tuple[str, ...] = ()) -> list[DeliveryRow]:
    """The deliveries (of the given statuses, or all), oldest first."""
    rows = []
    with db.reader() as session:
        for kind, model in MODELS.items():
            query = (
                select(NoticeDelivery, Customer.code, model.issued_on, model.path)
                .join(Customer, Customer.id == NoticeDelivery.customer_id)
                .join(model, model.id == NoticeDelivery.notice_id)
                .where(NoticeDelivery.kind == kind)
            )
            if statuses:
                query = query.where(NoticeDelivery.status.in_(statuses))
            for delivery, code, issued_on, path in session.execute(query):
                rows.append(DeliveryRow.of(delivery, code, issued_on, path))
    return sorted(rows, key=lambda row: row.id)
