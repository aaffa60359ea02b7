"""End to end: collect → the bank's pain.002 and camt.054 → import → the policy's effects.

PRODUCT §4 and §5: AM04 re-presented by direct debit at the next collection, AC04 and MD01
revoke the mandate (MD01 without fee), MD06 (a refund, with a 3.00 bank charge kept apart)
re-presented by cheque today, a batch-level FF01 puts its lines back to SCHEDULED with no fee;
importing the same files again changes nothing.
"""

from __future__ import annotations

from datetime import date

import pytest
from returns_import.bank_messages import camt054, pain002
from sqlalchemy import select

from sepa_batch import config as config_module
from sepa_batch.db.schema import Customer, LedgerLine, Mandate, ReturnItem
from sepa_batch.db.session import Database

CREDITOR_IBAN = "FR7630006000011234567890189"


@pytest.fixture
def collected(run, tmp_path):
    """C001–C004 subscribed (50.00 on the 5th), C009 with one instalment on the 6th, collected."""
    for code in ("C001", "C002", "C003", "C004"):
        run(
            "subscribe",
            code,
            "--article",
            "SUB_MONTH",
            "--start",
            "2010-07-01",
            "--months",
            "2",
            "--as-of",
            "2010-07-01",
        )
    run("instalment", "C009", "--amount", "30.00", "--due", "2010-07-06", "--as-of", "2010-07-01")
    result = run.json("collect", "--as-of", "2010-07-01", "--until", "2010-07-06")
    [bank_file] = result["files"]
    assert result["collected"] == 5
    config = config_module.load(run.config_path)
    db = Database(config.database_url)
    yield run, db, bank_file["message_id"], tmp_path
    db.dispose()


def first_line(db, customer: str) -> LedgerLine:
    with db.reader() as session:
        return (
            session.execute(
                select(LedgerLine)
                .join(Customer, Customer.id == LedgerLine.customer_id)
                .where(Customer.code == customer, LedgerLine.kind == "payment")
                .order_by(LedgerLine.id)
            )
            .scalars()
            .first()
        )


def lines_of(db, customer: str) -> list[LedgerLine]:
    with db.reader() as session:
        return list(
            session.execute(
                select(LedgerLine)
                .join(Customer, Customer.id == LedgerLine.customer_id)
                .where(Customer.code == customer)
                .order_by(LedgerLine.id)
            ).scalars()
        )


def mandate_status(db, customer: str) -> str:
    with db.reader() as session:
        return session.execute(
            select(Mandate.status)
            .join(Customer, Customer.id == Mandate.customer_id)
            .where(Customer.code == customer)
        ).scalar_one()


def snapshot(db) -> list[tuple]:
    with db.reader() as session:
        return [
            tuple(row)
            for row in session.execute(
                select(
                    LedgerLine.id,
                    LedgerLine.status,
                    LedgerLine.amount_cents,
                    LedgerLine.due_date,
                    LedgerLine.mode,
                ).order_by(LedgerLine.id)
            )
        ]


