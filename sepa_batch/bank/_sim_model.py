"""What the simulated bank decided about each debit, and the dating rules its answers follow.

Dates come from the submitted file only (its ``CreDtTm`` and each block's ``ReqdColltnDt``),
never from the clock:

* a block settles on its collection date, moved to the next TARGET2 business day if needed;
* rejects (pain.002) are reported on the business day before the earliest settlement;
* returns (camt.054) are booked 2–5 business days after their block settled (SDD Core
  rulebook: returns within D+5 business days);
* no answer is ever dated before the submitted file was created (plus one hour).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sepa_batch.bank._sim_input import SubmittedBlock, SubmittedDebit, SubmittedFile
from sepa_batch.domain.calendar import next_business_day, subtract_business_days

MAX_ID = 35  # Max35Text: MsgId, Stmt/Id, Ntfctn/Id, AcctSvcrRef


@dataclass(frozen=True, slots=True)
class Rejection:
    """A debit refused before settlement (pain.002 ``TxSts=RJCT``)."""

    block: SubmittedBlock
    debit: SubmittedDebit
    reason: str
    reason_text: str


@dataclass(frozen=True, slots=True)
class Return:
    """A settled debit sent back by the debtor's bank (camt.054 ``RtrInf``), maybe with a fee."""

    block: SubmittedBlock
    debit: SubmittedDebit
    reason: str
    reason_text: str
    booked: date
    charge: int

    @property
    def amount(self) -> int:
        """What leaves the creditor's account: the collected amount plus the bank charge."""
        return self.debit.amount + self.charge


def settled_on(block: SubmittedBlock) -> date:
    """The TARGET2 business day on which the block is credited."""
    return next_business_day(block.collection_date)


def reject_report_day(file: SubmittedFile) -> date:
    """The business day before the earliest settlement: when rejects are known."""
    return subtract_business_days(min(settled_on(block) for block in file.blocks), 1)


def answer_time(file: SubmittedFile, day: date, hour: int) -> datetime:
    """``day`` at ``hour`` o'clock, but never earlier than an hour after the file was created."""
    return max(datetime.combine(day, time(hour)), file.created + timedelta(hours=1))


def derived_id(kind: str, msg_id: str) -> str:
    """An id for the bank's answer built from the submitted MsgId, at most 35 characters.

    >>> derived_id("STMT", "MSG-2026-11")
    'STMT-MSG-2026-11'
    >>> len(derived_id("STMT", "X" * 35))
    35
    """
    plain = f"{kind}-{msg_id}"
    if len(plain) <= MAX_ID:
        return plain
    digest = hashlib.sha256(msg_id.encode()).hexdigest()[:8]
    keep = MAX_ID - len(kind) - len(digest) - 2
    return f"{kind}-{digest}-{msg_id[:keep]}"
