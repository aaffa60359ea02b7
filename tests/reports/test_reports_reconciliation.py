"""Three months at the club, and every total reconciles to the cent (PRODUCT §9).

July–September 2010: eleven members pay by direct debit (C001–C010 50.00, C011 35.00 a
month), C012 by cheque. Each month: collect_due, the bank's rejects before settlement, settle,
returns and refunds after, payments at the desk, bank credits (one 3.00 short). At every
month end, and with a file in flight:

- per block and in all: submitted = rejected + returned + settled + in flight;
- every journal entry balances, and the journal as a whole;
- per customer: the ledger's cash balance (PAID and UNPAID payment lines − sales, to the
  day) = − the customer's 411 balance, i.e. what the customer owes;
- the bank account (512) = bank credits − their differences + payments at the desk − returns
  of settled debits − bank charges; fees billed = rejection-fee sales; the returns report
  counts what the batches report says was rejected (less technical rejects) and returned.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select

from sepa_batch.db.schema import Article, LedgerLine
from sepa_batch.domain.model import Mode
from sepa_batch.matching.batches import expected_credits
from sepa_batch.reports.model import Period
from sepa_batch.services import reports

MEMBERS = [f"C{number:03d}" for number in range(1, 13)]


def report(club, name: str, day: date) -> tuple[list[dict], dict]:
    with reports.open_report(club.db, club.config, name, Period(None, day), day) as found:
        rows = list(found.rows)
        return rows, found.summarise(rows)


def journal(club, day: date):
    with reports.journal_entries(club.db, club.config, Period(None, day)) as found:
        return list(found)


def ledger_cash(club, day: date) -> dict[str, int]:
    """Per customer: payment lines PAID or UNPAID − sale lines, as of ``day``. A line paid
    counts from its paid-on date; one rejected before it was ever paid counts, with its
    compensating line, from the day it was marked unpaid."""
    lines = club.lines()
    customers = club.customers()
    marked_unpaid = {line.reverses_id: line.paid_on for line in lines if line.reverses_id}
    cash = dict.fromkeys(MEMBERS, 0)
    for line in lines:
        code = customers[line.customer_id]
        if line.kind == "sale":
            cash[code] -= line.amount_cents if line.date <= day else 0
        elif line.status in ("PAID", "UNPAID"):
            since = line.paid_on or marked_unpaid[line.id]
            cash[code] += line.amount_cents if since <= day else 0
    return cash


def account_balances(entries) -> tuple[dict[str, int], dict[str, int]]:
    """(debit − credit per account, debit − credit of 411 per customer)."""
    accounts: dict[str, int] = defaultdict(int)
    customers = dict.fromkeys(MEMBERS, 0)
    for entry in entries:
        for p in entry.postings:
            accounts[p.account] += p.debit_cents - p.credit_cents
            if p.account == "411":
                customers[p.customer] += p.debit_cents - p.credit_cents
    return accounts, customers


def check_books(club, day: date) -> dict:
    """The invariants of the module docstring on ``day``; returns the batches totals."""
    rows, totals = report(club, "batches", day)
    parts = ("rejected", "returned", "settled", "in_flight")
    for row in [*rows, totals]:
        assert row["submitted"] == sum(row[key] for key in parts), row
        assert row["submitted_count"] == sum(row[f"{key}_count"] for key in parts), row

    entries = journal(club, day)
    assert all(entry.balanced for entry in entries)
    accounts, owed = account_balances(entries)
    assert sum(accounts.values()) == 0
    assert {code: -cents for code, cents in owed.items()} == ledger_cash(club, day)
    return totals


def credit_every_block(
    club, until: date, *, short: str | None = None, by_amount: str | None = None
) -> None:
    """The bank credits each block collected by ``until`` what is expected, on its collection
    date, naming its PmtInfId; the ``short`` block 3.00 less; the ``by_amount`` block with no
    reference at all (found by amount, date and account)."""
    blocks = [
        batch
        for batch, _ in club.batches()
        if batch.collection_date <= until and batch.credited_cents is None
    ]
    with club.db.reader() as session:
        expected = expected_credits(session, [batch.id for batch in blocks])
    for batch in blocks:
        cents = expected[batch.id] - (300 if batch.pmtinf_id == short else 0)
        day = batch.collection_date
        if batch.pmtinf_id == by_amount:
            assert club.credit(cents, day) == batch.id
        else:
            assert club.credit(cents, day, pmtinf=batch.pmtinf_id) == batch.id


def unpay(club, code: str, due: date, day: date, reason: str, charge: int = 0) -> None:
    line = club.line(code, due, amount=5_000 if code != "C011" else 3_500)
    club.unpay(line.id, day, reason)
    if charge:
        club.bank_charge(line.id, charge, day, reason)


def pay_representation(club, code: str, day: date, mode: Mode) -> None:
    [again] = [
        line for line in club.lines(code) if line.represents_id and line.status == "SCHEDULED"
    ]
    club.pay(again.id, day, mode)


def july(club) -> None:
    for code in MEMBERS[:10]:
        club.subscribe(code)
    club.subscribe("C011", article="SUB_YOUTH")
    club.subscribe("C012", mode=Mode.CHEQUE)
    club.sell("C001", "LICENCE", date(2010, 7, 1))
    club.sell("C005", "LICENCE", date(2010, 7, 1))
    club.collect(date(2010, 7, 1), until=date(2010, 7, 5))
    jul_5 = date(2010, 7, 5)
    unpay(club, "C003", jul_5, date(2010, 7, 2), "AM04")  # re-presented by direct debit
    unpay(club, "C004", jul_5, date(2010, 7, 2), "AC04")  # mandate revoked
    unpay(club, "C005", jul_5, date(2010, 7, 2), "TECH")  # back to the next collection
    assert club.settle(date(2010, 7, 6)).settled == 8
    credit_every_block(club, jul_5)
    club.pay(club.line("C012", jul_5).id, date(2010, 7, 12), Mode.CHEQUE)
    unpay(club, "C006", jul_5, date(2010, 7, 19), "MD06", charge=300)  # refund
    unpay(club, "C007", jul_5, date(2010, 7, 19), "AM04")  # returned, no charge
    pay_representation(club, "C004", date(2010, 7, 25), Mode.CASH)
    club.sell("C006", "FRAIS_RELANCE", date(2010, 7, 28))


def august(club) -> None:
    club.collect(date(2010, 8, 1), until=date(2010, 8, 5))
    aug_5 = date(2010, 8, 5)
    unpay(club, "C008", aug_5, date(2010, 8, 3), "MS02")
    club.settle(date(2010, 8, 6))
    # C005's July debit, sent back by the technical reject, is collected on Tuesday 3rd
    aug_3 = date(2010, 8, 3)
    blocks = {(b.collection_date, b.sequence_type): b.pmtinf_id for b, _ in club.batches()}
    assert {key for key in blocks if key[0] > date(2010, 7, 31)} == {
        (aug_3, "FRST"),
        (aug_5, "FRST"),
        (aug_5, "RCUR"),
    }
    credit_every_block(
        club, aug_5, short=blocks[(aug_5, "RCUR")], by_amount=blocks[(aug_3, "FRST")]
    )
    unpay(club, "C009", aug_5, date(2010, 8, 16), "AC01", charge=250)
    pay_representation(club, "C008", date(2010, 8, 20), Mode.CARD)


def september(club) -> None:
    club.collect(date(2010, 9, 1), until=date(2010, 9, 5))
    in_flight = check_books(club, date(2010, 9, 6))  # the collection day: not settled yet
    assert (in_flight["in_flight_count"], in_flight["in_flight"]) == (9, 8 * 5_000 + 3_500)
    unpay(club, "C010", date(2010, 9, 5), date(2010, 9, 3), "AM05")  # for review: stays
    assert club.settle(date(2010, 9, 6)).settled == 0  # collected on Monday 6th
    assert club.settle(date(2010, 9, 7)).settled == 9
    credit_every_block(club, date(2010, 9, 6))
    unpay(club, "C011", date(2010, 7, 5), date(2010, 9, 20), "MD01")  # refund, 11 weeks on


def test_three_months_reconcile_to_the_cent(club):
    july(club)
    check_books(club, date(2010, 7, 31))
    august(club)
    check_books(club, date(2010, 8, 31))
    september(club)
    end = date(2010, 9, 30)
    totals = check_books(club, end)

    # by hand: 11 + 13 + 9 debits collected; rejected C003, C004, C005 (technical), C008;
    # returned C006, C007, C009 and C011's July 35.00
    assert (totals["submitted_count"], totals["submitted"]) == (33, 162_500)
    assert (totals["rejected_count"], totals["rejected"]) == (4, 20_000)
    assert (totals["returned_count"], totals["returned"]) == (4, 18_500)
    assert (totals["settled_count"], totals["settled"]) == (25, 124_000)
    assert (totals["in_flight_count"], totals["in_flight"]) == (0, 0)
    assert (totals["expected_credit"], totals["credited"], totals["difference"]) == (
        142_500,
        142_200,
        -300,
    )
    assert (totals["bank_charges"], totals["rejection_fees"]) == (550, 6_000)

    entries = journal(club, end)
    accounts, owed = account_balances(entries)
    desk = 5_000 + 6_000 + 6_000  # C012's July cheque, C004 in cash, C008 by card
    assert accounts["512"] == totals["credited"] - totals["difference"] + desk - 18_500 - 550
    assert accounts["627"] == 550
    assert accounts["7088"] == -(6_000 + 500)  # six rejection fees and one dunning fee
    with club.db.reader() as session:
        fees = session.execute(
            select(LedgerLine.amount_cents)
            .join(Article, Article.id == LedgerLine.article_id)
            .where(Article.kind == "REJECTION_FEE")
        ).scalars()
        assert sum(fees) == totals["rejection_fees"]
    assert owed["C006"] == 6_000 + 500  # the refunded July, re-presented by cheque, + dunning
    assert owed["C004"] == 10_000  # August and September: mandate revoked, not collected
    assert owed["C012"] == 10_000  # August and September cheques not paid

    unpaid, summary = report(club, "returns", end)
    assert (summary["count"], summary["amount"], summary["collected"]) == (7, 33_500, 33)
    assert summary["rejected"] == totals["rejected_count"] - 1  # C005's TECH is not counted
    assert summary["returned"] == totals["returned_count"]
    assert [(r["month"], r["reason_code"], r["count"]) for r in unpaid] == [
        ("2010-07", "AC04", 1),
        ("2010-07", "AM04", 2),
        ("2010-07", "MD01", 1),
        ("2010-07", "MD06", 1),
        ("2010-08", "AC01", 1),
        ("2010-08", "MS02", 1),
    ]
