"""Settlement (PRODUCT §6).

``settle``: a SUBMITTED line of a published file becomes PAID, paid on its requested
collection date, once that date has passed and unless a return item waiting for review holds
it — the bank credits the batch on the collection date, so a line collected on Monday is
settled by the run of Tuesday. One set-based UPDATE; running it twice changes nothing. A
return or refund that arrives later still runs the unpaid workflow on the PAID line.

Bank credits are matched to their batches by :mod:`sepa_batch.matching.batches`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from sepa_batch.db.schema import BankFile, LedgerLine, PaymentBatch
from sepa_batch.db.session import Database, lock_job
from sepa_batch.domain.model import LineKind, Status
from sepa_batch.money import format_amount


@dataclass(frozen=True, slots=True)
class Settlement:
    as_of: date
    settled: int
    amount_cents: int
    batches: tuple[str, ...]

    def document(self) -> dict:
        return {
            "as_of": self.as_of.isoformat(),
            "settled": self.settled,
            "amount": format_amount(self.amount_cents),
            "batches": list(self.batches),
        }


def _due_for_settlement(today: date):
    """Submitted lines whose collection date has passed, in a file the bank was given (one
    written but never published — a crash before the rename — is not settled)."""
    published = (
        select(PaymentBatch.id)
        .join(BankFile, BankFile.id == PaymentBatch.bank_file_id)
        .where(BankFile.published_at.is_not(None))
    )
    return (
        LedgerLine.kind == LineKind.PAYMENT,
        LedgerLine.status == Status.SUBMITTED,
        LedgerLine.collection_date < today,
        LedgerLine.held_by_return_id.is_(None),  # a return a person must decide on
        LedgerLine.batch_id.in_(published),
    )


class _Block(NamedTuple):
    """What is due in one block (PmtInfId)."""

    pmtinf_id: str | None
    lines: int
    cents: int


def _due_by_block(session: Session, today: date) -> list[_Block]:
    """What is due, per block. On PostgreSQL the lines are locked: an unpay running now
    either waits for the settlement or wins."""
    due = (
        select(LedgerLine.id, LedgerLine.amount_cents, LedgerLine.batch_id)
        .where(*_due_for_settlement(today))
        .with_for_update(of=LedgerLine)
        .cte("due")
    )
    return [
        _Block(row.pmtinf_id, int(row.lines), int(row.cents))
        for row in session.execute(
            select(
                PaymentBatch.pmtinf_id,
                func.count().label("lines"),
                func.coalesce(func.sum(due.c.amount_cents), 0).label("cents"),
            )
            .select_from(due)
            .outerjoin(PaymentBatch, PaymentBatch.id == due.c.batch_id)
            .group_by(PaymentBatch.pmtinf_id)
            .order_by(PaymentBatch.pmtinf_id)
        )
    ]


def settle(db: Database, today: date) -> Settlement:
    """Every SUBMITTED line whose collection date is before ``today`` becomes PAID on it."""
    with db.transaction() as session:
        lock_job(session, "settle")
        blocks = _due_by_block(session, today)
        if not blocks:
            return Settlement(today, 0, 0, ())
        done = session.execute(  # SUBMITTED → PAID: the "settle" move of domain.transitions
            update(LedgerLine)
            .where(*_due_for_settlement(today))
            .values(status=Status.PAID, paid_on=LedgerLine.collection_date)
            .execution_options(synchronize_session=False)
        ).rowcount
        count = sum(block.lines for block in blocks)
        if done != count:  # the lines were locked: cannot happen, but never settle half
            raise RuntimeError(f"settlement: {count} lines due but {done} settled; nothing changed")
        pmtinf_ids = tuple(block.pmtinf_id for block in blocks if block.pmtinf_id is not None)
        return Settlement(today, count, sum(block.cents for block in blocks), pmtinf_ids)
