"""Cancel a mistaken line before it reaches the bank (``sepa-batch cancel``).

A SCHEDULED instalment, or a sale with nothing paid since, becomes CANCELLED: it stays in the
ledger with the day, who and why, and no longer counts (a cancelled sale is not owed; a
cancelled instalment is never collected nor overdue). A submitted, paid or unpaid line is money
that moved: it is refused, and the unpaid workflow or a new line corrects it instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from sepa_batch.db.schema import LedgerLine
from sepa_batch.db.session import Database
from sepa_batch.domain import transitions
from sepa_batch.domain.model import LineKind, Status
from sepa_batch.errors import InvalidInput, NotFound, TransitionRefused
from sepa_batch.money import format_amount


@dataclass(frozen=True, slots=True)
class Cancelled:
    line: int
    kind: str
    amount_cents: int
    on: date
    by: str
    reason: str

    def document(self) -> dict:
        return {
            "line": self.line,
            "kind": self.kind,
            "amount": format_amount(self.amount_cents),
            "status": Status.CANCELLED.value,
            "cancelled_on": str(self.on),
            "cancelled_by": self.by,
            "reason": self.reason,
        }


def cancel_line(db: Database, line_id: int, *, reason: str, by: str, today: date) -> Cancelled:
    """Cancel line ``line_id``; refused (nothing changed) unless it never reached the bank."""
    record = f"line {line_id}"
    if not reason.strip():
        raise InvalidInput(record, "reason", "say why the line is cancelled")
    with db.transaction() as session:
        line = session.execute(
            select(LedgerLine).where(LedgerLine.id == line_id).with_for_update()
        ).scalar_one_or_none()
        if line is None:
            raise NotFound(f"line {line_id}: not found")
        if line.kind == LineKind.SALE:
            _check_sale(session, line)
        else:
            status = Status(line.status)
            transitions.check(line_id, status, Status.CANCELLED, "cancel")
        line.status = Status.CANCELLED
        line.cancelled_on = today
        line.cancelled_by = by[:64]
        line.cancel_reason = reason.strip()[:140]
        return Cancelled(line.id, line.kind, line.amount_cents, today, line.cancelled_by,
                         line.cancel_reason)  # fmt: skip


def _check_sale(session, line: LedgerLine) -> None:
    """A sale can be cancelled while nothing has been paid since it was recorded."""
    if line.status == Status.CANCELLED:
        raise TransitionRefused(f"line {line.id}: status: it is cancelled already")
    paid = session.execute(
        select(LedgerLine.id, LedgerLine.status)
        .where(
            LedgerLine.customer_id == line.customer_id,
            LedgerLine.kind == LineKind.PAYMENT,
            LedgerLine.date >= line.date,
            LedgerLine.status.in_([Status.SUBMITTED, Status.PAID, Status.UNPAID]),
        )
        .order_by(LedgerLine.id)
        .limit(1)
    ).first()
    if paid is not None:
        raise TransitionRefused(
            f"line {line.id}: status: cannot cancel this sale: payment line {paid.id} "
            f"({paid.status}) has been made against the customer's account since"
        )
