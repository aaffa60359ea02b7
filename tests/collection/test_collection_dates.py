"""Requested collection dates: the TARGET2 calendar and the bank's cut-off, through collect_due.

TARGET2 is closed on Saturdays, Sundays, 1 January, Good Friday, Easter Monday, 1 May, 25 and
26 December. A due date on a closing day moves to the next business day; and the date is at
least the bank profile's cut-off business days after the file's creation.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from collection.collect_cases import collect, instalment, line, set_mandate

# (due date, why it moves, requested collection date) — files created 2026-03-02 (Monday)
CALENDAR = [
    (date(2026, 3, 10), "a Tuesday: stays", date(2026, 3, 10)),
    (date(2026, 4, 3), "Good Friday, then the weekend and Easter Monday", date(2026, 4, 7)),
    (date(2026, 4, 6), "Easter Monday", date(2026, 4, 7)),
    (date(2026, 5, 1), "1 May (a Friday), then the weekend", date(2026, 5, 4)),
    (date(2026, 9, 5), "a Saturday", date(2026, 9, 7)),
    (date(2026, 9, 6), "a Sunday", date(2026, 9, 7)),
    (date(2026, 12, 25), "Christmas (Friday), 26 December, the weekend", date(2026, 12, 28)),
    (date(2027, 1, 1), "1 January (a Friday), then the weekend", date(2027, 1, 4)),
]


def recent_mandate(db) -> None:
    """C001's mandate (signed in 2010) was last presented in January 2026: not void."""
    set_mandate(db, "C001", last_presented_on=date(2026, 1, 5))


def test_due_dates_move_to_the_next_target2_business_day(club):
    config, db = club
    recent_mandate(db)
    lines = [instalment(db, "C001", 1000 + n, due) for n, (due, _, _) in enumerate(CALENDAR)]
    result = collect(db, config, datetime(2026, 3, 2, 8, 0), until=date(2027, 1, 31))
    assert result.collected == len(CALENDAR) and not result.skipped
    for line_id, (due, why, expected) in zip(lines, CALENDAR, strict=True):
        assert line(db, line_id).collection_date == expected, f"{due}: {why}"
    # one block per date; C001's mandate never had a FRST: its earliest line is the FRST
    assert [(b.sequence_type, b.collection_date) for b in result.blocks] == [
        ("FRST", date(2026, 3, 10)),
        ("RCUR", date(2026, 4, 7)),
        ("RCUR", date(2026, 5, 4)),
        ("RCUR", date(2026, 9, 7)),
        ("RCUR", date(2026, 12, 28)),
        ("RCUR", date(2027, 1, 4)),
    ]


# (file created, cut-off business days, due date, requested collection date)
CUTOFF = [
    # Monday, D-1: Tuesday at the earliest; a due date already past moves up to it
    (datetime(2026, 3, 2, 8, 0), 1, date(2026, 2, 20), date(2026, 3, 3)),
    (datetime(2026, 3, 2, 8, 0), 1, date(2026, 3, 3), date(2026, 3, 3)),
    (datetime(2026, 3, 2, 8, 0), 3, date(2026, 3, 3), date(2026, 3, 5)),
    # created on a Saturday: the bank reads it on Monday, so Tuesday at the earliest
    (datetime(2026, 3, 7, 8, 0), 1, date(2026, 3, 9), date(2026, 3, 10)),
    # created on Christmas Eve: 25, 26 (Saturday), 27 (Sunday) are closed
    (datetime(2026, 12, 24, 8, 0), 1, date(2026, 12, 24), date(2026, 12, 28)),
    (datetime(2026, 12, 24, 8, 0), 2, date(2026, 12, 24), date(2026, 12, 29)),
    # Maundy Thursday with 2 days: Good Friday and Easter Monday are closed
    (datetime(2026, 4, 2, 8, 0), 2, date(2026, 4, 2), date(2026, 4, 8)),
]


@pytest.mark.parametrize(("created", "cutoff", "due", "expected"), CUTOFF)
def test_the_bank_cutoff_in_business_days(make_club, created, cutoff, due, expected):
    config, db = make_club(f"[bank]\ncutoff_business_days = {cutoff}\n")
    recent_mandate(db)
    line_id = instalment(db, "C001", 5000, due)
    [block] = collect(db, config, created, until=due).blocks
    assert block.collection_date == expected == line(db, line_id).collection_date
