"""A customer's lines, access at the door, and the blocked list (the ledger document itself
is read by ``ledger_view``, without the ORM)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sepa_batch.db.queries import overdue_on
from sepa_batch.db.schema import Customer, LedgerLine
from sepa_batch.db.session import Database
from sepa_batch.domain.ledger import Position, is_overdue, position
from sepa_batch.domain.model import LineKind
from sepa_batch.money import format_amount
from sepa_batch.services.common import customer_by_code
from sepa_batch.services.ledger_view import domain_line


def customer_lines(session: Session, customer_id: int) -> list[LedgerLine]:
    return list(
        session.execute(
            select(LedgerLine).where(LedgerLine.customer_id == customer_id).order_by(LedgerLine.id)
        ).scalars()
    )


def customer_position(session: Session, customer_id: int, day: date) -> Position:
    return lines_position(customer_lines(session, customer_id), day)


def lines_position(rows: list[LedgerLine], day: date) -> Position:
    """The position on ``day`` of a customer's lines already read."""
    return position((domain_line(row) for row in rows), day)


def overdue_among(rows: list[LedgerLine], day: date) -> list[LedgerLine]:
    """The overdue instalments among a customer's lines already read, oldest first."""
    overdue = [
        row
        for row in rows
        if row.kind == LineKind.PAYMENT and is_overdue(row.status, row.due_date, day)
    ]
    return sorted(overdue, key=lambda row: (row.due_date, row.id))


@dataclass(frozen=True, slots=True)
class Access:
    customer: str
    day: date
    allowed: bool
    reason: str

    def document(self) -> dict:
        return {
            "customer": self.customer,
            "as_of": self.day.isoformat(),
            "allowed": self.allowed,
            "reason": self.reason,
        }


def access(db: Database, customer_code: str, day: date) -> Access:
    """May the customer enter on ``day``? Blocked from the day after an instalment falls due."""
    with db.reader() as session:
        customer = customer_by_code(session, customer_code)
        overdue = _overdue_lines(session, day, customer.id)
    if not overdue:
        return Access(customer_code, day, True, "no overdue instalment")
    total = sum(line.amount_cents for line in overdue)
    oldest = min(line.due_date for line in overdue)
    return Access(
        customer_code,
        day,
        False,
        f"{len(overdue)} overdue instalment(s), {format_amount(total)} EUR, "
        f"due since {oldest.isoformat()}",
    )


def open_overdue_lines(session: Session, customer_id: int, day: date) -> list[LedgerLine]:
    """The customer's instalments overdue on ``day``, oldest first."""
    return _overdue_lines(session, day, customer_id)


def _overdue_lines(session: Session, day: date, customer_id: int | None = None):
    query = select(LedgerLine).where(*overdue_on(day))
    if customer_id is not None:
        query = query.where(LedgerLine.customer_id == customer_id)
    return list(session.execute(query.order_by(LedgerLine.due_date, LedgerLine.id)).scalars())


@dataclass(frozen=True, slots=True)
class BlockedCustomer:
    customer: str
    name: str
    overdue_cents: int
    since: date

    def document(self) -> dict:
        return {
            "customer": self.customer,
            "name": self.name,
            "overdue": format_amount(self.overdue_cents),
            "since": self.since.isoformat(),
        }


def blocked_customers(db: Database, day: date) -> list[BlockedCustomer]:
    """Every customer blocked on ``day``, for the door system (one set-based query)."""
    with db.reader() as session:
        rows = session.execute(
            select(
                Customer.code,
                Customer.name,
                func.sum(LedgerLine.amount_cents),
                func.min(LedgerLine.due_date),
            )
            .join(LedgerLine, LedgerLine.customer_id == Customer.id)
            .where(*overdue_on(day))
            .group_by(Customer.code, Customer.name)
            .order_by(Customer.code)
        ).all()
    return [BlockedCustomer(code, name, int(total), since) for code, name, total, since in rows]
