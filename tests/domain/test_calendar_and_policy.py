from datetime import date

import pytest

from sepa_batch.config import DEFAULTS, build
from sepa_batch.domain.calendar import (
    add_business_days,
    collection_date,
    is_business_day,
    next_business_day,
    next_collection_day,
)
from sepa_batch.domain.model import Mode
from sepa_batch.domain.policy import DateRule, representation_for


@pytest.mark.parametrize(
    ("day", "business"),
    [
        (date(2026, 4, 3), False),  # Good Friday
        (date(2026, 4, 6), False),  # Easter Monday
        (date(2026, 5, 1), False),  # Labour Day
        (date(2026, 12, 25), False),  # Christmas
        (date(2026, 12, 26), False),  # 26 December (a Saturday too)
        (date(2027, 1, 1), False),  # New Year
        (date(2026, 11, 28), False),  # a Saturday
        (date(2026, 11, 29), False),  # a Sunday
        (date(2026, 5, 8), True),  # a French bank holiday, but TARGET2 is open
        (date(2026, 7, 14), True),  # 14 July: TARGET2 open
        (date(2026, 11, 30), True),  # an ordinary Monday
    ],
)
def test_target2_calendar(day, business):
    assert is_business_day(day) is business


def test_next_business_day_over_easter():
    assert next_business_day(date(2026, 4, 3)) == date(2026, 4, 7)


def test_add_business_days_over_christmas():
    assert add_business_days(date(2026, 12, 24), 1) == date(2026, 12, 28)


@pytest.mark.parametrize(
    ("due", "created", "lead", "expected"),
    [
        (date(2026, 12, 5), date(2026, 11, 28), 1, date(2026, 12, 7)),  # Saturday → Monday
        (date(2026, 5, 1), date(2026, 4, 20), 1, date(2026, 5, 4)),  # 1 May → Monday 4
        (date(2026, 12, 1), date(2026, 11, 30), 1, date(2026, 12, 1)),  # D-1 respected
        (date(2026, 11, 30), date(2026, 11, 30), 1, date(2026, 12, 1)),  # due today → D+1
        (date(2026, 11, 30), date(2026, 11, 27), 2, date(2026, 12, 1)),  # bank cut-off 2 days
        (date(2026, 4, 2), date(2026, 4, 2), 1, date(2026, 4, 7)),  # over Easter
    ],
)
def test_collection_date(due, created, lead, expected):
    assert collection_date(due, created, lead) == expected


def test_next_collection_day():
    assert next_collection_day(date(2010, 7, 20), 5) == date(2010, 8, 5)
    assert next_collection_day(date(2010, 12, 6), 5) == date(2011, 1, 5)


def test_policy_switches_to_cheque_after_max_tries():
    table = build(DEFAULTS, source="test", base=__import__("pathlib").Path(".")).policy
    am04 = table.for_code("AM04")
    assert representation_for(am04, 1).mode is Mode.DIRECT_DEBIT
    assert representation_for(am04, 2).mode is Mode.CHEQUE
    assert representation_for(am04, 2).date_rule is DateRule.TODAY
    assert table.for_code("ZZ99") is table.default


def test_business_days_are_computed_once_per_date():
    """The unpaid workflow asks for the same few dates for every return: answers are cached."""
    for function in (is_business_day, next_business_day, add_business_days):
        function.cache_clear()
    assert next_business_day(date(2026, 4, 3)) == date(2026, 4, 7)
    assert next_business_day(date(2026, 4, 3)) == date(2026, 4, 7)
    assert add_business_days(date(2026, 12, 24), 1) == add_business_days(date(2026, 12, 24), 1)
    assert next_business_day.cache_info().hits == 1
    assert add_business_days.cache_info().hits == 1
