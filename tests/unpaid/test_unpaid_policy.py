"""The reason-code policy (PRODUCT §4), one row per code, on the service that the return import
and ``unpay --reason`` share. Expected values are the specification's table, written out here:
the July instalment of 50.00 (a direct debit) comes back on 2010-07-08; the configured
rejection fee is FRAIS_REJET, 10.00; pre-notification 14 days, collection on the 5th."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from sepa_batch import collection
from sepa_batch.db.schema import Customer, LedgerLine, Mandate, PreNotification
from sepa_batch.errors import InvalidInput, TransitionRefused
from sepa_batch.unpaid import UnpayOptions, unpay

DAY = date(2010, 7, 8)
NEXT_COLLECTION = date(2010, 8, 5)  # first 5th on or after 2010-07-22 (= 07-08 + 14 days)

UNPAID_ROWS = [
    # code, fee (cents), re-presentation mode, due date, mandate afterwards
    ("AM04", 1000, "DIRECT_DEBIT", NEXT_COLLECTION, "ACTIVE"),  # no funds: again next month
    ("MS03", 1000, "DIRECT_DEBIT", NEXT_COLLECTION, "ACTIVE"),  # no reason given
    ("MD06", 1000, "CHEQUE", DAY, "ACTIVE"),  # refund requested by the debtor
    ("MS02", 1000, "CHEQUE", DAY, "ACTIVE"),  # refused by the debtor
    ("AC06", 1000, "CHEQUE", DAY, "ACTIVE"),  # account blocked to direct debits
    ("AC04", 1000, "CHEQUE", DAY, "REVOKED"),  # account closed
    ("AC13", 1000, "CHEQUE", DAY, "REVOKED"),  # debtor is a consumer account (invalid)
    ("AG01", 1000, "CHEQUE", DAY, "REVOKED"),  # transaction forbidden on this account
    ("DNOR", 1000, "CHEQUE", DAY, "REVOKED"),  # debtor bank not registered
    ("SL01", 1000, "CHEQUE", DAY, "REVOKED"),  # specific service of the debtor bank
    ("RR04", 1000, "CHEQUE", DAY, "REVOKED"),  # regulatory reason
    ("FRAD", 1000, "CHEQUE", DAY, "REVOKED"),  # fraud
    ("MD01", 0, "CHEQUE", DAY, "REVOKED"),  # no valid mandate: no fee
    ("MD07", 0, "CHEQUE", DAY, "REVOKED"),  # debtor deceased: no fee
    ("AC01", 1000, "CHEQUE", DAY, "FLAGGED"),  # wrong IBAN
    ("RC01", 1000, "CHEQUE", DAY, "FLAGGED"),  # wrong BIC
    ("MD02", 1000, "CHEQUE", DAY, "FLAGGED"),  # mandate data missing or wrong
    ("RR01", 1000, "CHEQUE", DAY, "FLAGGED"),  # debtor account or identification missing
    ("RR02", 1000, "CHEQUE", DAY, "FLAGGED"),  # debtor name or address missing
    ("XX99", 1000, "CHEQUE", DAY, "ACTIVE"),  # unknown code: the default row
    ("am04", 1000, "DIRECT_DEBIT", NEXT_COLLECTION, "ACTIVE"),  # codes are case-insensitive
]


def customer_lines(db) -> list[LedgerLine]:
    with db.reader() as session:
        return list(session.execute(select(LedgerLine).order_by(LedgerLine.id)).scalars())


def mandate(db) -> Mandate:
    with db.reader() as session:
        return session.execute(
            select(Mandate).join(Customer).where(Customer.code == "C001")
        ).scalar_one()


def dunning_since(db) -> date | None:
    with db.reader() as session:
        return session.execute(
            select(Customer.dunning_since).where(Customer.code == "C001")
        ).scalar_one()


@pytest.mark.parametrize(("code", "fee", "mode", "due", "mandate_after"), UNPAID_ROWS)
def test_unpaid_rows(db, config, july_paid, code, fee, mode, due, mandate_after):
    original_id = july_paid[0]
    outcome = unpay(db, config, original_id, DAY, UnpayOptions(reason_code=code))
    lines = {line.id: line for line in customer_lines(db)}
    original = lines[original_id]
    assert (original.status, original.reason_code) == ("UNPAID", code.upper())

    if fee:
        sale = lines[outcome.fee_line]
        assert (sale.kind, sale.amount_cents, sale.date) == ("sale", fee, DAY)
    else:
        assert outcome.fee_line is None
    reversal = lines[outcome.reversal_line]
    assert (reversal.amount_cents, reversal.status, reversal.paid_on) == (-5000, "PAID", DAY)
    assert (reversal.reverses_id, reversal.represents_id) == (original_id, None)
    [again_id] = outcome.representation_lines
    again = lines[again_id]
    assert (again.amount_cents, again.mode, again.due_date, again.status) == (
        5000 + fee,
        mode,
        due,
        "SCHEDULED",
    )
    assert again.represents_id == original_id
    assert again.direct_debit_tries == (1 if mode == "DIRECT_DEBIT" else 0)
    assert len(lines) == 4 + (3 if fee else 2)

    after = mandate(db)
    assert after.status == mandate_after
    assert after.status_reason == (None if mandate_after == "ACTIVE" else code.upper())
    with db.reader() as session:
        notified = session.execute(select(PreNotification.line_id)).scalars().all()
    assert notified == ([again_id] if mode == "DIRECT_DEBIT" else [])
    assert dunning_since(db) == DAY


@pytest.mark.parametrize("code", ["BE05", "FF01", "AG02", "CNOR", "RR03", "TECH"])
def test_technical_rejects_go_back_to_the_next_collection(db, config, july, code):
    """Creditor-side or technical: no unpaid workflow, no fee; the line is collected again,
    as a FRST again since the first collection did not go through."""
    before = len(customer_lines(db))
    outcome = unpay(db, config, july[0], DAY, UnpayOptions(reason_code=code))
    assert outcome.action == "reschedule" and outcome.document()["reversal_line"] is None
    lines = customer_lines(db)
    assert len(lines) == before
    line = next(line for line in lines if line.id == july[0])
    assert (line.status, line.reason_code, line.batch_id, line.end_to_end_id) == (
        "SCHEDULED",
        code,
        None,
        None,
    )
    assert (mandate(db).status, mandate(db).first_used) == ("ACTIVE", False)
    assert dunning_since(db) is None
    again = collection.collect_due(
        db, config, today=date(2010, 7, 9), created_at=datetime(2010, 7, 9, 9, 0),
        until=date(2010, 7, 9),
    )  # fmt: skip
    assert [(b.sequence_type, b.collection_date, b.transactions) for b in again.blocks] == [
        ("FRST", date(2010, 7, 12), 1)  # Friday 9th + 1 business day
    ]


def test_technical_return_after_settlement_is_represented_without_fee(db, config, july_paid):
    """A settled payment cannot go back to SCHEDULED: it is re-presented as it was (a direct
    debit at the next collection), with no fee, no dunning, the mandate kept."""
    outcome = unpay(db, config, july_paid[0], DAY, UnpayOptions(reason_code="TECH"))
    lines = {line.id: line for line in customer_lines(db)}
    assert outcome.fee_line is None
    [again] = outcome.representation_lines
    assert (lines[again].amount_cents, lines[again].mode, lines[again].due_date) == (
        5000,
        "DIRECT_DEBIT",
        NEXT_COLLECTION,
    )
    assert lines[july_paid[0]].status == "UNPAID"
    assert dunning_since(db) is None and mandate(db).status == "ACTIVE"


@pytest.mark.parametrize("code", ["AM05", "DUPL", "FOCR"])
def test_duplicates_are_flagged_for_review_only(db, config, july, code):
    before = len(customer_lines(db))
    outcome = unpay(db, config, july[0], DAY, UnpayOptions(reason_code=code))
    assert outcome.action == "review"
    lines = customer_lines(db)
    assert len(lines) == before
    line = next(line for line in lines if line.id == july[0])
    assert (line.status, line.needs_review, line.reason_code) == ("SUBMITTED", True, code)
    assert dunning_since(db) is None and mandate(db).status == "ACTIVE"


def test_a_rejected_first_collection_is_a_first_collection_again(db, config, july):
    """AM04 on the SUBMITTED FRST (a pain.002 reject): the re-presentation goes out as FRST."""
    outcome = unpay(db, config, july[0], DAY, UnpayOptions(reason_code="AM04"))
    assert mandate(db).first_used is False
    result = collection.collect_due(
        db, config, today=date(2010, 8, 1), created_at=datetime(2010, 8, 1, 9, 0)
    )
    assert result.collected == 2  # August's instalment and the re-presentation, 2010-08-05
    assert "FRST" in {block.sequence_type for block in result.blocks}
    assert {block.collection_date for block in result.blocks} == {date(2010, 8, 5)}
    assert sum(block.control_sum_cents for block in result.blocks) == 5000 + 6000
    assert outcome.representation_lines[0] in {line.id for line in customer_lines(db)}


def test_direct_debit_then_cheque_after_the_maximum_tries(db, config, july_paid):
    """AM04 twice on the chain: the first re-presentation is a direct debit at the next
    collection; when it comes back AM04 too, the policy's 2 tries are spent: cheque, today."""
    first = unpay(db, config, july_paid[0], DAY, UnpayOptions(reason_code="AM04"))
    [again] = first.representation_lines
    collection.collect_due(
        db, config, today=date(2010, 8, 1), created_at=datetime(2010, 8, 1, 9, 0)
    )
    second_day = date(2010, 8, 10)
    second = unpay(db, config, again, second_day, UnpayOptions(reason_code="AM04"))
    lines = {line.id: line for line in customer_lines(db)}
    assert lines[again].status == "UNPAID"
    [cheque] = second.representation_lines
    assert (
        lines[cheque].amount_cents,
        lines[cheque].mode,
        lines[cheque].due_date,
        lines[cheque].represents_id,
        lines[cheque].direct_debit_tries,
    ) == (6000 + 1000, "CHEQUE", second_day, again, 0)
    assert lines[second.reversal_line].amount_cents == -6000
    # the first re-presentation had been collected, so the first cycle was over: a new one
    assert dunning_since(db) == second_day


