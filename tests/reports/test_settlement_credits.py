"""Bank credits (PRODUCT §6): the statement entry that pays a collected block marks it
credited with the bank's booking date and amount; the difference with the amount expected
(control sum − rejected before settlement) is reported, never hidden."""

from __future__ import annotations

from datetime import date

import pytest
from reports.reports_story import CREDITOR_IBAN, credit_item

from sepa_batch.matching.batches import expected_credits, record_batch_credit
from sepa_batch.reports.model import Period
from sepa_batch.services import reports

JULY_5 = date(2010, 7, 5)
FILE = "SB-20100701-000001"
BLOCK = f"{FILE}-001"


@pytest.fixture
def thousand(club):
    """One file, one FRST block of 10 × 100.00 = 1,000.00 collected on 2010-07-05 (C001–C010)."""
    for number in range(1, 11):
        club.instalment(f"C{number:03d}", 10_000, JULY_5)
    result = club.collect(date(2010, 7, 1), until=JULY_5)
    assert [(f.message_id, f.transactions, f.control_sum_cents) for f in result.files] == [
        (FILE, 10, 100_000)
    ]
    return club


def batches_row(club, pmtinf: str) -> dict:
    with reports.open_report(club.db, club.config, "batches", Period(), JULY_5) as report:
        [row] = [row for row in report.rows if row["pmtinf"] == pmtinf]
    return row


def test_a_short_credit_is_reported_as_a_difference(thousand, sepa_batch):
    batch_id = thousand.credit(99_700, JULY_5, pmtinf=BLOCK)
    batch = thousand.batch(BLOCK)
    assert (batch.id, batch.credited_on, batch.credited_cents) == (batch_id, JULY_5, 99_700)
    row = batches_row(thousand, BLOCK)
    assert (row["expected_credit"], row["credited"], row["difference"], row["net"]) == (
        100_000,
        99_700,
        -300,
        99_700,
    )
    [document] = sepa_batch.json("report", "batches")["rows"]
    assert (document["expected_credit"], document["credited"], document["difference"]) == (
        "1000.00",
        "997.00",
        "-3.00",
    )
    assert document["credited_on"] == "2010-07-05"


def test_the_credit_expected_leaves_out_what_was_rejected_before_settlement(thousand):
    rejected = thousand.line("C004", JULY_5)
    thousand.unpay(rejected.id, date(2010, 7, 2), "AM04")
    block = thousand.batch(BLOCK).id
    with thousand.db.reader() as session:
        assert expected_credits(session, [block]) == {block: 90_000}
    assert thousand.credit(100_000, JULY_5, iban=CREDITOR_IBAN) is None  # not by amount
    assert thousand.credit(90_000, JULY_5, iban=CREDITOR_IBAN) == block
    row = batches_row(thousand, BLOCK)
    assert (row["rejected"], row["expected_credit"], row["difference"]) == (10_000, 90_000, 0)


@pytest.mark.parametrize(
    "ids",
    [
        {"pmtinf": BLOCK},
        {"msgid": FILE},  # a file of one block: that block, whatever the amount
        {"references": ("STMT-REF-77", BLOCK)},
        {"references": (f"SEPA CORE {FILE} 10 TRANSACTIONS",)},  # inside a remittance text
        {"iban": CREDITOR_IBAN},  # no reference: amount, date and account
        {"iban": "FR76 3000 6000 0112 3456 7890 189"},  # the same account, printed
    ],
    ids=["PmtInfId", "MsgId", "reference", "remittance", "amount", "amount, spaced IBAN"],
)
def test_how_a_credit_finds_its_block(thousand, ids):
    assert thousand.credit(100_000, date(2010, 7, 6), **ids) == thousand.batch(BLOCK).id
    assert thousand.batch(BLOCK).credited_on == date(2010, 7, 6)


@pytest.mark.parametrize(
    ("cents", "booked", "ids"),
    [
        (100_000, JULY_5, {"iban": "DE89370400440532013000"}),  # another account
        (100_000, JULY_5, {"iban": None}),  # no account, no reference
        (100_000, date(2010, 7, 12), {"iban": CREDITOR_IBAN}),  # a week after collection
        (100_000, date(2010, 7, 1), {"iban": CREDITOR_IBAN}),  # before the collection
        (99_999, JULY_5, {"iban": CREDITOR_IBAN}),  # another amount, no reference
        (100_000, JULY_5, {"pmtinf": "SB-20100701-000009-001"}),  # unknown block, no account
    ],
)
def test_a_credit_that_matches_nothing_changes_nothing(thousand, cents, booked, ids):
    if "iban" not in ids:
        ids["iban"] = None
    assert thousand.credit(cents, booked, **ids) is None
    batch = thousand.batch(BLOCK)
    assert (batch.credited_on, batch.credited_cents) == (None, None)


