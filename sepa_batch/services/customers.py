"""Finding a customer and reading their card, for the back office.

Blocked or not is the ledger's rule (:func:`sepa_batch.services.ledger.overdue_on`), read here
for a page of customers with one query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from sepa_batch.db.schema import Customer, LedgerLine, Mandate
from sepa_batch.db.session import Database
from sepa_batch.domain.model import SequenceType
from sepa_batch.services.common import customer_by_code
from sepa_batch.services.ledger import overdue_on

PAGE = 50


@dataclass(frozen=True, slots=True)
class Found:
    code: str
    name: str
    town: str
    overdue_cents: int
    overdue_lines: int
    since: date | None

    @property
    def blocked(self) -> bool:
        return self.overdue_lines > 0


def search_customers(db: Database, query: str, day: date, limit: int = PAGE) -> list[Found]:
    """Customers whose name contains ``query``, whose id or mandate reference is ``query``, or
    whose IBAN ends with ``query`` (four characters); the first ``limit`` by id."""
    text = (query or "").strip()
    with db.reader() as session:
        select_ids = select(Customer.id)
        if text:
            conditions = [
                func.lower(Customer.name).contains(text.lower(), autoescape=True),
                Customer.code == text.upper(),
                Customer.code == text,
                Customer.id.in_(select(Mandate.customer_id).where(Mandate.reference == text)),
            ]
            compact = text.replace(" ", "").upper()
            if len(compact) == 4 and compact.isalnum():
                conditions.append(
                    Customer.id.in_(
                        select(Mandate.customer_id).where(Mandate.iban.endswith(compact))
                    )
                )
            select_ids = select_ids.where(or_(*conditions))
        ids = list(session.execute(select_ids.order_by(Customer.code).limit(limit)).scalars())
        return _found(session, ids, day)


def _found(session: Session, ids: list[int], day: date) -> list[Found]:
    if not ids:
        return []
    overdue = {
        customer_id: (int(total), count, since)
        for customer_id, total, count, since in session.execute(
            select(
                LedgerLine.customer_id,
                func.sum(LedgerLine.amount_cents),
                func.count(),
                func.min(LedgerLine.due_date),
            )
            .where(LedgerLine.customer_id.in_(ids), *overdue_on(day))
            .group_by(LedgerLine.customer_id)
        )
    }
    rows = session.execute(
        select(Customer.id, Customer.code, Customer.name, Customer.town)
        .where(Customer.id.in_(ids))
        .order_by(Customer.code)
    ).all()
    return [
        Found(code, name, town, *overdue.get(customer_id, (0, 0, None)))
        for customer_id, code, name, town in rows
    ]


@dataclass(frozen=True, slots=True)
class MandateView:
    reference: str
    iban: str
    bic: str | None
    signed_on: date
    status: str
    status_reason: str | None
    sequence: str
    last_collection: date | None
    pending_amendment: str | None


@dataclass(frozen=True, slots=True)
class Card:
    id: int
    code: str
    name: str
    email: str | None
    address: str
    mandates: list[MandateView]


def _sequence(mandate: Mandate) -> str:
    if mandate.one_off:
        return SequenceType.OOFF.value
    return SequenceType.RCUR.value if mandate.first_used else SequenceType.FRST.value


def _amendment(mandate: Mandate) -> str | None:
    parts = []
    if mandate.amend_original_reference:
        parts.append(f"reference (was {mandate.amend_original_reference})")
    if mandate.amend_original_iban:
        parts.append("IBAN at the same bank")
    if mandate.amend_new_bank:
        parts.append("new bank (SMNDA)")
    return ", ".join(parts) or None


def customer_card(db: Database, code: str) -> Card:
    with db.reader() as session:
        customer = customer_by_code(session, code)
        mandates = session.execute(
            select(Mandate).where(Mandate.customer_id == customer.id).order_by(Mandate.id.desc())
        ).scalars()
        street = " ".join(p for p in (customer.building_number, customer.street) if p)
        town = " ".join(p for p in (customer.postcode, customer.town) if p)
        return Card(
            id=customer.id,
            code=customer.code,
            name=customer.name,
            email=customer.email,
            address=", ".join(p for p in (street, town, customer.country) if p),
            mandates=[
                MandateView(
                    reference=m.reference,
                    iban=m.iban,
                    bic=m.bic,
                    signed_on=m.signed_on,
                    status=m.status,
                    status_reason=m.status_reason,
                    sequence=_sequence(m),
                    last_collection=m.last_presented_on,
                    pending_amendment=_amendment(m),
                )
                for m in mandates
            ],
        )
