"""``report returns`` on the small story: unpaid direct debits per month of collection and
reason code, and the rate against everything collected that month (7 transactions: 3 in
July, 4 in August)."""

from __future__ import annotations

from datetime import date

from sepa_batch.reports.model import Period
from sepa_batch.services import reports


def report(club, period=Period()):
    with reports.open_report(club.db, club.config, "returns", period, date(2010, 9, 1)) as found:
        rows = list(found.rows)
        return rows, found.summarise(rows)


def test_unpaid_by_month_and_reason(story):
    rows, totals = report(story)
    assert rows == [
        {
            "month": "2010-07",
            "reason_code": "AM04",
            "meaning": "temporary (no funds, no reason given)",
            "rejected": 1,
            "returned": 0,
            "count": 1,
            "amount": 5_000,
            "collected": 3,
            "rate": 3_333,  # 1 / 3 = 33.33 %
        },
        {
            "month": "2010-07",
            "reason_code": "MD06",
            "meaning": "debtor disputes or blocked the debit",
            "rejected": 0,
            "returned": 1,
            "count": 1,
            "amount": 5_000,
            "collected": 3,
            "rate": 3_333,
        },
    ]
    assert totals == {
        "rejected": 1,
        "returned": 1,
        "count": 2,
        "amount": 10_000,
        "collected": 7,
        "rate": 2_857,  # 2 / 7 = 28.571 %
    }


def test_a_month_without_unpaid_lines(story, sepa_batch):
    assert report(story, Period(date(2010, 8, 1)))[0] == []
    document = sepa_batch.json("report", "returns", "--from", "2010-08-01")
    assert document == {
        "report": "returns",
        "from": "2010-08-01",
        "to": None,
        "rows": [],
        "totals": {
            "rejected": 0,
            "returned": 0,
            "count": 0,
            "amount": "0.00",
            "collected": 4,
            "rate": "0.00",
        },
    }


def test_unpaid_by_hand_without_a_reason_and_the_rate_as_csv(club, sepa_batch):
    """Four debits in July; one marked unpaid by hand with no reason code, one AC04."""
    for code in ("C001", "C002", "C006", "C007"):
        club.subscribe(code, months=1)
    club.collect(date(2010, 7, 1), until=date(2010, 7, 5))
    club.settle(date(2010, 7, 6))
    club.unpay(club.line("C001", date(2010, 7, 5)).id, date(2010, 7, 9), None)
    club.unpay(club.line("C007", date(2010, 7, 5)).id, date(2010, 7, 9), "AC04")
    text = sepa_batch("report", "returns", "--format", "csv").stdout
    assert text.splitlines() == [
        "month,reason_code,meaning,rejected,returned,count,amount,collected,rate",
        "2010-07,,marked unpaid by hand,0,1,1,50.00,4,25.00",
        "2010-07,AC04,account dead or closed to debits,0,1,1,50.00,4,25.00",
    ]
