"""Finding a customer and reading their card, for the back office.

Blocked or not is the ledger's rule (:func:`sepa_batch.services.ledger.overdue_on`), read here
for a page of customers with one query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
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
    """The customers ``query`` names: by customer id or mandate reference (exactly), else by
    IBAN's last four characters and by a part of the name; the first ``limit`` by id.

    Each look-up is its own query, so that the exact ones use their unique indexes and the
    scans run only when needed (a name scan only for a query with a letter in it)."""
    text = (query or "").strip()
    with db.reader() as session:
        if not text:
            ids = session.execute(select(Customer.id).order_by(Customer.code).limit(limit))
            return _found(session, list(ids.scalars()), day)
        exact = set(
            session.execute(
                select(Customer.id).where(Customer.code.in_({text, text.upper()}))
            ).scalars()
        )
        exact.update(
            session.execute(
                select(Mandate.customer_id).where(Mandate.reference.in_({text, text.upper()}))
            ).scalars()
        )
        if exact:
            return _found(session, sorted(exact), day, limit)
        ids: set[int] = set()
        compact = text.replace(" ", "").upper()
        if len(compact) == 4 and compact.isalnum():
            ids.update(
                session.execute(
                    select(Mandate.customer_id)
                    .where(Mandate.iban.endswith(compact, autoescape=True))
                    .limit(limit)
                ).scalars()
            )
        if any(character.isalpha() for character in text):
            pattern = Customer.name.contains(text, autoescape=True)
            if session.get_bind().dialect.name != "sqlite":  # SQLite's LIKE ignores case
                pattern = Customer.name.icontains(text, autoescape=True)
            ids.update(
                session.execute(
                    select(Customer.id).where(pattern).order_by(Customer.code).limit(limit)
                ).scalars()
            )
        return _found(session, sorted(ids), day, limit)


def _found(session: Session, ids: list[int], day: date, limit: int = PAGE) -> list[Found]:
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
        .limit(limit)
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
