"""Whether a due line can be collected, or why not: the skip reasons (pure, no database).

The reasons are part of the output (CLI ``collect --json``: ``skipped[].reason``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import TYPE_CHECKING

from schwifty import registry
from schwifty.exceptions import SchwiftyException

from sepa_batch.domain.model import MandateStatus
from sepa_batch.identifiers import BIC_FORM, is_sepa_identifier
from sepa_batch.sepa import pain008
from sepa_batch.sepa.charset import to_sepa_text

if TYPE_CHECKING:
    from sepa_batch.collection.candidates import Candidate

#: SEPA countries outside the EEA: their debtors' addresses are required (EPC, Nov 2025).
NON_EEA_SEPA = frozenset(
    {"CH", "GB", "SM", "VA", "MC", "AD", "GI", "JE", "GG", "IM", "AL", "MD", "ME", "MK", "RS"}
)
MAX_AMOUNT_CENTS = pain008.MAX_AMOUNT_CENTS

# Why a due line is not collected.
NO_MANDATE = "no mandate"
MANDATE_REVOKED = "mandate revoked"
MANDATE_FLAGGED = "mandate flagged: debtor data to correct"
AMOUNT_NOT_POSITIVE = "amount is not positive"
AMOUNT_TOO_LARGE = "amount above 999999999.99"
SIGNED_AFTER = "mandate signed after the collection date"
ONE_OFF_USED = "one-off mandate already used"
INVALID_IBAN = "invalid IBAN"
OUTSIDE_SEPA = "IBAN outside the SEPA zone"
INVALID_BIC = "invalid BIC"
BAD_REFERENCE = "mandate reference is not a SEPA identifier"
NAME_NOT_SEPA = "debtor name has no character of the SEPA set"
NO_ADDRESS = "debtor address needs a town and a country (account outside the EEA)"
CHANGED_MEANWHILE = "changed while being collected (left for the next run)"


def mandate_expired(months: int) -> str:
    return f"mandate expired: no collection for {months} months"


@dataclass(frozen=True, slots=True)
class Skipped:
    line: int
    customer: str
    reason: str

    def document(self) -> dict:
        return {"line": self.line, "customer": self.customer, "reason": self.reason}


_IBAN_FORM = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}")
_AS_DIGITS = str.maketrans({chr(code): str(code - 55) for code in range(65, 91)})
_COUNTRY = re.compile(r"[A-Z]{2}")
#: A name with one of these keeps it through transliteration: never empty in the file.
_KEPT = re.compile(r"[A-Za-z0-9]")


@cache
def _iban_spec(country: str):
    try:
        return registry.get_iban_spec(country)
    except SchwiftyException:
        return None


def iban_problem(iban: str) -> str | None:
    """Why ``iban`` (compact) cannot be debited, or None.

    The checks of ``schwifty.IBAN(iban)`` — characters, the country's length and BBAN
    structure, ISO 7064 MOD 97-10 check digits (02 to 98) — with the country's rules looked up
    once per country (schwifty's own object costs 8 µs an IBAN, a million in a run), plus
    the SEPA zone.

    >>> iban_problem("DE89370400440532013000") is None
    True
    >>> iban_problem("DE88370400440532013000"), iban_problem("BR1800360305000010009795493C1")
    ('invalid IBAN', 'IBAN outside the SEPA zone')
    """
    spec = _iban_spec(iban[:2]) if _IBAN_FORM.fullmatch(iban) else None
    if (
        spec is None
        or len(iban) != spec.iban_length
        or not spec.regex.match(iban[4:])
        or not "02" <= iban[2:4] <= "98"
        or int((iban[4:] + iban[:4]).translate(_AS_DIGITS)) % 97 != 1
    ):
        return INVALID_IBAN
    return None if spec.in_sepa_zone else OUTSIDE_SEPA


def problem(row: Candidate, when: date, void_before: date, void_months: int) -> str | None:
    """Why ``row`` cannot be collected on ``when``, or None. ``void_before``: a mandate last
    presented (or signed, never presented) on or before it has lapsed (``void_months``)."""
    return _mandate_problem(row, when, void_before, void_months) or _debtor_problem(row)


def _mandate_problem(row: Candidate, when: date, void_before: date, void_months: int) -> str | None:
    if row.mandate is None:
        return NO_MANDATE
    if row.status == MandateStatus.REVOKED:
        return MANDATE_REVOKED
    if row.status == MandateStatus.FLAGGED:
        return MANDATE_FLAGGED
    if row.amount <= 0:
        return AMOUNT_NOT_POSITIVE
    if row.amount > MAX_AMOUNT_CENTS:
        return AMOUNT_TOO_LARGE
    if row.signed_on > when:
        return SIGNED_AFTER
    if (row.last_presented_on or row.signed_on) <= void_before:
        return mandate_expired(void_months)
    if row.one_off and row.first_used:
        return ONE_OFF_USED
    return None


def _debtor_problem(row: Candidate) -> str | None:
    """The identifiers and the debtor's data the file carries."""
    iban = row.iban
    found = iban_problem(iban)
    if found:
        return found
    if row.bic and not BIC_FORM.fullmatch("".join(row.bic.split()).upper()):
        return INVALID_BIC
    if not is_sepa_identifier(row.reference) or not is_sepa_identifier(
        row.original_reference or "-"
    ):
        return BAD_REFERENCE
    if not (_KEPT.search(row.name) or to_sepa_text(row.name, 70)):
        return NAME_NOT_SEPA
    if iban[:2] in NON_EEA_SEPA and not (
        to_sepa_text(row.town or "", 35) and _COUNTRY.fullmatch(row.country or "")
    ):
        return NO_ADDRESS
    return None
