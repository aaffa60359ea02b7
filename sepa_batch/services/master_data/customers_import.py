"""The first import of the members (``customers import``): customers and their mandates.

All or nothing: every bad row is listed (line number, field, why) and nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from sepa_batch import csvfile
from sepa_batch.db.schema import Customer, Mandate
from sepa_batch.db.session import Database
from sepa_batch.domain.model import MandateStatus
from sepa_batch.errors import InvalidInput, InvalidInputs
from sepa_batch.services.master_data.customer_rows import (
    CUSTOMER_COLUMNS,
    CheckedRow,
    check_customer_row,
    would_expire,
)


@dataclass(frozen=True, slots=True)
class ImportResult:
    customers: int
    mandates: int
    dry_run: bool
    #: mandates the first collection would skip as expired (no collection for 36 months)
    would_expire: int = 0


def import_customers(
    db: Database,
    text: str,
    *,
    today: date,
    dry_run: bool = False,
    source: str = "customers.csv",
    void_months: int = 36,
) -> ImportResult:
    """Import customers and their mandates; all or nothing."""
    problems: list[InvalidInput] = []
    parsed: list[CheckedRow] = []
    seen_ids: dict[str, int] = {}
    seen_mandates: dict[str, int] = {}
    for line_no, row in csvfile.parse_csv(text, CUSTOMER_COLUMNS, source):
        record = f"{source} line {line_no}"
        checked = check_customer_row(row, record, today, problems)
        _first_seen(seen_ids, checked.customer["code"], line_no, record, "customer_id", problems)
        if checked.mandate:
            reference = checked.mandate["reference"]
            _first_seen(seen_mandates, reference, line_no, record, "mandate_id", problems)
        parsed.append(checked)
    mandates = sum(1 for row in parsed if row.mandate)
    with db.transaction() as session:
        _check_existing(session, seen_ids, seen_mandates, source, problems)
        if problems:
            problems.sort(key=lambda p: int(p.record.rsplit(" ", 1)[-1]))
            raise InvalidInputs(f"{source}: import refused", problems)
        expiring = would_expire((row.mandate for row in parsed), today, void_months)
        if dry_run:
            session.rollback()
            return ImportResult(len(parsed), mandates, True, expiring)
        for row in parsed:
            _add(session, row)
    return ImportResult(len(parsed), mandates, False, expiring)


def _first_seen(seen: dict[str, int], value, line_no: int, record: str, field: str, problems):
    """Remember the line where ``value`` first appears; a second one is a problem."""
    if value and value in seen:
        problems.append(InvalidInput(record, field, f"duplicate {value} (also line {seen[value]})"))
    seen.setdefault(value, line_no)


def _add(session: Session, row: CheckedRow) -> None:
    customer = Customer(**row.customer)
    session.add(customer)
    if row.mandate:
        session.flush()
        session.add(Mandate(customer_id=customer.id, status=MandateStatus.ACTIVE, **row.mandate))


def _check_existing(session: Session, seen_ids, seen_mandates, source, problems) -> None:
    """The customers and mandates of the file that the database already holds."""
    existing_ids = set(
        session.execute(select(Customer.code).where(Customer.code.in_(list(seen_ids)))).scalars()
    )
    existing_refs = set(
        session.execute(
            select(Mandate.reference).where(Mandate.reference.in_(list(seen_mandates)))
        ).scalars()
    )
    for code in sorted(existing_ids, key=seen_ids.get):
        problems.append(
            InvalidInput(
                f"{source} line {seen_ids[code]}", "customer_id", f"customer {code} already exists"
            )
        )
    for ref in sorted(existing_refs, key=seen_mandates.get):
        problems.append(
            InvalidInput(
                f"{source} line {seen_mandates[ref]}", "mandate_id", f"mandate {ref} already exists"
            )
        )
