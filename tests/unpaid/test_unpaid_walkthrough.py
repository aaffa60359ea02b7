"""The seed's walk-through (gerer-un-impaye.txt), end to end through the CLI.

A member pays 50.00 a month by direct debit; the July payment (due 05/07/2010) is collected and
paid, then comes back unpaid. On 20/07/2010 the back office clicks *Impayer* with the 7.00
rejection fee: three new lines appear, the member may still enter that day, is blocked the
next, and may enter again the day they pay the 57.00 at the desk. Re-presented by direct debit
on 05/08/2010 instead, the unpaid is in the August bank file together with August's own
instalment.
"""

from __future__ import annotations

from datetime import date
from email import message_from_string, policy
from pathlib import Path

from lxml import etree
from sqlalchemy import select
from unpaid.unpaid_support import by_id, configuration, database, july_paid

from sepa_batch.db.schema import Customer


def dunning_since(run, customer: str = "C001") -> date | None:
    db = database(run)
    try:
        with db.reader() as session:
            return session.execute(
                select(Customer.dunning_since).where(Customer.code == customer)
            ).scalar_one()
    finally:
        db.dispose()


def test_unpaid_then_paid_at_the_desk(run):
    july, august, *_ = july_paid(run)
    outcome = run.json("unpay", july, "--as-of", "2010-07-20", "--fee-article", "FRAIS_REJET_7")
    assert list(outcome) == ["unpaid_line", "fee_line", "reversal_line", "representation_lines"]
    assert outcome["unpaid_line"] == july
    [again] = outcome["representation_lines"]

    ledger = run.json("ledger", "C001", "--as-of", "2010-07-20")
    lines = by_id(ledger)
    assert len(lines) == 1 + 12 + 3  # the sale, 12 instalments, the three new lines
    original = lines[july]
    assert (original["status"], original["paid_on"], original["amount"]) == (
        "UNPAID",
        "2010-07-05",
        "50.00",
    )
    fee = lines[outcome["fee_line"]]
    assert (fee["kind"], fee["date"], fee["amount"], fee["status"]) == (
        "sale",
        "2010-07-20",
        "7.00",
        None,
    )
    reversal = lines[outcome["reversal_line"]]
    assert (
        reversal["kind"],
        reversal["amount"],
        reversal["status"],
        reversal["date"],
        reversal["paid_on"],
    ) == ("payment", "-50.00", "PAID", "2010-07-20", "2010-07-20")
    representation = lines[again]
    assert (
        representation["amount"],
        representation["status"],
        representation["mode"],
        representation["due_date"],
        representation["paid_on"],
        representation["represents"],
    ) == ("57.00", "SCHEDULED", "CHEQUE", "2010-07-20", None, july)
    # 607.00 sold by the 20th (600.00 + 7.00); 50.00 - 50.00 + 57.00 + 11 × 50.00 expected
    assert (ledger["balance"], ledger["overdue"], ledger["blocked"]) == ("0.00", "0.00", False)
    assert dunning_since(run) == date(2010, 7, 20)

    assert run.json("access", "C001", "--as-of", "2010-07-20")["allowed"] is True
    next_day = run.json("access", "C001", "--as-of", "2010-07-21")
    assert next_day["allowed"] is False and "57.00" in next_day["reason"]
    ledger = run.json("ledger", "C001", "--as-of", "2010-07-21")
    assert (ledger["balance"], ledger["overdue"], ledger["blocked"]) == ("-57.00", "57.00", True)
    assert run.json("access", "C001", "--as-of", "2010-07-27")["allowed"] is False

    paid = run.json("pay", again, "--as-of", "2010-07-27", "--mode", "CHEQUE")
    assert paid == {"line": again, "status": "PAID", "paid_on": "2010-07-27", "mode": "CHEQUE"}
    assert run.json("access", "C001", "--as-of", "2010-07-27")["allowed"] is True
    ledger = run.json("ledger", "C001", "--as-of", "2010-07-27")
    assert (ledger["balance"], ledger["overdue"], ledger["blocked"]) == ("0.00", "0.00", False)
    assert by_id(ledger)[again]["paid_on"] == "2010-07-27"
    assert by_id(ledger)[august]["status"] == "SCHEDULED"


def test_unpaid_with_dunning_between(run):
    """The unpaid opens dunning: a reminder the day the member is blocked, none after payment."""
    july, *_ = july_paid(run)
    again = run.json("unpay", july, "--as-of", "2010-07-20", "--fee-article", "FRAIS_REJET_7")[
        "representation_lines"
    ][0]
    assert run.json("dunning", "run", "--as-of", "2010-07-20") == {
        "as_of": "2010-07-20",
        "notices": [],
        "closed": [],
    }
    reminder = run.json("dunning", "run", "--as-of", "2010-07-21")
    [notice] = reminder["notices"]
    assert {key: notice[key] for key in ("customer", "level", "title", "overdue")} == {
        "customer": "C001",
        "level": 1,
        "title": "Rappel",
        "overdue": "57.00",
    }
    assert Path(notice["path"]).parent == configuration(run).folders.notices
    run("pay", again, "--as-of", "2010-07-27")
    assert run.json("dunning", "run", "--as-of", "2010-07-27")["closed"] == ["C001"]
    assert dunning_since(run) is None


def test_unpaid_represented_by_direct_debit_in_the_august_file(run):
    july, august, *_ = july_paid(run)
    outcome = run.json(
        "unpay", july, "--as-of", "2010-07-20", "--fee-article", "FRAIS_REJET_7",
        "--mode", "DIRECT_DEBIT", "--date", "2010-08-05",
    )  # fmt: skip
    [again] = outcome["representation_lines"]
    line = by_id(run.json("ledger", "C001", "--as-of", "2010-07-20"))[again]
    assert (line["amount"], line["mode"], line["due_date"], line["status"], line["represents"]) == (
        "57.00",
        "DIRECT_DEBIT",
        "2010-08-05",
        "SCHEDULED",
        july,
    )
    # a direct debit of a new amount is pre-notified: 05/08 is more than 14 days after 20/07
    notices = configuration(run).folders.notices
    [email_file] = notices.glob("prenotification-*.eml")
    email = message_from_string(email_file.read_text(encoding="utf-8"), policy=policy.default)
    assert email["To"] == "elodie.martin@example.fr"
    body = email.get_content()
    assert "57,00 EUR" in body and "05/08/2010" in body
    assert "CLUB-C001-2010" in body and "FR72ZZZ123456" in body

    # nothing overdue before the collection: the member keeps access
    assert run.json("access", "C001", "--as-of", "2010-07-21")["allowed"] is True
    collected = run.json("collect", "--as-of", "2010-08-01")
    assert collected["collected"] == 2 and collected["skipped"] == []
    [bank_file] = collected["files"]
    assert (bank_file["transactions"], bank_file["control_sum"]) == (2, "107.00")
    lines = by_id(run.json("ledger", "C001", "--as-of", "2010-08-01"))
    assert lines[again]["status"] == lines[august]["status"] == "SUBMITTED"

    tree = etree.parse(bank_file["path"])
    ns = {"p": tree.getroot().nsmap[None]}
    [block] = tree.findall(".//p:PmtInf", ns)
    assert block.findtext(".//p:SeqTp", namespaces=ns) == "RCUR"
    assert block.findtext("p:ReqdColltnDt", namespaces=ns) == "2010-08-05"
    amounts = sorted(node.text for node in block.findall(".//p:InstdAmt", ns))
    assert amounts == ["50.00", "57.00"]
