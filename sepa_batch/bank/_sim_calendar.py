"""TARGET2 business days for the simulated bank.

TARGET2 is closed on Saturdays, Sundays, 1 January, Good Friday, Easter Monday, 1 May and
25–26 December (ECB TARGET calendar); the ``holidays`` package knows these as
``financial_holidays("XECB")``.

>>> from datetime import date
>>> add_business_days(date(2026, 4, 2), 1)  # Thursday before Easter -> Tuesday after
datetime.date(2026, 4, 7)
>>> settlement_day(date(2026, 12, 25))  # Christmas Day (a Friday) -> Monday 28
datetime.date(2026, 12, 28)
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _closing_days(year: int) -> frozenset[date]:
    return frozenset(holidays.financial_holidays("XECB", years=year))


def is_business_day(day: date) -> bool:
    """True when TARGET2 settles on ``day``."""
    return day.weekday() < 5 and day not in _closing_days(day.year)


def settlement_day(day: date) -> date:
    """``day`` itself when TARGET2 is open, else the next day it is."""
    while not is_business_day(day):
        day += timedelta(days=1)
    return day


def add_business_days(day: date, count: int) -> date:
    """Move ``count`` TARGET2 business days forward (or backward when negative)."""
    step = timedelta(days=1 if count >= 0 else -1)
    remaining = abs(count)
    while remaining:
        day += step
        if is_business_day(day):
            remaining -= 1
    return day
