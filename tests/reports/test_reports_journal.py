"""``report journal`` and its FEC layout on the small story (reports_story.small_story).

The entries, by hand: sales 411/706 on 07-01 (3 × 100.00); rejection fees 411/7088 (C003 on
07-02, C002 on 07-20); direct debits settled 512/411 on their collection dates (07-05 and
08-05); C002's refund taken back 411/512 on 07-20 with the bank's 2.50 charge 627/512; C002's
cheque 512/411 on 07-27. C003's July debit was rejected before settlement: neither it nor its
compensating line L11 is booked.
"""

from __future__ import annotations

import doctest
from collections import defaultdict
from datetime import date

import pytest

from sepa_batch.reports import fec, model, render
from sepa_batch.reports.journal import CHARGES, PAYMENT, SALE, Event, entries
from sepa_batch.reports.model import Period
from sepa_batch.services import reports

ACCOUNTS = {
    "customers": "411",
    "bank": "512",
    "services": "706",
    "fees": "7088",
    "bank_charges": "627",
    "journal_sales": "VE",
    "journal_bank": "BQ",
}


def sale(number, day, piece, customer, cents, income="706"):
    return (number, day, piece, [("411", customer, cents, 0), (income, None, 0, cents)])


def received(number, day, piece, customer, cents):
    return (number, day, piece, [("512", None, cents, 0), ("411", customer, 0, cents)])


def taken_back(number, day, piece, customer, cents):
    return (number, day, piece, [("411", customer, cents, 0), ("512", None, 0, cents)])


JUL_1, JUL_2, JUL_5, JUL_20, JUL_27, AUG_5 = (
    date(2010, 7, 1),
    date(2010, 7, 2),
    date(2010, 7, 5),
    date(2010, 7, 20),
    date(2010, 7, 27),
    date(2010, 8, 5),
)
STORY = [
    sale("VE000001", JUL_1, "L1", "C001", 10_000),
    sale("VE000002", JUL_1, "L4", "C002", 10_000),
    sale("VE000003", JUL_1, "L7", "C003", 10_000),
    sale("VE000004", JUL_2, "L10", "C003", 1_000, "7088"),
    received("BQ000001", JUL_5, "L2", "C001", 5_000),
    received("BQ000002", JUL_5, "L5", "C002", 5_000),
    sale("VE000005", JUL_20, "L13", "C002", 1_000, "7088"),
    taken_back("BQ000003", JUL_20, "L14", "C002", 5_000),
    ("BQ000004", JUL_20, "R1", [("627", None, 250, 0), ("512", None, 0, 250)]),
    received("BQ000005", JUL_27, "L15", "C002", 6_000),
    received("BQ000006", AUG_5, "L3", "C001", 5_000),
    received("BQ000007", AUG_5, "L6", "C002", 5_000),
    received("BQ000008", AUG_5, "L9", "C003", 5_000),
    received("BQ000009", AUG_5, "L12", "C003", 6_000),
]


def journal(club, period=Period()):
    with reports.journal_entries(club.db, club.config, period) as found:
        return list(found)


def shape(found):
    return [
        (
            e.number,
            e.day,
            e.piece,
            [(p.account, p.customer, p.debit_cents, p.credit_cents) for p in e.postings],
        )
        for e in found
    ]


def test_the_journal_of_the_story(story):
    found = journal(story)
    assert shape(found) == STORY
    assert all(entry.balanced for entry in found)
    debit = sum(p.debit_cents for e in found for p in e.postings)
    credit = sum(p.credit_cents for e in found for p in e.postings)
    assert debit == credit == 30_000 + 2_000 + 10_000 + 5_000 + 250 + 6_000 + 21_000


def test_a_period_is_numbered_on_its_own(story):
    found = journal(story, Period(JUL_2, JUL_20))
    assert [(e.number, e.piece) for e in found] == [
        ("VE000001", "L10"),
        ("BQ000001", "L2"),
        ("BQ000002", "L5"),
        ("VE000002", "L13"),
        ("BQ000003", "L14"),
        ("BQ000004", "R1"),
    ]


def test_labels_say_what_happened(story):
    labels = {e.piece: e.label for e in journal(story)}
    lines = {f"L{line.id}": line.label for line in story.lines()}
    assert labels["L1"] == "Abonnement mensuel" == lines["L1"]
    assert labels["L2"] == "Abonnement mensuel 07/2010"
    assert labels["L14"] == f"{lines['L14']} (MD06)"
    assert labels["R1"] == "Frais bancaires, retour SB-L5-1 (MD06)"  # French, as the FEC


def test_the_customer_account_is_what_the_ledger_says_is_owed(story):
    """Ledger cash balance (PAID and UNPAID payment lines − sales) = − the 411 balance."""
    owed = defaultdict(int)
    for entry in journal(story):
        for p in entry.postings:
            if p.account == "411":
                owed[p.customer] += p.debit_cents - p.credit_cents
    customers = story.customers()
    cash = defaultdict(int)
    for line in story.lines():
        code = customers[line.customer_id]
        if line.kind == "sale":
            cash[code] -= line.amount_cents
        elif line.status in ("PAID", "UNPAID"):
            cash[code] += line.amount_cents
    assert dict(cash) == {"C001": 0, "C002": 0, "C003": 0}
    assert {code: -cents for code, cents in owed.items()} == dict(cash)


