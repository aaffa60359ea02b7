"""The vocabulary of the ledger: statuses, payment modes, article kinds.

Values are plain strings in the database and in JSON; the enums keep the code honest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class LineKind(StrEnum):
    SALE = "sale"
    PAYMENT = "payment"


class Status(StrEnum):
    """Payment-line statuses (PRODUCT §2)."""

    SCHEDULED = "SCHEDULED"  # open instalment
    SUBMITTED = "SUBMITTED"  # in a bank file, not yet settled
    PAID = "PAID"
    UNPAID = "UNPAID"  # came back unpaid
    CANCELLED = "CANCELLED"


class Mode(StrEnum):
    DIRECT_DEBIT = "DIRECT_DEBIT"
    CHEQUE = "CHEQUE"
    CASH = "CASH"
    CARD = "CARD"
    TRANSFER = "TRANSFER"


class ArticleKind(StrEnum):
    SUBSCRIPTION = "SUBSCRIPTION"
    REJECTION_FEE = "REJECTION_FEE"
    DUNNING_FEE = "DUNNING_FEE"
    OTHER = "OTHER"


class MandateStatus(StrEnum):
    ACTIVE = "ACTIVE"
    REVOKED = "REVOKED"  # never collected again
    FLAGGED = "FLAGGED"  # debtor data to correct; collected again once updated


class SequenceType(StrEnum):
    FRST = "FRST"
    RCUR = "RCUR"
    OOFF = "OOFF"
    FNAL = "FNAL"


@dataclass(frozen=True, slots=True)
class Line:
    """What the ledger rules need to know of one line, sale or payment.

    Sale lines carry a positive ``amount_cents`` and a ``date``; payment lines carry a signed
    amount, a ``due_date`` and a ``status``.
    """

    kind: LineKind
    amount_cents: int
    date: date
    due_date: date | None = None
    status: Status | None = None
