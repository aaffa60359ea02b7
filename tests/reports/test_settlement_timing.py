"""Settlement (PRODUCT §6): a SUBMITTED line is PAID on its requested collection date, by the
first run after that date; the collection date is always a TARGET2 business day; a refund
after settlement still runs the unpaid workflow."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from reports.reports_story import BLOCK_1

from sepa_batch.domain.calendar import is_business_day
from sepa_batch.domain.model import Mode
from sepa_batch.reports.model import Period
from sepa_batch.services import reports


@pytest.mark.parametrize(
    ("due", "collected_on"),
    [
        (date(2010, 9, 5), date(2010, 9, 6)),  # a Sunday → Monday
        (date(2010, 9, 4), date(2010, 9, 6)),  # a Saturday → Monday
        (date(2011, 4, 22), date(2011, 4, 26)),  # Good Friday → after Easter Monday
        (date(2010, 12, 25), date(2010, 12, 27)),  # Christmas, a Saturday → Monday
        (date(2011, 5, 1), date(2011, 5, 2)),  # 1 May, a Sunday → Monday
        (date(2010, 9, 7), date(2010, 9, 7)),  # a Tuesday stays
    ],
)
def test_a_line_is_paid_on_its_collection_date_by_the_run_of_the_day_after(club, due, collected_on):
    line_id = club.instalment("C001", 4_990, due)
    club.collect(due - timedelta(days=7), until=due)
    line = club.line("C001", due)
    assert line.collection_date == collected_on and is_business_day(collected_on)

    on_the_day = club.settle(collected_on)
    assert (on_the_day.settled, club.line("C001", due).status) == (0, "SUBMITTED")

    next_day = club.settle(collected_on + timedelta(days=1))
    assert next_day.document() == {
        "as_of": (collected_on + timedelta(days=1)).isoformat(),
        "settled": 1,
        "amount": "49.90",
        "batches": [club.batches()[0][0].pmtinf_id],
    }
    settled = club.line("C001", due)
    assert (settled.id, settled.status, settled.paid_on) == (line_id, "PAID", collected_on)


def test_settling_twice_changes_nothing(club):
    for code in ("C001", "C002"):
        club.subscribe(code, months=1)
    club.collect(date(2010, 7, 1), until=date(2010, 7, 5))
    first = club.settle(date(2010, 7, 6))
    assert (first.settled, first.amount_cents, first.batches) == (2, 10_000, (BLOCK_1,))
    before = [(line.id, line.status, line.paid_on) for line in club.lines()]
    again = club.settle(date(2010, 7, 30))
    assert (again.settled, again.amount_cents, again.batches) == (0, 0, ())
    assert [(line.id, line.status, line.paid_on) for line in club.lines()] == before


def test_only_what_is_due_is_settled_across_blocks(club):
    """Two files: July's is settled on 07-06, August's stays in flight until 08-06."""
    club.subscribe("C001", months=2)
    club.subscribe("C002", months=2)
    club.collect(date(2010, 7, 1), until=date(2010, 7, 5))
    club.collect(date(2010, 7, 20), until=date(2010, 8, 5))
    result = club.settle(date(2010, 7, 6))
    assert (result.settled, result.amount_cents, result.batches) == (2, 10_000, (BLOCK_1,))
    statuses = {(line.due_date, line.status) for line in club.lines() if line.kind == "payment"}
    assert statuses == {(date(2010, 7, 5), "PAID"), (date(2010, 8, 5), "SUBMITTED")}
    assert club.settle(date(2010, 8, 6)).settled == 2


def test_a_line_rejected_before_settlement_is_never_settled(club):
    club.subscribe("C001", months=1)
    club.subscribe("C002", months=1)
    club.collect(date(2010, 7, 1), until=date(2010, 7, 5))
    rejected = club.line("C002", date(2010, 7, 5))
    club.unpay(rejected.id, date(2010, 7, 2), "AM04")
    result = club.settle(date(2010, 7, 6))
    assert (result.settled, result.amount_cents) == (1, 5_000)
    line = club.line("C002", date(2010, 7, 5))
    assert (line.status, line.paid_on) == ("UNPAID", None)


def test_a_refund_after_settlement_runs_the_unpaid_workflow(club):
    """MD06 seven weeks after the collection, MD01 thirteen months after: the PAID line
    becomes UNPAID, keeps its paid-on date, and is taken back on the day of the refund."""
    club.subscribe("C001", months=1)
    club.subscribe("C002", months=1)
    club.collect(date(2010, 7, 1), until=date(2010, 7, 5))
    club.settle(date(2010, 7, 6))
    md06 = club.line("C001", date(2010, 7, 5))
    md01 = club.line("C002", date(2010, 7, 5))

    refund = club.unpay(md06.id, date(2010, 8, 23), "MD06")  # 7 weeks after 07-05
    late = club.unpay(md01.id, date(2011, 8, 1), "MD01")  # 13 months after
    for outcome, code in ((refund, "C001"), (late, "C002")):
        line = club.line(code, date(2010, 7, 5))
        assert (line.status, line.paid_on) == ("UNPAID", date(2010, 7, 5))
        assert outcome.reversal_line is not None and outcome.representation_lines
    assert refund.fee_line is not None and late.fee_line is None  # MD01: no fee

    with reports.journal_entries(club.db, club.config, Period(date(2010, 8, 1))) as entries:
        booked = [
            (
                e.day,
                e.piece,
                [(p.account, p.customer, p.debit_cents, p.credit_cents) for p in e.postings],
            )
            for e in entries
            if e.journal == "BQ"
        ]
    assert booked == [
        (
            date(2010, 8, 23),
            f"L{refund.reversal_line}",
            [("411", "C001", 5_000, 0), ("512", None, 0, 5_000)],
        ),
        (
            date(2011, 8, 1),
            f"L{late.reversal_line}",
            [("411", "C002", 5_000, 0), ("512", None, 0, 5_000)],
        ),
    ]


def test_payments_at_the_desk_are_not_settled(club):
    """Settlement only moves SUBMITTED lines: open cheques stay open, paid ones stay paid."""
    open_cheque = club.instalment("C012", 3_000, date(2010, 7, 5), Mode.CHEQUE)
    paid_cheque = club.instalment("C012", 2_000, date(2010, 7, 5), Mode.CHEQUE)
    club.pay(paid_cheque, date(2010, 7, 3))
    assert club.settle(date(2010, 8, 1)).settled == 0
    lines = {line.id: (line.status, line.paid_on) for line in club.lines("C012")}
    assert lines == {open_cheque: ("SCHEDULED", None), paid_cheque: ("PAID", date(2010, 7, 3))}


def test_settle_on_the_command_line(story, sepa_batch):
    """The story is settled already: a later run settles nothing, and says so."""
    assert sepa_batch.json_plain("settle", "--as-of", "2010-08-20") == {
        "as_of": "2010-08-20",
        "settled": 0,
        "amount": "0.00",
        "batches": [],
    }
    out = sepa_batch("settle", "--as-of", "2010-08-20").stdout
    assert "settled 0 line(s), 0.00 EUR" in out


def test_settle_on_the_command_line_settles(club, sepa_batch):
    club.subscribe("C001", months=1)
    club.subscribe("C006", months=1)
    club.collect(date(2010, 7, 1), until=date(2010, 7, 5))
    assert sepa_batch.json_plain("settle", "--as-of", "2010-07-05")["settled"] == 0
    out = sepa_batch("settle", "--as-of", "2010-07-06").stdout
    assert f"settled 2 line(s), 100.00 EUR, blocks {BLOCK_1}" in out
