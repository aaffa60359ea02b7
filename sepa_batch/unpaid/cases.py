"""The unpaid workflow's reading: ``UnpaidCase``s for many lines at once.

A case is a payment line and what the rules read around it (customer, mandates, batch); the
lines and their customers stay locked (PostgreSQL) until the transaction ends.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from sepa_batch.db.queries import current_mandate_id
from sepa_batch.db.schema import Customer, LedgerLine, Mandate, PaymentBatch
from sepa_batch.domain.model import SequenceType
from sepa_batch.domain.unpaid_rules import MandateFacts, UnpaidCase

#: Values in one ``IN (...)`` list.
IN_CHUNK = 1000

#: The customer's current mandate, read with the line (:func:`current_mandate_id`).
_Current = aliased(Mandate, name="current_mandate")

_CASE_COLUMNS = (
    LedgerLine.id,
    LedgerLine.customer_id,
    LedgerLine.status,
    LedgerLine.mode,
    LedgerLine.amount_cents,
    LedgerLine.label,
    LedgerLine.due_date,
    LedgerLine.direct_debit_tries,
    LedgerLine.batch_id,
    LedgerLine.end_to_end_id,
    LedgerLine.mandate_id,
    PaymentBatch.sequence_type,
    Customer.code,
    Customer.name,
    Customer.email,
    Customer.language,
    Customer.dunning_since,
    Mandate.status.label("mandate_status"),
    Mandate.reference,
    _Current.id.label("current_id"),
    _Current.status.label("current_status"),
    _Current.reference.label("current_reference"),
)


def slices(values: list) -> list[list]:
    """``values`` cut into lists of at most ``IN_CHUNK``."""
    return [values[start : start + IN_CHUNK] for start in range(0, len(values), IN_CHUNK)]


def load_cases(session: Session, *criteria) -> list[UnpaidCase]:
    """The lines that meet ``criteria`` with what the workflow reads, in one query; the lines
    and their customers stay locked until the transaction ends."""
    rows = session.execute(
        select(*_CASE_COLUMNS)
        .join(Customer, Customer.id == LedgerLine.customer_id)
        .outerjoin(Mandate, Mandate.id == LedgerLine.mandate_id)
        .outerjoin(PaymentBatch, PaymentBatch.id == LedgerLine.batch_id)
        .outerjoin(_Current, _Current.id == current_mandate_id(LedgerLine.customer_id))
        .where(*criteria)
        .with_for_update(of=(LedgerLine, Customer))
    )
    return [_case(row) for row in rows]


def _case(row) -> UnpaidCase:
    return UnpaidCase(
        line_id=row.id,
        customer_id=row.customer_id,
        status=row.status,
        mode=row.mode,
        amount_cents=row.amount_cents,
        label=row.label,
        due_date=row.due_date,
        direct_debit_tries=row.direct_debit_tries,
        batch_id=row.batch_id,
        end_to_end_id=row.end_to_end_id,
        mandate_id=row.mandate_id,
        first_collection=row.sequence_type == SequenceType.FRST,
        customer_code=row.code,
        customer_name=row.name,
        customer_email=row.email,
        customer_language=row.language,
        dunning_since=row.dunning_since,
        line_mandate=None
        if row.mandate_id is None
        else MandateFacts(row.mandate_id, row.mandate_status, row.reference),
        current_mandate=None
        if row.current_id is None
        else MandateFacts(row.current_id, row.current_status, row.current_reference),
    )
