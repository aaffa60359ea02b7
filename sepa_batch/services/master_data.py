"""Customers, mandates and articles: the CSV imports and the mandate amendment.

Imports are all-or-nothing: every bad row is listed (line number, field, why) and nothing is
written. Names keep their accents here; they are transliterated only when written to bank files.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pycountry
from schwifty import IBAN
from sqlalchemy import select
from sqlalchemy.orm import Session

from sepa_batch import csvfile
from sepa_batch.db.schema import Article, Customer, Mandate, MandateEvent
from sepa_batch.db.session import Database
from sepa_batch.domain.calendar import add_months
from sepa_batch.domain.model import ArticleKind, MandateStatus
from sepa_batch.errors import InvalidInput, InvalidInputs
from sepa_batch.identifiers import (
    Bic,
    Iban,
    MandateReference,
    email_problem,
    text_problem,
)
from sepa_batch.identifiers import mask_iban as mask_iban
from sepa_batch.money import MAX_AMOUNT_CENTS, parse_amount
from sepa_batch.services.common import current_mandate, customer_by_code

CUSTOMER_COLUMNS = [
    "customer_id",
    "name",
    "email",
    "street",
    "building_number",
    "postcode",
    "town",
    "country",
    "iban",
    "bic",
    "mandate_id",
    "mandate_signed_on",
]
#: Optional column: RCUR (a recurrent mandate, the default) or OOFF (a one-off mandate).
MANDATE_TYPES = ("RCUR", "OOFF")
#: Optional columns for a club moving in from another program (see ``_migration_fields``).
MIGRATION_COLUMNS = ["mandate_last_collected_on", "mandate_sequence"]
MANDATE_SEQUENCES = ("FRST", "RCUR")
#: Optional column ``language``: the member's notices in French or English (empty: the club's).
LANGUAGES = ("fr", "en")
ARTICLE_COLUMNS = ["code", "label", "price", "kind"]


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


def _rows(text: str, columns: list[str], what: str) -> list[tuple[int, dict[str, str]]]:
    return csvfile.parse_csv(text, columns, what)


@dataclass(frozen=True, slots=True)
class ImportResult:
    customers: int
    mandates: int
    dry_run: bool
    #: mandates the first collection would skip as expired (no collection for 36 months)
    would_expire: int = 0


#: customers.csv column → Customer column whose length it must fit.
_CUSTOMER_TEXTS = {
    "customer_id": "code",
    "name": "name",
    "email": "email",
    "street": "street",
    "building_number": "building_number",
    "postcode": "postcode",
    "town": "town",
}


def _check_customer_row(
    row: dict[str, str], record: str, today: date, problems: list[InvalidInput]
) -> tuple[dict, dict | None]:
    def problem(field: str, reason: str) -> None:
        problems.append(InvalidInput(record, field, reason))

    for field in ("customer_id", "name", "town", "country"):
        if not row[field]:
            problem(field, "missing")
    country = row["country"].upper()
    if country and pycountry.countries.get(alpha_2=country) is None:
        problem("country", f"unknown country {row['country']!r}")
    for field, column in _CUSTOMER_TEXTS.items():
        problem_text = text_problem(row[field] or None, column_length(Customer, column))
        if problem_text:
            problem(field, problem_text)
    if row["email"] and email_problem(row["email"]):
        problem("email", email_problem(row["email"]))
    customer = {
        "code": row["customer_id"],
        "name": row["name"],
        "email": row["email"] or None,
        "street": row["street"] or None,
        "building_number": row["building_number"] or None,
        "postcode": row["postcode"] or None,
        "town": row["town"],
        "country": country,
        "language": (row.get("language") or "").lower() or None,
    }
    if customer["language"] not in (None, *LANGUAGES):
        problem("language", f"{row['language']!r} is not fr or en")
    mandate_type = (row.get("mandate_type") or "RCUR").upper()
    if mandate_type not in MANDATE_TYPES:
        problem("mandate_type", f"{row['mandate_type']!r} is not RCUR or OOFF")
    if not row["mandate_id"]:
        return customer, None
    mandate: dict = {"reference": row["mandate_id"], "bic": None, "one_off": mandate_type == "OOFF"}
    checks = [("reference", valid_reference, "mandate_id"), ("iban", valid_iban, "iban")]
    if row["bic"]:
        checks.append(("bic", valid_bic, "bic"))
    for key, check, field in checks:
        try:
            mandate[key] = check(row[field], record, field)
        except InvalidInput as exc:
            problems.append(exc)
    try:
        signed = date.fromisoformat(row["mandate_signed_on"])
        if signed > today:
            problem("mandate_signed_on", f"{signed} is in the future (today is {today})")
        mandate["signed_on"] = signed
    except ValueError:
        problem("mandate_signed_on", f"{row['mandate_signed_on']!r} is not a date YYYY-MM-DD")
    mandate.update(_migration_fields(row, today, mandate.get("signed_on"), problem))
    return customer, mandate


def _migration_fields(row: dict[str, str], today: date, signed: date | None, problem) -> dict:
    """The mandate's history in the program the club leaves: the last collection presented
    under it (which restarts the 36-month clock) and whether its first collection is behind it
    (``mandate_sequence`` RCUR; derived from the last-collected date when absent)."""
    fields: dict = {}
    last = None
    if row.get("mandate_last_collected_on"):
        try:
            last = date.fromisoformat(row["mandate_last_collected_on"])
        except ValueError:
            problem(
                "mandate_last_collected_on",
                f"{row['mandate_last_collected_on']!r} is not a date YYYY-MM-DD",
            )
        else:
            if last > today:
                problem("mandate_last_collected_on", f"{last} is in the future (today is {today})")
            elif signed and last < signed:
                problem("mandate_last_collected_on", f"{last} is before the signature {signed}")
            fields["last_presented_on"] = last
    sequence = (row.get("mandate_sequence") or ("RCUR" if last else "FRST")).upper()
    if sequence not in MANDATE_SEQUENCES:
        problem("mandate_sequence", f"{row['mandate_sequence']!r} is not FRST or RCUR")
    elif sequence == "FRST" and last:
        problem("mandate_sequence", f"FRST, but the mandate was last collected on {last}")
    fields["first_used"] = sequence == "RCUR"
    return fields


def would_expire(mandates, today: date, void_months: int) -> int:
    """How many of these mandate rows the first collection would skip as expired: neither
    signed nor collected within ``void_months`` months of ``today``."""
    void_before = add_months(today, -void_months)
    return sum(
        1
        for m in mandates
        if m and "signed_on" in m and (m.get("last_presented_on") or m["signed_on"]) <= void_before
    )


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
    rows = _rows(text, CUSTOMER_COLUMNS, source)
    problems: list[InvalidInput] = []
    parsed: list[tuple[dict, dict | None]] = []
    seen_ids: dict[str, int] = {}
    seen_mandates: dict[str, int] = {}
    for line_no, row in rows:
        record = f"{source} line {line_no}"
        customer, mandate = _check_customer_row(row, record, today, problems)
        code = customer["code"]
        if code and code in seen_ids:
            problems.append(
                InvalidInput(
                    record, "customer_id", f"duplicate {code} (also line {seen_ids[code]})"
                )
            )
        seen_ids.setdefault(code, line_no)
        if mandate:
            ref = mandate["reference"]
            if ref in seen_mandates:
                problems.append(
                    InvalidInput(
                        record, "mandate_id", f"duplicate {ref} (also line {seen_mandates[ref]})"
                    )
                )
            seen_mandates.setdefault(ref, line_no)
        parsed.append((customer, mandate))
    with db.transaction() as session:
        _check_existing(session, rows, seen_ids, seen_mandates, source, problems)
        if problems:
            problems.sort(key=lambda p: int(p.record.rsplit(" ", 1)[-1]))
            raise InvalidInputs(f"{source}: import refused", problems)
        expiring = would_expire((m for _, m in parsed), today, void_months)
        if dry_run:
            session.rollback()
            return ImportResult(len(parsed), sum(1 for _, m in parsed if m), True, expiring)
        for customer_fields, mandate_fields in parsed:
            customer = Customer(**customer_fields)
            session.add(customer)
            if mandate_fields:
                session.flush()
                session.add(
                    Mandate(customer_id=customer.id, status=MandateStatus.ACTIVE, **mandate_fields)
                )
    return ImportResult(len(parsed), sum(1 for _, m in parsed if m), False, expiring)


def _check_existing(session: Session, rows, seen_ids, seen_mandates, source, problems) -> None:
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


def import_articles(db: Database, text: str, *, source: str = "articles.csv") -> int:
    """Create or update articles by code; all or nothing."""
    problems: list[InvalidInput] = []
    articles: list[dict] = []
    for line_no, row in _rows(text, ARTICLE_COLUMNS, source):
        record = f"{source} line {line_no}"
        try:
            kind = ArticleKind(row["kind"].upper())
        except ValueError:
            problems.append(
                InvalidInput(
                    record,
                    "kind",
                    f"{row['kind']!r} is not one of " + ", ".join(k.value for k in ArticleKind),
                )
            )
            continue
        try:
            price = parse_amount(
                row["price"], record=record, field="price", maximum=MAX_AMOUNT_CENTS
            )
            if price < 0:
                raise InvalidInput(record, "price", "must not be negative")
        except InvalidInput as exc:
            problems.append(exc)
            continue
        if not row["code"] or not row["label"]:
            problems.append(InvalidInput(record, "code" if not row["code"] else "label", "missing"))
            continue
        try:
            text_field(row["code"], Article, "code", record, "code")
            text_field(row["label"], Article, "label", record, "label")
        except InvalidInput as exc:
            problems.append(exc)
            continue
        articles.append(
            {"code": row["code"], "label": row["label"], "price_cents": price, "kind": kind.value}
        )
    if problems:
        raise InvalidInputs(f"{source}: import refused", problems)
    with db.transaction() as session:
        for fields in articles:
            article = session.execute(
                select(Article).where(Article.code == fields["code"])
            ).scalar_one_or_none()
            if article is None:
                session.add(Article(**fields))
            else:
                for key, value in fields.items():
                    setattr(article, key, value)
    return len(articles)


def read_text(path: str | Path, encoding: str | None = None) -> str:
    return csvfile.read_text(path, encoding)


def update_mandate(
    db: Database,
    customer_code: str,
    *,
    iban: str,
    bic: str | None = None,
    reference: str | None = None,
    today: date | None = None,
) -> Mandate:
    """Record an amendment; the next collection carries it in its amendment details.

    New IBAN at the same bank → original IBAN; new bank → SMNDA; new reference → original
    reference. A flagged mandate (debtor data to correct) becomes active again.
    """
    record = f"customer {customer_code}"
    new_iban = IBAN(valid_iban(iban, record, "--iban"))
    new_bic = valid_bic(bic, record, "--bic") if bic else None
    if reference is not None:
        reference = valid_reference(reference, record, "--reference")
    with db.transaction() as session:
        customer = customer_by_code(session, customer_code)
        return amend_mandate(session, customer, new_iban, new_bic, reference, today=today)


def amend_mandate(
    session: Session,
    customer: Customer,
    new_iban: IBAN,
    new_bic: str | None,
    reference: str | None = None,
    *,
    today: date | None = None,
) -> Mandate:
    """``update_mandate`` inside the caller's transaction (the ``--update`` import uses it);
    with ``today``, the amendment is written in the mandate's history."""
    record = f"customer {customer.code}"
    mandate = current_mandate(session, customer.id)
    if mandate is None:
        raise InvalidInput(record, "mandate", "has no mandate to amend")
    if mandate.status == MandateStatus.REVOKED:
        raise InvalidInput(
            record,
            "mandate",
            f"mandate {mandate.reference} is revoked; a new mandate must be signed",
        )
    before = (mandate.iban, mandate.bic, mandate.reference)
    old_iban = IBAN(mandate.iban, allow_invalid=True)  # a wrong IBAN is being corrected
    if new_iban.compact != old_iban.compact and not old_iban.is_valid:
        mandate.iban = new_iban.compact  # never presented: a correction, not an amendment
    elif new_iban.compact != old_iban.compact:
        same_bank = new_iban.bank_code == old_iban.bank_code and (
            new_iban.country_code == old_iban.country_code
        )
        if same_bank:
            mandate.amend_original_iban = mandate.amend_original_iban or old_iban.compact
        else:
            mandate.amend_new_bank = True
        mandate.iban = new_iban.compact
    if new_bic:
        mandate.bic = new_bic
    elif new_iban.compact != old_iban.compact and mandate.amend_new_bank:
        mandate.bic = None
    if reference and reference != mandate.reference:
        clash = session.execute(select(Mandate.id).where(Mandate.reference == reference)).first()
        if clash:
            raise InvalidInput(record, "reference", f"mandate {reference} already exists")
        mandate.amend_original_reference = mandate.amend_original_reference or mandate.reference
        mandate.reference = reference
    if mandate.status == MandateStatus.FLAGGED:
        mandate.status = MandateStatus.ACTIVE
        mandate.status_reason = None
    if today is not None:
        record_amendment(session, mandate, before, today)
    return mandate


def record_amendment(session: Session, mandate: Mandate, before: tuple, today: date) -> None:
    """The amendment in the mandate's history (``mandate show``), if it changed anything."""
    iban, bic, reference = before
    detail = []
    if mandate.iban != iban:
        detail.append(f"IBAN {mask_iban(iban)} → {mask_iban(mandate.iban)}")
        if mandate.amend_new_bank:
            detail.append("new bank (SMNDA)")
    if mandate.bic != bic:
        detail.append(f"BIC {bic or '-'} → {mandate.bic or '-'}")
    if mandate.reference != reference:
        detail.append(f"reference {reference} → {mandate.reference}")
    if not detail:
        return
    session.add(
        MandateEvent(mandate_id=mandate.id, on=today, kind="amended", detail="; ".join(detail))
    )