def test_policy_falls_back_to_a_cheque_without_an_active_mandate(db, config, july_paid):
    with db.transaction() as session:
        session.execute(select(Mandate)).scalars().first()
        for row in session.execute(select(Mandate)).scalars():
            row.status = "FLAGGED"
    outcome = unpay(db, config, july_paid[0], DAY, UnpayOptions(reason_code="AM04"))
    [again] = outcome.representation_lines
    line = next(line for line in customer_lines(db) if line.id == again)
    assert (line.mode, line.due_date) == ("CHEQUE", DAY)


@pytest.mark.parametrize("code", ["AC04", "MD01"])
def test_a_direct_debit_on_a_revoked_mandate_is_refused(db, config, july_paid, code):
    before = [(line.id, line.status) for line in customer_lines(db)]
    with pytest.raises(InvalidInput, match=f"line {july_paid[0]}: mode: .*mandate"):
        unpay(
            db,
            config,
            july_paid[0],
            DAY,
            UnpayOptions(reason_code=code, mode="DIRECT_DEBIT"),
        )
    assert [(line.id, line.status) for line in customer_lines(db)] == before
    assert mandate(db).status == "ACTIVE"


def test_review_codes_refuse_a_line_that_was_never_collected(db, config, july):
    with pytest.raises(TransitionRefused, match=f"line {july[1]}: status"):
        unpay(db, config, july[1], DAY, UnpayOptions(reason_code="DUPL"))


def test_a_malformed_reason_code_is_refused(db, config, july_paid):
    with pytest.raises(InvalidInput, match="reason"):
        unpay(db, config, july_paid[0], DAY, UnpayOptions(reason_code="NOT A CODE"))
