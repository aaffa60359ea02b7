"""Explicit payment-line state transitions (PRODUCT §2); illegal moves are refused."""

from __future__ import annotations

from sepa_batch.domain.model import Status
from sepa_batch.errors import TransitionRefused

#: (from, to) → the action that makes it.
ALLOWED: dict[tuple[Status, Status], str] = {
    (Status.SCHEDULED, Status.SUBMITTED): "collect",
    (Status.SCHEDULED, Status.PAID): "pay",
    (Status.SCHEDULED, Status.CANCELLED): "cancel",
    (Status.SUBMITTED, Status.PAID): "settle",
    (Status.SUBMITTED, Status.UNPAID): "unpay",
    (Status.SUBMITTED, Status.SCHEDULED): "reschedule",  # technical reject: back to the next file
    (Status.PAID, Status.UNPAID): "unpay",
}


def check(line_id: int, current: Status | str, target: Status, action: str) -> Status:
    """Return ``target`` if ``current → target`` is the move ``action`` may make, else refuse."""
    current = Status(current)
    if ALLOWED.get((current, target)) != action:
        raise TransitionRefused(
            f"line {line_id}: status: cannot {action} a {current} line"
            + (" (it is already unpaid)" if current is Status.UNPAID and action == "unpay" else "")
        )
    return target
