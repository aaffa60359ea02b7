"""``report batches`` on the small story (reports_story.small_story), computed by hand.

July's block (3 × 50.00): C003 rejected before settlement (AM04), C002 refunded after (MD06,
bank charge 2.50), C001 settled; fees billed 2 × 10.00; credited 100.00 = expected.
August's FRST block: C003's August 50.00, settled, not credited yet. August's RCUR block:
C001 and C002 50.00 + C003's re-presentation 60.00 = 160.00, credited 157.00: −3.00.
"""

from __future__ import annotations

from datetime import date

from reports.reports_story import BLOCK_1, BLOCK_2, BLOCK_3, FILE_1, FILE_2
from sqlalchemy import select

from sepa_batch.db.schema import ReturnItem
from sepa_batch.reports.model import Period
from sepa_batch.services import reports


def _block(file, pmtinf, seq, day, submitted, rejected, returned, settled, in_flight, **rest):
    """Counts and amounts as (count, cents) pairs."""
    row = {"file": file, "pmtinf": pmtinf, "sequence": seq, "collection_date": day}
    for key, (count, cents) in (
        ("submitted", submitted),
        ("rejected", rejected),
        ("returned", returned),
        ("settled", settled),
        ("in_flight", in_flight),
    ):
        row[f"{key}_count"], row[key] = count, cents
    return row | rest | {"held_count": 0, "held": 0}


JULY = _block(
    FILE_1, BLOCK_1, "FRST", date(2010, 7, 5),
    submitted=(3, 15_000), rejected=(1, 5_000), returned=(1, 5_000), settled=(1, 5_000),
    in_flight=(0, 0), expected_credit=10_000, credited=10_000, credited_on=date(2010, 7, 5),
    difference=0, bank_charges=250, rejection_fees=2_000,
    net=10_000 - 5_000 - 250,
)  # fmt: skip
AUGUST_FRST = _block(
    FILE_2, BLOCK_2, "FRST", date(2010, 8, 5),
    submitted=(1, 5_000), rejected=(0, 0), returned=(0, 0), settled=(1, 5_000),
    in_flight=(0, 0), expected_credit=5_000, credited=None, credited_on=None,
    difference=None, bank_charges=0, rejection_fees=0, net=5_000,
)  # fmt: skip
AUGUST_RCUR = _block(
    FILE_2, BLOCK_3, "RCUR", date(2010, 8, 5),
    submitted=(3, 16_000), rejected=(0, 0), returned=(0, 0), settled=(3, 16_000),
    in_flight=(0, 0), expected_credit=16_000, credited=15_700, credited_on=date(2010, 8, 5),
    difference=-300, bank_charges=0, rejection_fees=0, net=15_700,
)  # fmt: skip
TOTALS = {
    "submitted_count": 7, "submitted": 36_000, "rejected_count": 1, "rejected": 5_000,
    "returned_count": 1, "returned": 5_000, "settled_count": 5, "settled": 26_000,
    "in_flight_count": 0, "in_flight": 0, "expected_credit": 31_000, "credited": 25_700,
    "difference": -300, "bank_charges": 250, "rejection_fees": 2_000,
    "net": 4_750 + 5_000 + 15_700, "held_count": 0, "held": 0,
}  # fmt: skip


def report(club, period=Period()):
    with reports.open_report(club.db, club.config, "batches", period, date(2010, 9, 1)) as found:
        rows = list(found.rows)
        return rows, found.summarise(rows)


def test_every_block_with_its_fate(story):
    rows, totals = report(story)
    assert rows == [JULY, AUGUST_FRST, AUGUST_RCUR]
    assert totals == TOTALS


def test_submitted_is_rejected_returned_settled_and_in_flight(story):
    rows, _ = report(story)
    for row in rows:
        parts = ("rejected", "returned", "settled", "in_flight")
        assert row["submitted"] == sum(row[key] for key in parts)
        assert row["submitted_count"] == sum(row[f"{key}_count"] for key in parts)


def test_blocks_are_chosen_by_collection_date(story):
    assert report(story, Period(date(2010, 8, 1), date(2010, 8, 31)))[0] == [
        AUGUST_FRST,
        AUGUST_RCUR,
    ]
    assert report(story, Period(None, date(2010, 8, 4)))[0] == [JULY]
    assert report(story, Period(date(2010, 8, 6)))[0] == []


