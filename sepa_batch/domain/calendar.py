"""The TARGET2 calendar: interbank business days for SEPA collection dates.

Closing days are Saturdays, Sundays, 1 January, Good Friday, Easter Monday, 1 May, 25 and
26 December; the ``holidays`` package knows them as ``financial_holidays("XECB")``.

>>> from datetime import date
>>> next_business_day(date(2026, 4, 3))   # Good Friday → Tuesday after Easter Monday
datetime.date(2026, 4, 7)
>>> add_business_days(date(2026, 12, 24), 1)
datetime.date(2026, 12, 28)
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _closing_days(year: int) -> frozenset[date]:
    return frozenset(holidays.financial_holidays("XECB", years=year))


@lru_cache(maxsize=4096)  # asked for every re-presentation of a return file
def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _closing_days(day.year)


def next_business_day(day: date) -> date:
    """``day`` itself when it is a business day, else the next one."""
    while not is_business_day(day):
        day += timedelta(days=1)
    return day


def add_business_days(day: date, count: int) -> date:
    """The business day ``count`` business days after ``day`` (count ≥ 0)."""
    for _ in range(count):
        day = next_business_day(day + timedelta(days=1))
    return day


def subtract_business_days(day: date, count: int) -> date:
    for _ in range(count):
        day -= timedelta(days=1)
        while not is_business_day(day):
            day -= timedelta(days=1)
    return day


def collection_date(due: date, created_on: date, lead_business_days: int) -> date:
    """Requested collection date: the due date moved to a business day, and at least
    ``lead_business_days`` business days after the file's creation (Core: D-1, plus the
    creditor bank's own cut-off days)."""
    earliest = add_business_days(next_business_day(created_on), lead_business_days)
    return max(next_business_day(due), earliest)


def next_collection_day(earliest: date, day_of_month: int) -> date:
    """The club's first collection day (``day_of_month`` of a month) on or after ``earliest``.

    >>> next_collection_day(date(2010, 7, 20), 5)
    datetime.date(2010, 8, 5)
    >>> next_collection_day(date(2010, 8, 5), 5)
    datetime.date(2010, 8, 5)
    """
    candidate = earliest.replace(day=day_of_month)
    if candidate < earliest:
        year, month = divmod(earliest.year * 12 + earliest.month, 12)
        candidate = date(year, month + 1, day_of_month)
    return candidate
