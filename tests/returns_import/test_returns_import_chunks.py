"""A return file is applied by chunks of items (PRODUCT §5, issue 5): what an item changes is
seen by the items after it, in the same chunk or the next, exactly as if they were applied one
by one; new lines get their ids in the order of the file; a return applied meanwhile by another
import only costs a retry."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from returns_import.bank_messages import pain002
from sqlalchemy import select
from support import FIXTURES

from sepa_batch import collection
from sepa_batch.db.schema import (
    AppliedReturn,
    BankFile,
    Customer,
    LedgerLine,
    Mandate,
    PreNotification,
    ReturnItem,
)
from sepa_batch.matching import apply, claims
from sepa_batch.matching import items as item_application
from sepa_batch.services import master_data, sales
from sepa_batch.services.inbox import import_returns

REJECTED_ON = date(2010, 7, 4)


@pytest.fixture
def collected(db, config):
    """C001, C002, C003: SUB_MONTH (50.00 on the 5th) for July and August, both collected in
    one file on 2010-07-01. Lines: C001 sale 1, July 2, August 3; C002 4, 5, 6; C003 7, 8, 9."""
    master_data.import_articles(db, (FIXTURES / "articles.csv").read_text(encoding="utf-8"))
    master_data.import_customers(
        db, (FIXTURES / "customers.csv").read_text(encoding="utf-8"), today=date(2010, 7, 1)
    )
    for code in ("C001", "C002", "C003"):
        sales.subscribe(
            db, code, article="SUB_MONTH", start=date(2010, 7, 1), months=2, day=5,
            today=date(2010, 7, 1),
        )  # fmt: skip
    result = collection.collect_due(
        db, config, today=date(2010, 7, 1), created_at=datetime(2010, 7, 1, 6),
        until=date(2010, 8, 6),
    )  # fmt: skip
    assert result.collected == 6
    with db.reader() as session:
        message_id = session.execute(select(BankFile.message_id)).scalar_one()
        e2e = dict(
            session.execute(
                select(LedgerLine.id, LedgerLine.end_to_end_id).where(
                    LedgerLine.end_to_end_id.is_not(None)
                )
            ).all()
        )
    assert sorted(e2e) == [2, 3, 5, 6, 8, 9]
    return message_id, e2e


def rejects_file(tmp_path, message_id, rejects, name="pain002.xml"):
    path = tmp_path / name
    path.write_bytes(
        pain002(
            f"PSR-{name}", message_id, rejects=[("-", e2e, 5000, code) for e2e, code in rejects]
        )
    )
    return path


def new_lines(db) -> list[tuple]:
    with db.reader() as session:
        return [
            tuple(row)
            for row in session.execute(
                select(
                    LedgerLine.id,
                    Customer.code,
                    LedgerLine.amount_cents,
                    LedgerLine.mode,
                    LedgerLine.due_date,
                    LedgerLine.represents_id,
                    LedgerLine.reverses_id,
                )
                .join(Customer, Customer.id == LedgerLine.customer_id)
                .where(LedgerLine.id > 9)
                .order_by(LedgerLine.id)
            )
        ]


def test_items_see_what_the_items_before_them_changed(db, config, collected, tmp_path, monkeypatch):
    monkeypatch.setattr(item_application, "CHUNK", 4)  # items 1-4, then 5-6
    message_id, e2e = collected
    path = rejects_file(
        tmp_path,
        message_id,
        [
            (e2e[2], "MD01"),  # C001 July: no fee, cheque today, the mandate revoked
            (e2e[3], "AM04"),  # C001 August: a direct debit no more (revoked): cheque today
            (e2e[5], "AM04"),  # C002 July: fee, direct debit at the next collection
            (e2e[5], "AM04"),  # the same return again: a duplicate
            (e2e[8], "AM05"),  # C003 July: held for review, nothing else
            ("NOT-OURS-1", "AM04"),
        ],
    )
    [outcome] = import_returns(db, config, [path], REJECTED_ON)
    assert (
        outcome.applied,
        outcome.duplicates,
        outcome.unmatched,
        outcome.review,
        outcome.recorded,
    ) == (3, 1, 1, 1, 0)
    assert new_lines(db) == [
        (10, "C001", -5000, "DIRECT_DEBIT", REJECTED_ON, None, 2),  # item 1: reversal
        (11, "C001", 5000, "CHEQUE", REJECTED_ON, 2, None),  # item 1: re-presentation
        (12, "C001", 1000, None, None, None, None),  # item 2: fee
        (13, "C001", -5000, "DIRECT_DEBIT", REJECTED_ON, None, 3),
        (14, "C001", 6000, "CHEQUE", REJECTED_ON, 3, None),
        (15, "C002", 1000, None, None, None, None),  # item 3
        (16, "C002", -5000, "DIRECT_DEBIT", REJECTED_ON, None, 5),
        # 04/07 + 14 days → 5/8, but the file of 5/8 is written already (collected on 1/7
        # until 6/8): the next file not yet written, 5/9
        (17, "C002", 6000, "DIRECT_DEBIT", date(2010, 9, 5), 5, None),
    ]
    with db.reader() as session:
        lines = {line.id: line for line in session.execute(select(LedgerLine)).scalars()}
        mandates = dict(
            session.execute(
                select(Customer.code, Mandate.status).join(
                    Customer, Customer.id == Mandate.customer_id
                )
            ).all()
        )
        opened = dict(session.execute(select(Customer.code, Customer.dunning_since)).all())
        prenotified = [row.line_id for row in session.execute(select(PreNotification)).scalars()]
        items = [
            (row.end_to_end_id, row.outcome, row.line_id)
            for row in session.execute(select(ReturnItem).order_by(ReturnItem.id)).scalars()
        ]
    assert [(lines[i].status, lines[i].reason_code) for i in (2, 3, 5, 6, 8, 9)] == [
        ("UNPAID", "MD01"),
        ("UNPAID", "AM04"),
        ("UNPAID", "AM04"),
        ("SUBMITTED", None),
        ("SUBMITTED", None),
        ("SUBMITTED", None),
    ]
    assert lines[8].needs_review is True and lines[5].needs_review is False
    assert lines[8].held_by_return_id is not None and lines[5].held_by_return_id is None
    assert lines[12].label == "Frais de rejet de prélèvement, paiement n° 3"  # [club] language fr
    assert (mandates["C001"], mandates["C002"], mandates["C003"]) == ("REVOKED", "ACTIVE", "ACTIVE")
    assert (opened["C001"], opened["C002"], opened["C003"]) == (REJECTED_ON, REJECTED_ON, None)
    assert prenotified == [17]
    assert (config.folders.notices / "prenotification-C002-line17.eml").exists()
    assert items == [
        (e2e[2], "applied", 2),
        (e2e[3], "applied", 3),
        (e2e[5], "applied", 5),
        (e2e[5], "duplicate", 5),
        (e2e[8], "review", 8),
        ("NOT-OURS-1", "unmatched", None),
    ]


def test_the_same_return_in_a_later_chunk_is_a_duplicate(
    db, config, collected, tmp_path, monkeypatch
):
    monkeypatch.setattr(item_application, "CHUNK", 2)
    message_id, e2e = collected
    path = rejects_file(
        tmp_path,
        message_id,
        [(e2e[2], "AM04"), (e2e[5], "AM04"), (e2e[8], "AM04"), (e2e[2], "AM04"), (e2e[9], "FF01")],
    )
    [outcome] = import_returns(db, config, [path], REJECTED_ON)
    assert (outcome.applied, outcome.duplicates) == (4, 1)
    with db.reader() as session:
        line_9 = session.get(LedgerLine, 9)
        guards = set(session.execute(select(AppliedReturn.end_to_end_id)).scalars())
    # FF01 before settlement: back to the next collection, out of its batch and file
    assert (line_9.status, line_9.batch_id, line_9.end_to_end_id) == ("SCHEDULED", None, None)
    assert guards == {e2e[2], e2e[5], e2e[8], e2e[9]}
    # 3 unpaid lines × (fee, reversal, re-presentation)
    assert len(new_lines(db)) == 9


def test_a_return_applied_meanwhile_costs_a_retry(db, config, collected, tmp_path, monkeypatch):
    message_id, e2e = collected
    first = rejects_file(tmp_path, message_id, [(e2e[5], "AM04")], name="first.xml")
    [outcome] = import_returns(db, config, [first], REJECTED_ON)
    assert outcome.applied == 1
    before = new_lines(db)

    # another import claimed the return after this one looked: the unique key stops the
    # first attempt, which leaves nothing; the retry sees the return applied
    look_up, apply_parsed, attempts = claims.Claims.look_up, apply._apply_parsed, []

    def attempt(*args):
        attempts.append(args)
        return apply_parsed(*args)

    def blind_on_the_first_attempt(claims, keys):
        if len(attempts) > 1:
            look_up(claims, keys)

    monkeypatch.setattr(apply, "_apply_parsed", attempt)
    monkeypatch.setattr(claims.Claims, "look_up", blind_on_the_first_attempt)
    second = rejects_file(
        tmp_path, message_id, [(e2e[5], "AM04"), (e2e[6], "AM04")], name="second.xml"
    )
    [outcome] = import_returns(db, config, [second], REJECTED_ON)
    assert (outcome.applied, outcome.duplicates, len(attempts)) == (1, 1, 2)
    lines = new_lines(db)
    assert lines[: len(before)] == before
    assert [line[6] for line in lines[len(before) :]] == [None, 6, None]  # fee, reversal, again
    with db.reader() as session:
        names = list(session.execute(select(ReturnItem.outcome).order_by(ReturnItem.id)).scalars())
    assert names == ["applied", "duplicate", "applied"]
