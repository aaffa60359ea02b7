"""Rules of the domain as SQL, for the set-based queries of services and reports.

Each rule is written once here and used wherever it is needed, one line or a million:
"overdue" (also in :mod:`sepa_batch.domain.ledger`, cross-checked by the tests) and "the
current mandate of a customer".
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import aliased

from sepa_batch.db.schema import LedgerLine, Mandate
from sepa_batch.domain.ledger import OPEN
from sepa_batch.domain.model import LineKind, MandateStatus


def overdue_on(day: date) -> tuple:
    """SQL conditions for a payment line overdue on ``day``: still open and due before it —
    the rule of :func:`sepa_batch.domain.ledger.is_overdue`, for set-based queries."""
    return (
        LedgerLine.kind == LineKind.PAYMENT,
        LedgerLine.status == OPEN,
        LedgerLine.due_date < day,
    )


def current_mandate_id(customer_id):
    """The id of a customer's current mandate: the newest one that is not revoked, else the
    newest one (a customer whose every mandate is revoked still shows the last).

    ``customer_id`` is a value or a column of the enclosing query (``LedgerLine.customer_id``,
    ``Mandate.customer_id``): the subquery is correlated to whatever it is used in.
    """
    other = aliased(Mandate)
    return (
        select(
            func.coalesce(
                func.max(case((other.status != MandateStatus.REVOKED, other.id))),
                func.max(other.id),
            )
        )
        .where(other.customer_id == customer_id)
        .correlate_except(other)
        .scalar_subquery()
    )
