"""A customer's ledger, access at the door, and the blocked list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sepa_batch.db.queries import overdue_on
from sepa_batch.db.schema import Customer, LedgerLine, ReturnItem
from sepa_batch.db.session import Database
from sepa_batch.domain.ledger import Position, position
from sepa_batch.domain.model import Line, LineKind, Status
from sepa_batch.money import format_amount
from sepa_batch.services.common import customer_by_code


def _domain_line(row: LedgerLine) -> Line:
    return Line(
        kind=LineKind(row.kind),
        amount_cents=row.amount_cents,
        date=row.date,
        due_date=row.due_date,
        status=Status(row.status) if row.status else None,
    )


def customer_lines(session: Session, customer_id: int) -> list[LedgerLine]:
    return list(
        session.execute(
            select(LedgerLine).where(LedgerLine.customer_id == customer_id).order_by(LedgerLine.id)
        ).scalars()
    )


def customer_position(session: Session, customer_id: int, day: date) -> Position:
    return position((_domain_line(row) for row in customer_lines(session, customer_id)), day)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def line_document(row: LedgerLine, review_reason: str | None = None) -> dict:
    """One line in the shape of CLI.md ``ledger --json``; ``held`` when a return item waiting
    for review holds it out of settlement and collection (``review_reason`` says why)."""
    payment = row.kind == LineKind.PAYMENT
    return {
        "id": row.id,
        "kind": row.kind,
        "date": row.date.isoformat(),
        "due_date": _iso(row.due_date),
        "label": row.label,
        "amount": format_amount(row.amount_cents),
        "mode": row.mode if payment else None,
        "status": row.status,  # a sale has none unless it was cancelled
        "paid_on": _iso(row.paid_on),
        "represents": row.represents_id,
        "end_to_end_id": row.end_to_end_id,
        "reason_code": row.reason_code,
        "held": row.held_by_return_id is not None,
        "review_reason": review_reason,
    }


def ledger_document(db: Database, customer_code: str, day: date) -> dict:
    with db.reader() as session:
        customer = customer_by_code(session, customer_code)
        rows = customer_lines(session, customer.id)
        pos = position((_domain_line(row) for row in rows), day)
        holds = [row.held_by_return_id for row in rows if row.held_by_return_id is not None]
        reasons = dict(
            session.execute(
                select(ReturnItem.id, ReturnItem.review_reason).where(ReturnItem.id.in_(holds))
            ).all()
            if holds
            else []
        )
        return {
            "customer": customer.code,
            "as_of": day.isoformat(),
            "balance": format_amount(pos.balance_cents),
            "overdue": format_amount(pos.overdue_cents),
            "blocked": pos.blocked,
            "lines": [line_document(row, reasons.get(row.held_by_return_id)) for row in rows],
        }


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
