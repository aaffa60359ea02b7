"""``report ageing``: overdue instalments per customer in 0–30, 31–60, 61–90 and > 90 days,
on the boundaries (an instalment due yesterday is 1 day overdue; due today, not overdue)."""

from __future__ import annotations

from datetime import date

import pytest

from sepa_batch.domain.model import Mode
from sepa_batch.reports.model import Period
from sepa_batch.services import reports

AUGUST_31 = date(2010, 8, 31)


@pytest.fixture
def overdue(club):
    cheque = Mode.CHEQUE
    club.instalment("C004", 3_000, date(2010, 6, 1), cheque)  # 91 days on 08-31
    club.instalment("C004", 2_000, date(2010, 6, 2), cheque)  # 90 days
    club.instalment("C005", 1_200, date(2010, 7, 1), cheque)  # 61 days
    club.instalment("C005", 1_300, date(2010, 7, 2), cheque)  # 60 days
    club.instalment("C006", 4_250, date(2010, 8, 1), cheque)  # 30 days
    club.instalment("C006", 700, date(2010, 8, 30), cheque)  # 1 day
    club.instalment("C006", 900, AUGUST_31, cheque)  # due today: not overdue
    paid = club.instalment("C007", 5_000, date(2010, 7, 15), cheque)
    club.pay(paid, date(2010, 7, 20))
    club.subscribe("C001", months=1, start=date(2010, 8, 1))  # 08-05, never collected: 26 days
    return club


def report(club, day):
    with reports.open_report(club.db, club.config, "ageing", Period(None, day), day) as found:
        rows = list(found.rows)
        return rows, found.summarise(rows)


def row(code, name, oldest, lines, b30=0, b60=0, b90=0, older=0):
    return {
        "customer": code,
        "name": name,
        "oldest_due": oldest,
        "lines": lines,
        "days_0_30": b30,
        "days_31_60": b60,
        "days_61_90": b90,
        "days_over_90": older,
        "total": b30 + b60 + b90 + older,
    }


def test_buckets_on_the_last_day_of_august(overdue):
    rows, totals = report(overdue, AUGUST_31)
    assert rows == [
        row("C001", "Élodie Martin", date(2010, 8, 5), 1, b30=5_000),
        row("C004", "Jérôme & Anaïs Garçon", date(2010, 6, 1), 2, b90=2_000, older=3_000),
        row("C005", "Théo N'Guyen", date(2010, 7, 1), 2, b60=1_300, b90=1_200),
        row("C006", "Jürgen Weiß", date(2010, 8, 1), 2, b30=4_950),
    ]
    assert totals == {
        "lines": 7,
        "days_0_30": 9_950,
        "days_31_60": 1_300,
        "days_61_90": 3_200,
        "days_over_90": 3_000,
        "total": 17_450,
    }


def test_buckets_a_month_earlier(overdue):
    rows, _ = report(overdue, date(2010, 8, 1))
    assert rows == [
        row("C004", "Jérôme & Anaïs Garçon", date(2010, 6, 1), 2, b60=2_000, b90=3_000),
        row("C005", "Théo N'Guyen", date(2010, 7, 1), 2, b30=1_300, b60=1_200),
    ]


def test_as_of_the_day_given_on_the_command_line(overdue, sepa_batch):
    document = sepa_batch.json("report", "ageing", "--to", "2010-08-31")
    assert document["as_of"] == "2010-08-31"
    assert document["totals"]["total"] == "174.50"
    assert [r["customer"] for r in document["rows"]] == ["C001", "C004", "C005", "C006"]
    assert sepa_batch.json("report", "ageing", "--as-of", "2010-06-01")["rows"] == []
    text = sepa_batch("report", "ageing", "--as-of", "2010-08-31", "--format", "csv").stdout
    assert text.splitlines()[:2] == [
        "customer,name,oldest_due,lines,days_0_30,days_31_60,days_61_90,days_over_90,total",
        "C001,Élodie Martin,2010-08-05,1,50.00,0.00,0.00,0.00,50.00",
    ]
