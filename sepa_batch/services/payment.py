"""Payer (PRODUCT §4): an open instalment recorded as paid."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sepa_batch.db.session import Database
from sepa_batch.domain import transitions
from sepa_batch.domain.model import Mode, Status
from sepa_batch.errors import InvalidInput
from sepa_batch.services.common import payment_line


@dataclass(frozen=True, slots=True)
class Payment:
    line: int
    paid_on: date
    mode: str

    def document(self) -> dict:
        return {
            "line": self.line,
            "status": Status.PAID.value,
            "paid_on": self.paid_on.isoformat(),
            "mode": self.mode,
        }


def pay(
    db: Database, line_id: int, day: date, *, mode: Mode | None = None, today: date | None = None
) -> Payment:
    """Payer: an open instalment (scheduled or overdue) becomes paid on ``day``, which is not
    after ``today`` (a payment is recorded once it happened)."""
    if today is not None and day > today:
        raise InvalidInput(
            f"line {line_id}", "--date", f"{day} is in the future (today is {today})"
        )
    with db.transaction() as session:
        line = payment_line(session, line_id)
        target = transitions.check(line.id, line.status, Status.PAID, "pay")
        if line.amount_cents <= 0:
            raise InvalidInput(f"line {line_id}", "amount", "only a positive instalment is paid")
        line.status = target
        line.paid_on = day
        if mode is not None:
            line.mode = mode
        return Payment(line.id, day, line.mode)
