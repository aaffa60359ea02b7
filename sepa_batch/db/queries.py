"""Rules of the domain as SQL conditions, for the set-based queries of services and reports."""

from __future__ import annotations

from datetime import date

from sepa_batch.db.schema import LedgerLine
from sepa_batch.domain.ledger import OPEN
from sepa_batch.domain.model import LineKind


def overdue_on(day: date) -> tuple:
    """SQL conditions for a payment line overdue on ``day``: still open and due before it —
    the rule of :func:`sepa_batch.domain.ledger.is_overdue`, for set-based queries."""
    return (
        LedgerLine.kind == LineKind.PAYMENT,
        LedgerLine.status == OPEN,
        LedgerLine.due_date < day,
    )