def test_only_credits_are_recorded(thousand):
    with thousand.db.transaction() as session:
        for item in (
            credit_item(100_000, JULY_5, pmtinf=BLOCK, kind="return"),
            credit_item(100_000, JULY_5, pmtinf=BLOCK, currency="CHF"),
            credit_item(100_000, None, pmtinf=BLOCK),  # no booking date, no file to date it
        ):
            assert record_batch_credit(session, thousand.config, item, None) is None
    assert thousand.batch(BLOCK).credited_cents is None


def test_the_same_credit_twice_is_recorded_once_and_a_conflicting_one_not_at_all(thousand):
    batch_id = thousand.batch(BLOCK).id
    assert thousand.credit(99_700, JULY_5, pmtinf=BLOCK) == batch_id
    assert thousand.credit(99_700, JULY_5, msgid=FILE) == batch_id  # the statement, again
    assert thousand.credit(100_000, JULY_5, pmtinf=BLOCK) is None  # another amount: review
    batch = thousand.batch(BLOCK)
    assert (batch.credited_on, batch.credited_cents) == (JULY_5, 99_700)


@pytest.fixture
def two_blocks(club):
    """August's file holds two blocks collected on 2010-08-05: FRST for C002 (30.00 + C003's
    50.00) and RCUR for C001 (50.00), whose FRST went in July."""
    club.subscribe("C001", months=2)
    club.collect(date(2010, 7, 1), until=JULY_5)
    club.settle(date(2010, 7, 6))
    club.instalment("C002", 3_000, date(2010, 8, 5))
    club.instalment("C003", 5_000, date(2010, 8, 5))
    club.collect(date(2010, 7, 20), until=date(2010, 8, 5))
    blocks = {batch.sequence_type: batch for batch, msgid in club.batches() if msgid.endswith("2")}
    assert {seq: b.control_sum_cents for seq, b in blocks.items()} == {"FRST": 8_000, "RCUR": 5_000}
    return club, blocks, "SB-20100720-000002"


def test_a_file_of_several_blocks_is_matched_by_amount(two_blocks):
    club, blocks, message_id = two_blocks
    assert club.credit(5_000, date(2010, 8, 5), msgid=message_id) == blocks["RCUR"].id
    assert club.batch(blocks["RCUR"].pmtinf_id).credited_cents == 5_000
    assert club.batch(blocks["FRST"].pmtinf_id).credited_cents is None


def test_a_credit_of_the_whole_file_credits_each_block(two_blocks):
    club, blocks, message_id = two_blocks
    assert club.credit(13_000, date(2010, 8, 5), msgid=message_id) == blocks["FRST"].id
    credited = {seq: club.batch(b.pmtinf_id).credited_cents for seq, b in blocks.items()}
    assert credited == {"FRST": 8_000, "RCUR": 5_000}


def test_a_short_credit_of_a_file_of_several_blocks_is_left_for_review(two_blocks):
    club, blocks, message_id = two_blocks
    assert club.credit(12_700, date(2010, 8, 5), msgid=message_id) is None
    assert all(club.batch(b.pmtinf_id).credited_cents is None for b in blocks.values())


def test_two_blocks_of_the_same_amount_and_day_are_not_guessed(club):
    club.subscribe("C001", months=2)
    club.collect(date(2010, 7, 1), until=JULY_5)
    club.instalment("C002", 5_000, date(2010, 8, 5))  # FRST 50.00 beside C001's RCUR 50.00
    club.collect(date(2010, 7, 20), until=date(2010, 8, 5))
    assert club.credit(5_000, date(2010, 8, 5), iban=CREDITOR_IBAN) is None
    assert club.credit(5_000, date(2010, 8, 5), msgid="SB-20100720-000002") is None
    # July's block (also 50.00) is a month away: only the nearest days count
    assert club.credit(5_000, date(2010, 7, 5), iban=CREDITOR_IBAN) == club.batches()[0][0].id
