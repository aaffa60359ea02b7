"""The effects of the unpaid workflow (Impayer, PRODUCT §4), computed without any I/O.

Given the unpaid line and the options the back office chose (or the policy chose for it),
``plan_unpaid`` says which lines to add: the rejection-fee sale, the negative payment that
cancels the payment that did not happen, and the re-presentation(s) of amount + fee.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sepa_batch.domain.model import Mode
from sepa_batch.errors import InvalidInput
from sepa_batch.money import format_amount


@dataclass(frozen=True, slots=True)
class Instalment:
    due_date: date
    amount_cents: int
    mode: Mode
    label: str


@dataclass(frozen=True, slots=True)
class UnpaidPlan:
    fee_cents: int  # 0 means no sale line
    reversal_cents: int  # negative: minus the unpaid amount
    representations: tuple[Instalment, ...]


@dataclass(frozen=True, slots=True)
class SplitPart:
    """One ``--instalment DATE:AMOUNT[:MODE]`` given by the back office."""

    due_date: date
    amount_cents: int
    mode: Mode | None = None


def default_label(original_label: str, original_due: date | None) -> str:
    when = original_due.strftime("%d/%m/%Y") if original_due else "?"
    return f"Re-presentation of unpaid {original_label} of {when}"


def plan_unpaid(
    *,
    line_id: int,
    unpaid_cents: int,
    fee_cents: int,
    due_date: date,
    mode: Mode,
    label: str,
    split: tuple[SplitPart, ...] = (),
) -> UnpaidPlan:
    """The lines the unpaid workflow adds. Refuses a split that does not add up."""
    if fee_cents < 0:
        raise InvalidInput(f"line {line_id}", "fee", "a rejection fee cannot be negative")
    if unpaid_cents <= 0:
        raise InvalidInput(f"line {line_id}", "amount", "only a positive payment can be unpaid")
    total = unpaid_cents + fee_cents
    if not split:
        return UnpaidPlan(fee_cents, -unpaid_cents, (Instalment(due_date, total, mode, label),))
    given = sum(part.amount_cents for part in split)
    if given != total:
        raise InvalidInput(
            f"line {line_id}",
            "instalment",
            f"the instalments add up to {format_amount(given)}, "
            f"not to the unpaid amount + fee {format_amount(total)}",
        )
    if any(part.amount_cents <= 0 for part in split):
        raise InvalidInput(f"line {line_id}", "instalment", "every instalment must be positive")
    count = len(split)
    parts = tuple(
        Instalment(
            part.due_date,
            part.amount_cents,
            part.mode or mode,
            f"{label} ({index}/{count})" if count > 1 else label,
        )
        for index, part in enumerate(split, start=1)
    )
    return UnpaidPlan(fee_cents, -unpaid_cents, parts)
