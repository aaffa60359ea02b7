"""One row of a member list (``customers.csv``) checked: the customer it describes and, when
it names one, its mandate. The first import and the ``--update`` import read rows alike.

Names keep their accents here; they are transliterated only when written to bank files.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

import pycountry

from sepa_batch.db.schema import Customer
from sepa_batch.errors import InvalidInput
from sepa_batch.identifiers import email_problem, text_problem
from sepa_batch.labels import LANGUAGES
from sepa_batch.services.collection import add_months
from sepa_batch.services.master_data.fields import (
    column_length,
    valid_bic,
    valid_iban,
    valid_reference,
)

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
#: Optional columns ``mandate_last_collected_on`` and ``mandate_sequence``, for a club moving
#: in from another program (see ``_migration_fields``): FRST or RCUR.
MANDATE_SEQUENCES = ("FRST", "RCUR")

#: customers.csv column → the Customer column it fills.
CUSTOMER_CSV = {
    "customer_id": "code",
    "name": "name",
    "email": "email",
    "street": "street",
    "building_number": "building_number",
    "postcode": "postcode",
    "town": "town",
    "country": "country",
}


class CheckedRow(NamedTuple):
    """A row's ``Customer`` fields, and its ``Mandate`` fields if it names a mandate."""

    customer: dict
    mandate: dict | None


def check_customer_row(
    row: dict[str, str], record: str, today: date, problems: list[InvalidInput]
) -> CheckedRow:
    """The row's fields; what is wrong with them is added to ``problems``."""

    def problem(field: str, reason: str) -> None:
        problems.append(InvalidInput(record, field, reason))

    customer = _customer(row, problem)
    mandate_type = (row.get("mandate_type") or "RCUR").upper()
    if mandate_type not in MANDATE_TYPES:
        problem("mandate_type", f"{row['mandate_type']!r} is not RCUR or OOFF")
    if not row["mandate_id"]:
        return CheckedRow(customer, None)
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
    return CheckedRow(customer, mandate)


def _customer(row: dict[str, str], problem) -> dict:
    """The row's ``Customer`` fields, checked."""
    for field in ("customer_id", "name", "town", "country"):
        if not row[field]:
            problem(field, "missing")
    country = row["country"].upper()
    if country and pycountry.countries.get(alpha_2=country) is None:
        problem("country", f"unknown country {row['country']!r}")
    for field, column in CUSTOMER_CSV.items():
        if field == "country":  # checked above, as a country
            continue
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
        # optional column: the member's notices in French or English (empty: the club's)
        "language": (row.get("language") or "").lower() or None,
    }
    if customer["language"] not in (None, *LANGUAGES):
        problem("language", f"{row['language']!r} is not fr or en")
    return customer


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