def test_returns_run_the_policy_and_never_twice(collected):
    run, db, message_id, tmp_path = collected
    e2e = {code: first_line(db, code) for code in ("C001", "C002", "C003", "C004", "C009")}
    frst_0705 = e2e["C001"].end_to_end_id and f"{message_id}-001"
    frst_0706 = f"{message_id}-002"
    rejects = pain002(
        "PSR-1",
        message_id,
        rejects=[
            (frst_0705, e2e["C001"].end_to_end_id, 5000, "AM04"),
            (frst_0705, e2e["C002"].end_to_end_id, 5000, "AC04"),
            (frst_0705, e2e["C003"].end_to_end_id, 5000, "MD01"),
        ],
        batch_rejects=[(frst_0706, "FF01")],
    )
    status_file = tmp_path / "pain002.xml"
    status_file.write_bytes(rejects)
    outcome = run.json("returns", "import", status_file, "--as-of", "2010-07-04")
    assert outcome["files"][0]["applied"] == 4 and outcome["files"][0]["unmatched"] == 0

    run("settle", "--as-of", "2010-07-06")
    refund_file = tmp_path / "camt054.xml"
    refund_file.write_bytes(
        camt054(
            "NTF-1",
            CREDITOR_IBAN,
            [(e2e["C004"].end_to_end_id, 5000, "MD06", 300)],
            date(2010, 7, 12),
        )
    )
    outcome = run.json("returns", "import", refund_file, "--as-of", "2010-07-12")
    assert outcome["files"][0]["applied"] == 1

    # AM04: fee 10.00, re-presented by direct debit at the next collection day ≥ 14 days on
    c001 = lines_of(db, "C001")
    unpaid, august = c001[1], c001[2]
    fee, reversal, again = c001[3:]
    assert (unpaid.status, unpaid.reason_code) == ("UNPAID", "AM04")
    assert (fee.kind, fee.amount_cents) == ("sale", 1000)
    assert (reversal.amount_cents, reversal.status, reversal.paid_on) == (
        -5000,
        "PAID",
        date(2010, 7, 4),
    )
    assert (again.amount_cents, again.mode, again.due_date, again.represents_id) == (
        6000,
        "DIRECT_DEBIT",
        date(2010, 8, 5),
        unpaid.id,
    )
    assert mandate_status(db, "C001") == "ACTIVE"
    assert august.status == "SCHEDULED"
    # AC04: fee, cheque today, mandate revoked
    c002 = lines_of(db, "C002")
    assert [line.amount_cents for line in c002[3:]] == [1000, -5000, 6000]
    assert (c002[-1].mode, c002[-1].due_date) == ("CHEQUE", date(2010, 7, 4))
    assert mandate_status(db, "C002") == "REVOKED"
    # MD01: no fee, cheque today, mandate revoked
    c003 = lines_of(db, "C003")
    assert [line.amount_cents for line in c003[3:]] == [-5000, 5000]
    assert mandate_status(db, "C003") == "REVOKED"
    # MD06 after settlement: fee, cheque on the import day; the 3.00 charge kept apart
    c004 = lines_of(db, "C004")
    assert c004[1].status == "UNPAID" and c004[1].paid_on == date(2010, 7, 5)
    assert [line.amount_cents for line in c004[3:]] == [1000, -5000, 6000]
    assert (c004[-1].mode, c004[-1].due_date) == ("CHEQUE", date(2010, 7, 12))
    with db.reader() as session:
        charge = session.execute(
            select(ReturnItem.charges_cents).where(ReturnItem.reason_code == "MD06")
        ).scalar_one()
    assert charge == 300
    # FF01 on the whole block: back to SCHEDULED, no fee, no new line
    c009 = lines_of(db, "C009")
    assert len(c009) == 1 and c009[0].status == "SCHEDULED" and c009[0].reason_code == "FF01"
    # dunning opened for the four customers with a customer unpaid, not for C009
    with db.reader() as session:
        opened = set(
            session.execute(
                select(Customer.code).where(Customer.dunning_since.is_not(None))
            ).scalars()
        )
    assert opened == {"C001", "C002", "C003", "C004"}

    # the same files again change nothing
    before = snapshot(db)
    for path in (status_file, refund_file):
        again_outcome = run.json("returns", "import", path, "--as-of", "2010-07-20")["files"][0]
        assert again_outcome["applied"] == 0 and again_outcome["duplicates"] > 0
    assert snapshot(db) == before

    # the next collection: re-presentation + August for C001 (FRST again: the first was
    # rejected), C009's rescheduled line, C004's August; C002 and C003 are revoked
    result = run.json("collect", "--as-of", "2010-08-01")
    skipped = {(s["customer"], s["reason"]) for s in result["skipped"]}
    assert skipped == {("C002", "mandate revoked"), ("C003", "mandate revoked")}
    collected_ids = {
        line.id
        for line in (*lines_of(db, "C001"), *lines_of(db, "C004"), *lines_of(db, "C009"))
        if line.status == "SUBMITTED"
    }
    assert collected_ids == {august.id, again.id, c004[2].id, c009[0].id}
    assert result["collected"] == 4


def test_a_file_for_another_account_is_refused(collected):
    run, db, _message_id, tmp_path = collected
    line = first_line(db, "C001")
    path = tmp_path / "other.xml"
    path.write_bytes(
        camt054(
            "NTF-X",
            "DE89370400440532013000",
            [(line.end_to_end_id, 5000, "AM04", 0)],
            date(2010, 7, 12),
        )
    )
    before = snapshot(db)
    result = run("returns", "import", path, "--as-of", "2010-07-12", "--json", expect=1)
    document = __import__("json").loads(result.stdout)["files"][0]
    assert "not for the creditor's account" in document["error"]
    assert snapshot(db) == before


def test_unmatched_items_are_kept_for_review(collected):
    run, _db, _message_id, tmp_path = collected
    path = tmp_path / "unknown.xml"
    path.write_bytes(
        camt054("NTF-U", CREDITOR_IBAN, [("NOT-OURS-1", 4200, "AM04", 0)], date(2010, 7, 12))
    )
    outcome = run.json("returns", "import", path, "--as-of", "2010-07-12")["files"][0]
    assert (outcome["applied"], outcome["unmatched"]) == (0, 1)
    [item] = run.json("returns", "unmatched")["items"]
    assert (item["end_to_end_id"], item["amount"], item["reason_code"]) == (
        "NOT-OURS-1",
        "42.00",
        "AM04",
    )


def test_a_block_rejected_with_its_transactions_listed_is_a_customer_unpaid(collected):
    """The bank rejects the whole 6 July block and lists its only transaction, AM04: the
    transaction's reason wins; the block-level reject has nothing left to send back."""
    run, db, message_id, tmp_path = collected
    line = first_line(db, "C009")
    block = f"{message_id}-002"
    path = tmp_path / "pain002-block.xml"
    path.write_bytes(
        pain002(
            "PSR-B",
            message_id,
            batch_rejects=[(block, "AM04")],
            rejects=[(block, line.end_to_end_id, 3000, "AM04")],
        )
    )
    run.json("returns", "import", path, "--as-of", "2010-07-04")
    c009 = lines_of(db, "C009")
    assert (c009[0].status, c009[0].reason_code) == ("UNPAID", "AM04")
    assert [again.amount_cents for again in c009[1:]] == [1000, -3000, 4000]
