"""The reason-code policy (PRODUCT §4): what an ISO reason code makes the unpaid workflow do.

The table itself is configuration (``[[policy]]`` in the TOML file); this module only gives
it a type and the lookup.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sepa_batch.domain.model import Mode


class Action(StrEnum):
    UNPAID = "unpaid"  # run the unpaid workflow
    RESCHEDULE = "reschedule"  # creditor-side / technical: back to SCHEDULED, no fee
    REVIEW = "review"  # duplicate / cancelled: flag the line for review, nothing else


class MandateAction(StrEnum):
    KEEP = "keep"
    REVOKE = "revoke"
    FLAG = "flag"


class DateRule(StrEnum):
    TODAY = "today"
    NEXT_COLLECTION = "next_collection"


@dataclass(frozen=True, slots=True)
class ReasonPolicy:
    codes: tuple[str, ...]
    meaning: str
    action: Action
    fee: bool
    mode: Mode
    date_rule: DateRule
    max_direct_debit_tries: int  # past this many failed tries, re-present by CHEQUE today
    mandate: MandateAction


@dataclass(frozen=True, slots=True)
class PolicyTable:
    rows: tuple[ReasonPolicy, ...]
    default: ReasonPolicy

    def for_code(self, code: str | None) -> ReasonPolicy:
        """The row for ``code``; unknown or missing codes fall back to the default row."""
        if code:
            for row in self.rows:
                if code.upper() in row.codes:
                    return row
        return self.default


@dataclass(frozen=True, slots=True)
class Representation:
    mode: Mode
    date_rule: DateRule


def representation_for(
    policy: ReasonPolicy, failed_tries: int, *, can_direct_debit: bool = True
) -> Representation:
    """How to re-present after ``failed_tries`` failed direct debits of the same amount.

    A direct-debit re-presentation is allowed while the tries stay below the policy's maximum
    and the customer still has an active mandate; otherwise the customer pays by cheque, from
    today.
    """
    if policy.mode is Mode.DIRECT_DEBIT and (
        failed_tries >= policy.max_direct_debit_tries or not can_direct_debit
    ):
        return Representation(Mode.CHEQUE, DateRule.TODAY)
    return Representation(policy.mode, policy.date_rule)
