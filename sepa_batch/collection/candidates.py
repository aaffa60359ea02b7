"""The candidates: every line a run may collect, with its customer and its current mandate."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from sepa_batch.db.queries import current_mandate_id
from sepa_batch.db.schema import Customer, LedgerLine, Mandate
from sepa_batch.domain.model import LineKind, Mode, Status

SELECT_CHUNK = 20_000  # candidate rows fetched at a time


class Candidate(NamedTuple):
    """A SCHEDULED direct-debit line due by the horizon, its customer and the mandate it would
    be collected under (every mandate field None when the customer has none)."""

    line: int
    amount: int
    due: date
    presentations: int
    label: str | None
    code: str
    name: str
    street: str | None
    building_number: str | None
    postcode: str | None
    town: str | None
    country: str | None
    mandate: int | None
    status: str | None
    one_off: bool | None
    first_used: bool | None
    last_presented_on: date | None
    signed_on: date | None
    iban: str | None
    bic: str | None
    reference: str | None
    original_reference: str | None
    original_iban: str | None
    new_bank: bool | None

    @property
    def amended(self) -> bool:
        """The mandate carries an amendment the next file must announce."""
        return bool(self.original_reference or self.original_iban or self.new_bank)


#: The column read into each field of :class:`Candidate`, by name.
_COLUMNS = {
    "line": LedgerLine.id, "amount": LedgerLine.amount_cents, "due": LedgerLine.due_date,
    "presentations": LedgerLine.presentations, "label": LedgerLine.label,
    "code": Customer.code, "name": Customer.name, "street": Customer.street,
    "building_number": Customer.building_number, "postcode": Customer.postcode,
    "town": Customer.town, "country": Customer.country,
    "mandate": Mandate.id, "status": Mandate.status, "one_off": Mandate.one_off,
    "first_used": Mandate.first_used, "last_presented_on": Mandate.last_presented_on,
    "signed_on": Mandate.signed_on, "iban": Mandate.iban, "bic": Mandate.bic,
    "reference": Mandate.reference, "original_reference": Mandate.amend_original_reference,
    "original_iban": Mandate.amend_original_iban, "new_bank": Mandate.amend_new_bank,
}  # fmt: skip
assert tuple(_COLUMNS) == Candidate._fields


def candidates(session: Session, until: date) -> Iterator[Candidate]:
    """SCHEDULED direct-debit lines due by ``until``, with the customer and the mandate it is
    collected under (its current mandate, :func:`sepa_batch.db.queries.current_mandate_id`),
    by due date then id, so the first line met of a mandate is its earliest."""
    query = (
        select(*_COLUMNS.values())
        .join(Customer, Customer.id == LedgerLine.customer_id)
        .outerjoin(Mandate, Mandate.id == current_mandate_id(LedgerLine.customer_id))
        .where(
            LedgerLine.status == Status.SCHEDULED,
            LedgerLine.mode == Mode.DIRECT_DEBIT,
            LedgerLine.due_date <= until,
            LedgerLine.kind == LineKind.PAYMENT,
            LedgerLine.held_by_return_id.is_(None),  # waiting for a person's review
        )
        .order_by(LedgerLine.due_date, LedgerLine.id)
        .execution_options(yield_per=SELECT_CHUNK)
    )
    return map(Candidate._make, session.connection().execute(query))