def test_lines_in_flight_and_a_technical_reject(club):
    """Before settlement every line is in flight; a technical reject (FF01) sends its line
    back to the next collection: it leaves the block and counts as rejected, with no fee."""
    for code in ("C001", "C002", "C006"):
        club.subscribe(code, months=1)
    club.collect(date(2010, 7, 1), until=date(2010, 7, 5))
    rows, _ = report(club)
    assert [(r["in_flight_count"], r["in_flight"], r["expected_credit"]) for r in rows] == [
        (3, 15_000, 15_000)
    ]
    club.unpay(club.line("C006", date(2010, 7, 5)).id, date(2010, 7, 2), "FF01")
    assert club.line("C006", date(2010, 7, 5)).status == "SCHEDULED"
    [row] = report(club)[0]
    assert (row["submitted_count"], row["submitted"]) == (3, 15_000)
    assert (row["rejected_count"], row["rejected"], row["rejection_fees"]) == (1, 5_000, 0)
    assert (row["in_flight_count"], row["in_flight"], row["expected_credit"]) == (2, 10_000, 10_000)


def test_charges_seen_twice_or_on_a_credit_are_not_bank_charges_of_returns(story):
    """The same return in a second file (outcome "duplicate") was charged once; a credit's
    charges are already inside its difference. Neither changes the report or the journal."""
    august = story.batch(BLOCK_3).id
    with story.db.transaction() as session:
        first = session.execute(select(ReturnItem)).scalar_one()
        for kind, outcome, batch in (
            ("return", "duplicate", first.batch_id),
            ("credit", "applied", august),
        ):
            session.add(
                ReturnItem(
                    return_file_id=first.return_file_id, kind=kind, level="transaction",
                    charges_cents=300, booking_date=date(2010, 8, 5), outcome=outcome,
                    line_id=first.line_id if kind == "return" else None, batch_id=batch,
                )
            )  # fmt: skip
    rows, totals = report(story)
    assert rows == [JULY, AUGUST_FRST, AUGUST_RCUR] and totals["bank_charges"] == 250
    with reports.journal_entries(story.db, story.config, Period()) as entries:
        charged = [p.debit_cents for e in entries for p in e.postings if p.account == "627"]
    assert charged == [250]


def test_as_json_and_csv(story, sepa_batch):
    document = sepa_batch.json("report", "batches", "--from", "2010-07-01", "--to", "2010-07-31")
    assert document == {
        "report": "batches",
        "from": "2010-07-01",
        "to": "2010-07-31",
        "rows": [
            {
                "file": FILE_1, "pmtinf": BLOCK_1, "sequence": "FRST",
                "collection_date": "2010-07-05", "submitted_count": 3, "submitted": "150.00",
                "rejected_count": 1, "rejected": "50.00", "returned_count": 1,
                "returned": "50.00", "settled_count": 1, "settled": "50.00",
                "in_flight_count": 0, "in_flight": "0.00", "expected_credit": "100.00",
                "credited": "100.00", "credited_on": "2010-07-05", "difference": "0.00",
                "bank_charges": "2.50", "rejection_fees": "20.00", "net": "47.50",
                "held_count": 0, "held": "0.00",
            }
        ],
        "totals": {
            "submitted_count": 3, "submitted": "150.00", "rejected_count": 1,
            "rejected": "50.00", "returned_count": 1, "returned": "50.00", "settled_count": 1,
            "settled": "50.00", "in_flight_count": 0, "in_flight": "0.00",
            "expected_credit": "100.00", "credited": "100.00", "difference": "0.00",
            "bank_charges": "2.50", "rejection_fees": "20.00", "net": "47.50",
            "held_count": 0, "held": "0.00",
        },
    }  # fmt: skip
    csv_text = sepa_batch(
        "report", "batches", "--from", "2010-08-01", "--format", "csv", "--delimiter", ";",
        "--decimal-comma",
    ).stdout  # fmt: skip
    assert csv_text.splitlines() == [
        "file;pmtinf;sequence;collection_date;submitted_count;submitted;rejected_count;rejected;"
        "returned_count;returned;settled_count;settled;in_flight_count;in_flight;"
        "expected_credit;credited;credited_on;difference;bank_charges;rejection_fees;net;"
        "held_count;held",
        f"{FILE_2};{BLOCK_2};FRST;2010-08-05;1;50,00;0;0,00;0;0,00;1;50,00;0;0,00;50,00;;;;"
        "0,00;0,00;50,00;0;0,00",
        f"{FILE_2};{BLOCK_3};RCUR;2010-08-05;3;160,00;0;0,00;0;0,00;3;160,00;0;0,00;160,00;"
        "157,00;2010-08-05;-3,00;0,00;0,00;157,00;0;0,00",
    ]


def test_as_a_table(story, sepa_batch):
    out = sepa_batch("report", "batches").stdout
    assert BLOCK_3 in out and "-3.00" in out and "total" in out
