"""The lines a return item waiting for review may be applied to (``returns review``)."""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from sqlalchemy import select

from sepa_batch.db.schema import Customer, LedgerLine
from sepa_batch.db.session import Database
from sepa_batch.domain.model import LineKind, Status

#: The most candidates listed.
LISTED = 50


class Candidate(NamedTuple):
    """A collected or paid instalment, and its customer's code and name."""

    line: LedgerLine
    customer: str
    name: str


def candidate_lines(
    db: Database, customer: str = "", cents: int | None = None, when: date | None = None
) -> list[Candidate]:
    """Collected or paid instalments, the latest due first: of customer code ``customer``, of
    ``cents`` and due on ``when`` when given."""
    query = (
        select(LedgerLine, Customer.code, Customer.name)
        .join(Customer, Customer.id == LedgerLine.customer_id)
        .where(
            LedgerLine.kind == LineKind.PAYMENT,
            LedgerLine.status.in_((Status.SUBMITTED, Status.PAID)),
        )
        .order_by(LedgerLine.due_date.desc(), LedgerLine.id)
        .limit(LISTED)
    )
    if customer:
        query = query.where(Customer.code == customer)
    if cents is not None:
        query = query.where(LedgerLine.amount_cents == cents)
    if when is not None:
        query = query.where(LedgerLine.due_date == when)
    with db.reader() as session:
        return [Candidate(line, code, name) for line, code, name in session.execute(query)]
