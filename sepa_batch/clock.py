"""The one place that reads the wall clock: the club's "today" and "now", in its time zone.

The domain and the services never read the clock: the CLI and the scheduler ask here once per
run and pass the date (and, for files, the creation time) in. ``--as-of D`` fixes the whole
run's clock at ``D`` 00:00:00, creation timestamps included, so that replaying a day on the
same database writes the same bytes.

>>> run_clock("Europe/Paris", date(2026, 12, 1))
(datetime.date(2026, 12, 1), datetime.datetime(2026, 12, 1, 0, 0))
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

#: The time of day of a run fixed by ``--as-of``.
FIXED_TIME = time(0, 0)


def wall_clock() -> datetime:
    """The host's clock, in UTC (tests replace this one function)."""
    return datetime.now(UTC)


def club_now(zone: str) -> datetime:
    """The club's local time now (naive, to the second), whatever the host's zone."""
    return wall_clock().astimezone(ZoneInfo(zone)).replace(tzinfo=None, microsecond=0)


def run_clock(zone: str, as_of: date | None) -> tuple[date, datetime]:
    """(today, now) for a run: the club's, or fixed by ``--as-of``."""
    if as_of is not None:
        return as_of, datetime.combine(as_of, FIXED_TIME)
    now = club_now(zone)
    return now.date(), now
