"""Return items of one transaction matched to the line we collected.

By end-to-end id (many items at once); else by mandate reference + amount, collected within
the date window before the booking date, when exactly one line fits. A matched item whose
amount or currency differs from what was collected, a creditor-initiated reversal, or a code
the policy sends to review is kept for a person (``review_reason``).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from sepa_batch.config import Config
from sepa_batch.db.schema import LedgerLine, Mandate
from sepa_batch.domain.model import LineKind, Status
from sepa_batch.domain.policy import Action
from sepa_batch.domain.unpaid_rules import UnpaidCase
from sepa_batch.money import format_amount
from sepa_batch.returns import ReturnItem
from sepa_batch.unpaid.cases import load_cases, slices

#: The currency of every amount we collect.
CURRENCY = "EUR"
#: The statuses of a line the bank may still return.
COLLECTED = (Status.SUBMITTED, Status.PAID)


def by_end_to_end_id(item: ReturnItem) -> bool:
    """A transaction's return, reject or reversal that names its end-to-end id."""
    return item.kind != "accepted" and item.level == "transaction" and bool(item.end_to_end_id)


def cases_by_end_to_end_id(session: Session, keys: set[str]) -> dict[str, UnpaidCase]:
    """The lines of these end-to-end ids, read with one query per ``IN_CHUNK`` keys."""
    cases: dict[str, UnpaidCase] = {}
    for part in slices(sorted(keys)):
        found = load_cases(session, LedgerLine.end_to_end_id.in_(part))
        cases.update((case.end_to_end_id, case) for case in found)
    return cases


def match_now(
    session: Session, config: Config, item: ReturnItem, *, by_end_to_end_id: bool
) -> UnpaidCase | None:
    """The item's line as it is now: by end-to-end id; else by mandate id + amount,
    collected within the date window (the only such line)."""
    if by_end_to_end_id:
        found = load_cases(session, LedgerLine.end_to_end_id == item.end_to_end_id)
        if found:
            return found[0]
    if not (item.mandate_id and item.amount_cents):
        return None
    query = (
        select(LedgerLine.id)
        .join(Mandate, Mandate.id == LedgerLine.mandate_id)
        .where(
            Mandate.reference == item.mandate_id,
            LedgerLine.amount_cents == item.amount_cents,
            LedgerLine.kind == LineKind.PAYMENT,
            LedgerLine.status.in_(COLLECTED),
        )
    )
    if item.booking_date:
        window = timedelta(days=config.match_window_days)
        query = query.where(
            LedgerLine.collection_date >= item.booking_date - window,
            LedgerLine.collection_date <= item.booking_date,
        )
    candidates = list(session.execute(query.with_for_update()).scalars())
    if len(candidates) != 1:
        return None
    return load_cases(session, LedgerLine.id == candidates[0])[0]


def review_reason(config: Config, item: ReturnItem, case: UnpaidCase) -> str | None:
    """Why a person must decide, or None: a reversal, a code the policy sends to review,
    an amount or currency other than what was collected."""
    reasons = []
    if item.kind == "reversal":  # creditor-initiated: the back office decides
        reasons.append("creditor-initiated reversal")
    elif item.reason_code:
        policy = config.policy.for_code(item.reason_code)
        if policy.action is Action.REVIEW:
            reasons.append(f"reason code {item.reason_code.upper()}: {policy.meaning}")
    differs = item.amount_cents is not None and item.amount_cents != case.amount_cents
    if differs or (item.currency is not None and item.currency.upper() != CURRENCY):
        returned = "?" if item.amount_cents is None else format_amount(item.amount_cents)
        reasons.append(
            f"returned {returned} {item.currency or CURRENCY}, collected "
            f"{format_amount(case.amount_cents)} {CURRENCY}"
        )
    return "; ".join(reasons) or None
