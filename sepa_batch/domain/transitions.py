"""Explicit payment-line state transitions (PRODUCT §2); illegal moves are refused."""

from __future__ import annotations

from typing import Protocol

from sepa_batch.domain.model import LineKind, Status
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


#: a line's status, as said in a sentence
_STATE = {
    Status.SCHEDULED: "open (SCHEDULED)",
    Status.SUBMITTED: "in a bank file (SUBMITTED)",
    Status.PAID: "paid (PAID)",
    Status.UNPAID: "unpaid (UNPAID)",
    Status.CANCELLED: "cancelled (CANCELLED)",
}
#: what an action does to a line, as a past participle
_DONE = {
    "collect": "collected",
    "pay": "paid",
    "cancel": "cancelled",
    "settle": "settled",
    "unpay": "marked unpaid",
    "reschedule": "rescheduled",
}
_HINT = {
    (Status.UNPAID, "pay"): ": pay its re-presentation line instead (see `sepa-batch ledger`)",
    (Status.UNPAID, "unpay"): ": it is already unpaid",
    (Status.PAID, "pay"): ": it is already paid",
    (Status.SCHEDULED, "unpay"): ": it was never collected nor paid",
    (Status.SUBMITTED, "cancel"): ": it is in a bank file already",
    (Status.PAID, "cancel"): ": it is paid; record a refund instead",
    (Status.UNPAID, "cancel"): ": it came back unpaid; the unpaid workflow handles it",
    (Status.CANCELLED, "cancel"): ": it is cancelled already",
}


def check(line_id: int, current: Status | str, target: Status, action: str) -> Status:
    """Return ``target`` if ``current → target`` is the move ``action`` may make, else refuse.

    >>> check(7, "UNPAID", Status.PAID, "pay")
    Traceback (most recent call last):
    ...
    sepa_batch.errors.TransitionRefused: line 7: status: this line is unpaid (UNPAID), so it \
cannot be paid: pay its re-presentation line instead (see `sepa-batch ledger`)
    """
    current = Status(current)
    if ALLOWED.get((current, target)) != action:
        raise TransitionRefused(
            f"line {line_id}: status: this line is {_STATE[current]}, so it cannot be "
            f"{_DONE.get(action, action)}{_HINT.get((current, action), '')}"
        )
    return target


class LineFacts(Protocol):
    """What decides whether a line may be paid or unpaid (a ledger row has it)."""

    kind: str
    amount_cents: int
    status: str | None


def may_unpay(line: LineFacts) -> bool:
    """Impayer is offered for a positive payment line the transitions let become unpaid.

    >>> from types import SimpleNamespace as Line
    >>> may_unpay(Line(kind="payment", amount_cents=3900, status="PAID"))
    True
    """
    return _may(line, Status.UNPAID, "unpay")


def may_pay(line: LineFacts) -> bool:
    """Payer is offered for a positive open instalment."""
    return _may(line, Status.PAID, "pay")


def _may(line: LineFacts, target: Status, action: str) -> bool:
    if line.kind != LineKind.PAYMENT or line.amount_cents <= 0 or not line.status:
        return False
    return ALLOWED.get((Status(line.status), target)) == action
