"""A season's member list imported again (``customers import --update``).

Each row names a customer by ``customer_id``:
- a new customer is created with its mandate, as in a first import;
- an existing one gets the row's name, address and e-mail;
- a changed IBAN or BIC under the same mandate id is an amendment that the next collection
  carries (``amendment.amend_mandate``, as ``mandate update``);
- a new mandate id adds that mandate and retires the customer's current one;
- a row that changes nothing is reported as unchanged.
Customers absent from the file are left alone. All or nothing, like the first import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from schwifty import IBAN
from sqlalchemy import select
from sqlalchemy.orm import Session

from sepa_batch import csvfile
from sepa_batch.db.schema import Customer, Mandate
from sepa_batch.db.session import Database
from sepa_batch.domain.model import MandateStatus
from sepa_batch.errors import InvalidInput, InvalidInputs
from sepa_batch.identifiers import mask_iban
from sepa_batch.services.common import current_mandate
from sepa_batch.services.mandates import add_mandate_in
from sepa_batch.services.master_data.amendment import amend_mandate
from sepa_batch.services.master_data.customer_rows import (
    CUSTOMER_COLUMNS,
    CUSTOMER_CSV,
    check_customer_row,
    would_expire,
)

#: The customer fields a member list may change, as the CSV names them (not the code).
CUSTOMER_FIELDS = {name: column for name, column in CUSTOMER_CSV.items() if name != "customer_id"}


@dataclass(frozen=True, slots=True)
class RowChange:
    line: int
    customer: str
    action: str  # created | updated | unchanged
    changes: list[str] = field(default_factory=list)

    def document(self) -> dict:
        return {
            "line": self.line,
            "customer": self.customer,
            "action": self.action,
            "changes": self.changes,
        }


@dataclass(frozen=True, slots=True)
class UpdateResult:
    rows: list[RowChange]
    dry_run: bool
    would_expire: int = 0

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    def document(self) -> dict:
        return {
            "dry_run": self.dry_run,
            "created": self.count("created"),
            "updated": self.count("updated"),
            "unchanged": self.count("unchanged"),
            "would_expire": self.would_expire,
            "rows": [row.document() for row in self.rows],
        }


class _Row(NamedTuple):
    """A checked row of the member list, before it is applied."""

    line: int
    record: str
    customer: dict
    mandate: dict | None
    type_given: bool  # the row has a mandate_type: a one-off/recurrent change is a problem


def update_customers(
    db: Database,
    text: str,
    *,
    today: date,
    dry_run: bool = False,
    source: str = "customers.csv",
    void_months: int = 36,
) -> UpdateResult:
    """Apply a member list to the customers; all or nothing (see the module's docstring)."""
    problems: list[InvalidInput] = []
    parsed: list[_Row] = []
    seen: dict[tuple[str, str], int] = {}
    for line_no, row in csvfile.parse_csv(text, CUSTOMER_COLUMNS, source):
        record = f"{source} line {line_no}"
        customer, mandate = check_customer_row(row, record, today, problems)
        for key, value in (("customer_id", customer["code"]), ("mandate_id", row["mandate_id"])):
            if value and (key, value) in seen:
                also = seen[(key, value)]
                problems.append(InvalidInput(record, key, f"duplicate {value} (also line {also})"))
            seen.setdefault((key, value), line_no)
        parsed.append(_Row(line_no, record, customer, mandate, bool(row.get("mandate_type"))))
    if problems:
        raise InvalidInputs(f"{source}: import refused", problems)
    rows: list[RowChange] = []
    new_mandates = []
    with db.transaction() as session:
        for row in parsed:
            try:
                change = _apply(session, row.line, row.customer, row.mandate, today, row.type_given)
            except InvalidInput as exc:
                problems.append(InvalidInput(row.record, exc.field, exc.reason))
                continue
            rows.append(change)
            if row.mandate and any("added" in c for c in change.changes):
                new_mandates.append(row.mandate)
        if problems:
            raise InvalidInputs(f"{source}: import refused", problems)
        if dry_run:
            session.rollback()
    return UpdateResult(rows, dry_run, would_expire(new_mandates, today, void_months))


def _apply(
    session: Session, line: int, fields: dict, mandate: dict | None, today: date, type_given: bool
):
    code = fields["code"]
    customer = session.execute(select(Customer).where(Customer.code == code)).scalar_one_or_none()
    if customer is None:
        customer = Customer(**fields)
        session.add(customer)
        session.flush()
        changes = ["customer created"]
        if mandate:
            add_mandate_in(session, customer, mandate, today)
            changes.append(f"mandate {mandate['reference']} added")
        return RowChange(line, code, "created", changes)
    changes = []
    for column, attribute in CUSTOMER_FIELDS.items():
        old, new = getattr(customer, attribute), fields[attribute]
        if (old or None) != (new or None):
            changes.append(f"{column}: {old or '-'} → {new or '-'}")
            setattr(customer, attribute, new)
    if mandate:
        changes += _mandate_changes(session, customer, mandate, today, type_given)
    return RowChange(line, code, "updated" if changes else "unchanged", changes)


def _mandate_changes(
    session: Session, customer: Customer, fields: dict, today: date, type_given: bool
) -> list:
    reference = fields["reference"]
    stored = session.execute(
        select(Mandate).where(Mandate.reference == reference)
    ).scalar_one_or_none()
    current = current_mandate(session, customer.id)
    if stored is None:
        retired = current.reference if current and current.status != "REVOKED" else None
        add_mandate_in(session, customer, fields, today)
        return [f"mandate {reference} added" + (f", {retired} retired" if retired else "")]
    if stored.customer_id != customer.id:
        raise InvalidInput("", "mandate_id", f"mandate {reference} belongs to another customer")
    if stored.status == MandateStatus.REVOKED:
        raise InvalidInput(
            "", "mandate_id", f"mandate {reference} is {stored.status_reason or 'revoked'}"
        )
    if stored is not current:
        raise InvalidInput(
            "", "mandate_id", f"mandate {reference} is not the current one ({current.reference})"
        )
    if fields["signed_on"] != stored.signed_on:
        raise InvalidInput(
            "",
            "mandate_signed_on",
            f"mandate {reference} was signed on {stored.signed_on}; a signature date does not "
            "change (a new signature is a new mandate_id)",
        )
    if type_given and fields["one_off"] != stored.one_off:
        raise InvalidInput(
            "", "mandate_type", f"mandate {reference} is {'OOFF' if stored.one_off else 'RCUR'}"
        )
    new_bic = fields["bic"]
    if fields["iban"] == stored.iban and (new_bic is None or new_bic == stored.bic):
        return []
    old_iban, old_bic = stored.iban, stored.bic
    amend_mandate(session, customer, IBAN(fields["iban"]), new_bic, today=today)
    changes = []
    if stored.iban != old_iban:
        kind = "new bank, SMNDA" if stored.amend_new_bank else "same bank"
        changes.append(f"iban: {mask_iban(old_iban)} → {mask_iban(stored.iban)} ({kind})")
    if stored.bic != old_bic:
        changes.append(f"bic: {old_bic or '-'} → {stored.bic or '-'}")
    return [f"{c}; an amendment the next collection carries" for c in changes]
