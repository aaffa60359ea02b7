"""The effects of the unpaid workflow (Impayer, PRODUCT §4), computed without any I/O.

Given the unpaid line and the options the back office chose (or the policy chose for it),
``plan_unpaid`` says which lines to add: the rejection-fee sale, the negative payment that
cancels the payment that did not happen, and the re-presentation(s) of amount + fee.

>>> plan = plan_unpaid(line_id=2, unpaid_cents=5000, fee_cents=700, due_date=date(2010, 7, 20),
...                    mode=Mode.CHEQUE, label="Re-presentation")
>>> plan.fee_cents, plan.reversal_cents, [part.amount_cents for part in plan.representations]
(700, -5000, [5700])
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sepa_batch.domain.calendar import add_business_days, next_business_day, next_collection_day
from sepa_batch.domain.model import Mode
from sepa_batch.errors import InvalidInput
from sepa_batch.money import format_amount

#: The longest label a ledger line holds.
MAX_LABEL = 140


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


@dataclass(frozen=True, slots=True)
class DirectDebitRule:
    """A direct-debit re-presentation goes out on a club collection day whose file is not yet
    written (``written_until``: the latest requested collection date of the files written),
    that a file created on the day of the unpaid can still request (``cutoff_business_days``),
    and that leaves the pre-notification ``notice_days`` (SEPA Core: 14 calendar days unless
    agreed otherwise). The member is told the requested collection date: the collection day
    moved to a business day, as the file will carry it."""

    notice_days: int
    collection_day: int
    written_until: date | None = None
    cutoff_business_days: int = 1

    def due(self, day: date, wanted: date | None) -> date:
        """The re-presentation's due date when the unpaid is recorded on ``day``.

        >>> rule = DirectDebitRule(notice_days=14, collection_day=5)
        >>> rule.due(date(2010, 7, 20), date(2010, 8, 5))
        datetime.date(2010, 8, 5)
        >>> rule.due(date(2010, 7, 20), date(2010, 7, 20))
        datetime.date(2010, 8, 5)
        >>> rule.due(date(2010, 7, 25), None)
        datetime.date(2010, 9, 5)
        >>> late = DirectDebitRule(2, 5, written_until=date(2026, 4, 7))  # Easter Monday 2026
        >>> late.due(date(2026, 4, 2), None), late.requested(date(2026, 4, 5))
        (datetime.date(2026, 5, 5), datetime.date(2026, 4, 7))
        """
        earliest = day + timedelta(days=self.notice_days)
        if wanted is not None and wanted > earliest:
            earliest = wanted
        candidate = next_collection_day(earliest, self.collection_day)
        reachable = add_business_days(next_business_day(day), self.cutoff_business_days)
        while (
            self.written_until is not None and self.requested(candidate) <= self.written_until
        ) or self.requested(candidate) < reachable:
            candidate = next_collection_day(candidate + timedelta(days=1), self.collection_day)
        return candidate

    @staticmethod
    def requested(due: date) -> date:
        """The requested collection date of the file that carries a debit due on ``due``."""
        return next_business_day(due)


def fit_label(label: str, suffix: str = "") -> str:
    """``label`` + ``suffix`` cut to ``MAX_LABEL`` characters, keeping the whole suffix."""
    return label[: MAX_LABEL - len(suffix)].rstrip() + suffix


def default_label(original_label: str, original_due: date | None, language: str = "en") -> str:
    """The re-presentation's label when the back office gives none (``labels.representation``).

    >>> default_label("Abonnement mensuel 07/2010", date(2010, 7, 5))
    'Re-presentation of unpaid Abonnement mensuel 07/2010 of 05/07/2010'
    """
    from sepa_batch import labels  # labels builds on fit_label, defined here

    # a re-presentation of a re-presentation names the original instalment: labels never nest
    label, due = labels.original_of(original_label) or (original_label, original_due)
    return labels.representation(label, due, language)


def plan_unpaid(
    *,
    line_id: int,
    unpaid_cents: int,
    fee_cents: int,
    due_date: date,
    mode: Mode,
    label: str,
    split: tuple[SplitPart, ...] = (),
    direct_debit: DirectDebitRule | None = None,
    day: date | None = None,
) -> UnpaidPlan:
    """The lines the unpaid workflow adds. Refuses a split that does not add up.

    With ``direct_debit`` and ``day``, every direct-debit re-presentation (one or a split part)
    is moved to a date its pre-notification can still reach.
    """
    record = f"line {line_id}"
    if fee_cents < 0:
        raise InvalidInput(record, "fee", "a rejection fee cannot be negative")
    if unpaid_cents <= 0:
        raise InvalidInput(record, "amount", "only a positive payment can be unpaid")
    if len(label) > MAX_LABEL:
        raise InvalidInput(record, "label", f"at most {MAX_LABEL} characters, got {len(label)}")
    total = unpaid_cents + fee_cents
    if not split:
        split = (SplitPart(due_date, total, mode),)
    elif any(part.amount_cents <= 0 for part in split):
        raise InvalidInput(record, "instalment", "every instalment must be positive")
    given = sum(part.amount_cents for part in split)
    if given != total:
        raise InvalidInput(
            record,
            "instalment",
            f"the instalments add up to {format_amount(given)}, "
            f"not to the unpaid amount + fee {format_amount(total)}",
        )
    count = len(split)
    parts = []
    for index, part in enumerate(split, start=1):
        part_mode = Mode(part.mode or mode)
        due = part.due_date
        if part_mode is Mode.DIRECT_DEBIT and direct_debit is not None and day is not None:
            due = direct_debit.due(day, due)
        suffix = f" ({index}/{count})" if count > 1 else ""
        parts.append(Instalment(due, part.amount_cents, part_mode, fit_label(label, suffix)))
    return UnpaidPlan(fee_cents, -unpaid_cents, tuple(parts))
