"""Balance, overdue and blocking on a given day (PRODUCT §2). Pure functions, no clock.

The rule of the procedure: *the customer turns red and is blocked only the next day* — an
instalment due today is not overdue today.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sepa_batch.domain.model import Line, LineKind, Status

#: Payment statuses that never make a line overdue. An UNPAID line is not overdue either: it
#: still counts in the balance, and its negative compensating line takes the money back
#: (PRODUCT §2; the worked example's balance of -57.00 needs exactly that).
NEVER_OVERDUE = frozenset({Status.PAID, Status.SUBMITTED, Status.CANCELLED, Status.UNPAID})
#: The only status that can be overdue.
OPEN = Status.SCHEDULED


def is_overdue(status: Status | str, due_date: date | None, day: date) -> bool:
    """A payment line is overdue on ``day`` when it is still open and was due before that day."""
    return status not in NEVER_OVERDUE and due_date is not None and due_date < day


@dataclass(frozen=True, slots=True)
class Position:
    """A customer's position on one day."""

    day: date
    balance_cents: int
    overdue_cents: int
    overdue_lines: int

    @property
    def blocked(self) -> bool:
        return self.overdue_lines > 0


def position(lines: Iterable[Line], day: date) -> Position:
    """Balance = payment lines that count on ``day`` − sale lines dated ≤ ``day``.

    A payment line counts unless it is overdue on ``day``; an UNPAID line still counts, since
    its negative compensating line is what takes the money back.
    """
    balance = overdue = count = 0
    for line in lines:
        if line.kind is LineKind.SALE:
            if line.date <= day and line.status is not Status.CANCELLED:  # cancelled: not owed
                balance -= line.amount_cents
        elif is_overdue(line.status, line.due_date, day):
            overdue += line.amount_cents
            count += 1
        else:
            balance += line.amount_cents
    return Position(day=day, balance_cents=balance, overdue_cents=overdue, overdue_lines=count)