@pytest.mark.parametrize(
    ("source", "cents", "detail", "postings"),
    [
        (SALE, 4_250, "OTHER", [("411", 4_250, 0), ("706", 0, 4_250)]),
        (SALE, 500, "DUNNING_FEE", [("411", 500, 0), ("7088", 0, 500)]),
        (SALE, 700, "REJECTION_FEE", [("411", 700, 0), ("7088", 0, 700)]),
        (SALE, 900, None, [("411", 900, 0), ("706", 0, 900)]),  # a sale with no article
        (SALE, -900, None, [("706", 900, 0), ("411", 0, 900)]),  # a sale cancelled
        (PAYMENT, 3_000, "CASH", [("512", 3_000, 0), ("411", 0, 3_000)]),
        (PAYMENT, -3_000, "CASH", [("411", 3_000, 0), ("512", 0, 3_000)]),  # paid back
        (CHARGES, 300, "AM04", [("627", 300, 0), ("512", 0, 300)]),
        (CHARGES, -300, None, [("512", 300, 0), ("627", 0, 300)]),  # charges refunded
    ],
)
def test_each_kind_of_event_and_its_accounts(source, cents, detail, postings):
    event = Event(JUL_1, source, 1, cents, "C001", "Élodie Martin", "label", detail)
    [entry] = entries([event], ACCOUNTS)
    assert [(p.account, p.debit_cents, p.credit_cents) for p in entry.postings] == postings
    assert entry.balanced
    customers = {p.account: p.customer for p in entry.postings}
    assert customers.get("411", "C001") == "C001" and customers.get("512") is None


def test_accounts_come_from_the_configuration():
    accounts = ACCOUNTS | {"customers": "4110000", "services": "7061", "journal_sales": "VT"}
    [entry] = entries([Event(JUL_1, SALE, 1, 100, "C001", "M", "x", None)], accounts)
    assert (entry.journal, entry.number) == ("VT", "VT000001")
    assert [p.account for p in entry.postings] == ["4110000", "7061"]


def test_the_fec_layout(story, sepa_batch):
    text = sepa_batch("report", "journal", "--format", "fec").stdout_bytes.decode("utf-8")
    assert text.endswith("\r\n")
    lines = text.split("\r\n")[:-1]
    header = lines[0].split("\t")
    assert header == [
        "JournalCode", "JournalLib", "EcritureNum", "EcritureDate", "CompteNum", "CompteLib",
        "CompAuxNum", "CompAuxLib", "PieceRef", "PieceDate", "EcritureLib", "Debit", "Credit",
        "EcritureLet", "DateLet", "ValidDate", "Montantdevise", "Idevise",
    ]  # fmt: skip
    rows = [dict(zip(header, line.split("\t"), strict=True)) for line in lines[1:]]
    assert len(rows) == 2 * len(STORY)
    assert rows[0] == {
        "JournalCode": "VE", "JournalLib": "Ventes", "EcritureNum": "VE000001",
        "EcritureDate": "20100701", "CompteNum": "411", "CompteLib": "Clients",
        "CompAuxNum": "C001", "CompAuxLib": "Élodie Martin", "PieceRef": "L1",
        "PieceDate": "20100701", "EcritureLib": "Abonnement mensuel", "Debit": "100,00",
        "Credit": "0,00", "EcritureLet": "", "DateLet": "", "ValidDate": "20100701",
        "Montantdevise": "", "Idevise": "",
    }  # fmt: skip
    charges = [row for row in rows if row["PieceRef"] == "R1"]
    assert [(r["CompteNum"], r["CompAuxNum"], r["Debit"], r["Credit"]) for r in charges] == [
        ("627", "", "2,50", "0,00"),
        ("512", "", "0,00", "2,50"),
    ]
    balance = defaultdict(int)
    for row in rows:
        assert len(row["EcritureDate"]) == 8 and row["EcritureDate"].isdigit()
        assert bool(row["CompAuxNum"]) == (row["CompteNum"] == "411")
        cents = int(row["Debit"].replace(",", "")) - int(row["Credit"].replace(",", ""))
        balance[(row["JournalCode"], row["EcritureNum"])] += cents
    assert set(balance.values()) == {0} and len(balance) == len(STORY)


def test_fec_fields_never_break_the_layout():
    assert fec.fec_text("Licence\tfédérale\r\n2010") == "Licence fédérale 2010"
    assert fec.fec_amount(-1_234_567) == "-12345,67"


def test_as_csv_and_json(story, sepa_batch):
    text = sepa_batch(
        "report", "journal", "--from", "2010-07-27", "--to", "2010-07-27", "--format", "csv"
    ).stdout
    assert text.splitlines() == [
        "journal,entry,date,account,account_label,customer,customer_name,piece,label,debit,credit",
        f"BQ,BQ000001,2010-07-27,512,Banque,,,L15,{story.lines()[14].label},60.00,0.00",
        "BQ,BQ000001,2010-07-27,411,Clients,C002,François Lefèvre,L15,"
        f"{story.lines()[14].label},0.00,60.00",
    ]
    document = sepa_batch.json("report", "journal", "--to", "2010-07-05")
    assert document["totals"] == {"debit": "410.00", "credit": "410.00"}
    assert [row["entry"] for row in document["rows"]][::2] == [
        "VE000001", "VE000002", "VE000003", "VE000004", "BQ000001", "BQ000002",
    ]  # fmt: skip


@pytest.mark.parametrize("module", [fec, model, render])
def test_doctests(module):
    result = doctest.testmod(module)
    assert result.failed == 0 and result.attempted > 0
