"""The checks an imported or typed field goes through: identifiers, and texts that must fit
their column. Each raises ``InvalidInput`` naming the record and the field."""

from __future__ import annotations

from sepa_batch.errors import InvalidInput
from sepa_batch.identifiers import Bic, Iban, MandateReference, text_problem


def valid_iban(value: str, record: str, field: str = "iban") -> str:
    return str(Iban.checked(value, record, field))


def valid_bic(value: str, record: str, field: str = "bic") -> str:
    return str(Bic.checked(value, record, field))


def valid_reference(value: str, record: str, field: str = "mandate_id") -> str:
    return str(MandateReference.checked(value, record, field))


def column_length(model, column: str) -> int:
    """The length of a text column of the schema: the one place lengths are written."""
    return model.__table__.c[column].type.length


def text_field(value: str | None, model, column: str, record: str, field: str) -> str | None:
    """``value`` if it fits its column, else ``InvalidInput`` naming the record and field."""
    problem = text_problem(value, column_length(model, column))
    if problem:
        raise InvalidInput(record, field, problem)
    return value
