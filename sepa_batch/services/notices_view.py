"""The notices as the back office lists them — every dunning notice and pre-notification with
its customer and its delivery — and one notice as it was written."""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from sepa_batch.db.schema import Customer, LedgerLine
from sepa_batch.db.session import Database
from sepa_batch.errors import NotFound
from sepa_batch.services.delivery.queue import MODELS
from sepa_batch.services.delivery.review import DeliveryRow, list_deliveries


@dataclass(frozen=True, slots=True)
class NoticeRow:
    """One notice of the list."""

    kind: str
    id: int
    customer: str
    name: str
    issued_on: date
    level: int | None
    amount: int | None
    covered_by: int | None
    written: bool
    viewable: bool
    delivery: DeliveryRow | None


@dataclass(frozen=True, slots=True)
class WrittenNotice:
    """A notice (its row) and the message written for it."""

    notice: object
    subject: str
    to: str
    text: str


def notice_rows(db: Database) -> list[NoticeRow]:
    """Every notice of every kind, the latest first, with its customer and its delivery."""
    deliveries = {(d.kind, d.notice_id): d for d in list_deliveries(db)}
    rows = []
    with db.reader() as session:
        for kind, model in MODELS.items():
            query = select(model, Customer.code, Customer.name)
            if kind == "prenotification":
                query = query.join(LedgerLine, LedgerLine.id == model.line_id).join(
                    Customer, Customer.id == LedgerLine.customer_id
                )
            else:
                query = query.join(Customer, Customer.id == model.customer_id)
            for notice, code, name in session.execute(query):
                rows.append(
                    NoticeRow(
                        kind=kind,
                        id=notice.id,
                        customer=code,
                        name=name,
                        issued_on=notice.issued_on,
                        level=getattr(notice, "level", None),
                        amount=getattr(notice, "overdue_cents", None),
                        covered_by=getattr(notice, "covered_by", None),
                        written=notice.written,
                        viewable=notice.body is not None,
                        delivery=deliveries.get((kind, notice.id)),
                    )
                )
    rows.sort(key=lambda r: (r.issued_on, r.kind, r.id), reverse=True)
    return rows


def written_notice(db: Database, kind: str, notice_id: int) -> WrittenNotice:
    """Notice ``notice_id`` of ``kind`` and its message; ``NotFound`` if none was written."""
    model = MODELS.get(kind)
    with db.reader() as session:
        found = session.get(model, notice_id) if model else None
    if found is None or found.body is None:
        raise NotFound(f"{kind} notice {notice_id}: not found")
    message = email.message_from_string(found.body, policy=email.policy.default)
    return WrittenNotice(found, message["Subject"], message["To"], message.get_content())
