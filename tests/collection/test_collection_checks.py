"""The collection's own checks, without a database: IBAN, identifiers, months."""

from __future__ import annotations

import random
from datetime import date

import pytest
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from sepa_batch.collection.eligibility import INVALID_IBAN, OUTSIDE_SEPA, iban_problem
from sepa_batch.collection.plan import end_to_end_id
from sepa_batch.domain.calendar import add_months
from sepa_batch.identifiers import is_sepa_identifier

VALID = [
    "FR1420041010050500013M02606",  # letters in the BBAN
    "DE89370400440532013000",
    "BE68539007547034",
    "CH9300762011623852957",  # SEPA, outside the EEA
    "GB29NWBK60161331926819",
    "NL91ABNA0417164300",
    "IT60X0542811101000000123456",
    "MT84MALT011000012345MTLCAST001S",  # the longest BBAN of the SEPA
]


@pytest.mark.parametrize(
    ("iban", "problem"),
    [
        *[(iban, None) for iban in VALID],
        ("DE88370400440532013000", INVALID_IBAN),  # check digits
        ("DE8937040044053201300", INVALID_IBAN),  # one digit short for DE
        ("NL91ABNA041716430A", INVALID_IBAN),  # a letter where NL has digits
        ("DE00370400440532013000", INVALID_IBAN),  # 00 / 01 / 99 are never check digits
        ("de89370400440532013000", INVALID_IBAN),  # not compact upper case
        ("DE89 3704 0044 0532 0130 00", INVALID_IBAN),
        ("XX89370400440532013000", INVALID_IBAN),  # no such country
        ("", INVALID_IBAN),
        ("BR1800360305000010009795493C1", OUTSIDE_SEPA),  # valid, but Brazil
        ("TR330006100519786457841326", OUTSIDE_SEPA),
    ],
)
def test_iban_problem(iban, problem):
    assert iban_problem(iban) == problem


def schwifty_says(iban: str) -> bool:
    try:
        IBAN(iban)
    except SchwiftyException:
        return False
    return True


def test_iban_problem_agrees_with_schwifty_on_thousands_of_mutations():
    """One character changed, two swapped, one dropped: the quick check and schwifty agree on
    what is a valid IBAN (ours then adds the SEPA zone)."""
    rng = random.Random(20261128)
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    seen = {True: 0, False: 0}
    for _ in range(4000):
        iban = list(rng.choice(VALID))
        where = rng.randrange(len(iban))
        kind = rng.randrange(3)
        if kind == 0:
            iban[where] = rng.choice(alphabet)
        elif kind == 1 and where + 1 < len(iban):
            iban[where], iban[where + 1] = iban[where + 1], iban[where]
        else:
            del iban[where]
        text = "".join(iban)
        valid = schwifty_says(text)
        seen[valid] += 1
        assert (iban_problem(text) != INVALID_IBAN) == valid, text
    assert seen[True] > 100 and seen[False] > 1000  # both sides really exercised


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("CLUB-C001-2010", True),
        ("RUM/2010/07", True),  # single slashes inside are fine
        ("A", True),
        ("X" * 35, True),
        ("X" * 36, False),  # 35 at most
        ("/RUM", False),
        ("RUM/", False),
        ("RUM//2010", False),
        ("RÜM-1", False),  # outside the SEPA set: the bank would see another reference
        ("RUM_1", False),
        (" RUM", False),
        ("", False),
    ],
)
def test_is_sepa_identifier(text, ok):
    assert is_sepa_identifier(text) is ok


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2013, 7, 5), -36, date(2010, 7, 5)),
        (date(2013, 3, 31), -36, date(2010, 3, 31)),
        (date(2013, 3, 31), -1, date(2013, 2, 28)),  # February has no 31st
        (date(2012, 3, 30), -1, date(2012, 2, 29)),  # a leap year
        (date(2010, 12, 15), 1, date(2011, 1, 15)),
        (date(2010, 1, 31), 36, date(2013, 1, 31)),
    ],
)
def test_add_months(day, months, expected):
    assert add_months(day, months) == expected


def test_end_to_end_ids_fit_the_35_characters():
    # the longest prefix (8) and a line id of 12 digits presented 999 times still fit
    assert len(end_to_end_id("ABCDEFGH", 10**12 - 1, 999)) <= 35
