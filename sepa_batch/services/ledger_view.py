"""A customer's ledger as the ``ledger --json`` document, read through SQLAlchemy Core.

The one read of ``sepa-batch ledger``: no ORM, no declarative schema, so the command starts
fast (issue 17). ``line_document`` and ``domain_line`` take any row with the columns'
attribute names: a Core row here, an ORM ``LedgerLine`` in ``services.ledger``.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from sepa_batch.db.read_tables import customers, ledger_lines, return_items
from sepa_batch.db.session import Database
from sepa_batch.domain.ledger import position
from sepa_batch.domain.model import Line, LineKind, Status
from sepa_batch.errors import NotFound
from sepa_batch.money import format_amount


def domain_line(row) -> Line:
    """The domain's view of a ledger line (a row with the ``ledger_lines`` column names)."""
    return Line(
        kind=LineKind(row.kind),
        amount_cents=row.amount_cents,
        date=row.date,
        due_date=row.due_date,
        status=Status(row.status) if row.status else None,
    )


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def line_document(row, review_reason: str | None = None) -> dict:
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
    """Every line of the customer, the balance, overdue and blocked state on ``day``."""
    with db.reading() as connection:
        customer = connection.execute(
            select(customers.c.id, customers.c.code).where(customers.c.code == customer_code)
        ).one_or_none()
        if customer is None:
            raise NotFound(f"customer {customer_code}: not found")
        rows = connection.execute(
            select(*ledger_lines.c)
            .where(ledger_lines.c.customer_id == customer.id)
            .order_by(ledger_lines.c.id)
        ).all()
        holds = [row.held_by_return_id for row in rows if row.held_by_return_id is not None]
        reasons = dict(
            connection.execute(
                select(return_items.c.id, return_items.c.review_reason).where(
                    return_items.c.id.in_(holds)
                )
            ).all()
            if holds
            else []
        )
    pos = position((domain_line(row) for row in rows), day)
    return {
        "customer": customer.code,
        "as_of": day.isoformat(),
        "balance": format_amount(pos.balance_cents),
        "overdue": format_amount(pos.overdue_cents),
        "blocked": pos.blocked,
        "lines": [line_document(row, reasons.get(row.held_by_return_id)) for row in rows],
    }
