"""``unpay`` and ``pay`` options and refusals through the CLI: splits, fees, illegal moves.

A refusal exits 1 with a message naming the line and the field, and changes nothing: the
tables the workflow touches are compared row by row before and after.
"""

from __future__ import annotations

import pytest
from unpaid.unpaid_support import by_id, database, july_paid, snapshot

from sepa_batch.db.schema import LedgerLine

UNPAY = ("--as-of", "2010-07-20")


def said(result) -> str:
    """The refusal message on stderr, unwrapped."""
    return " ".join(result.stderr.split())


def ledger(run) -> dict[int, dict]:
    return by_id(run.json("ledger", "C001", "--as-of", "2010-07-20"))


def test_split_that_adds_up(run):
    july, *_ = july_paid(run)
    outcome = run.json(
        "unpay", july, *UNPAY, "--fee-article", "FRAIS_REJET_7",
        "--instalment", "2010-07-25:30.00", "--instalment", "2010-08-25:27.00",
    )  # fmt: skip
    lines = ledger(run)
    first, second = (lines[number] for number in outcome["representation_lines"])
    assert (first["amount"], first["due_date"], first["mode"], first["represents"]) == (
        "30.00",
        "2010-07-25",
        "CHEQUE",
        july,
    )
    assert (second["amount"], second["due_date"], second["mode"], second["represents"]) == (
        "27.00",
        "2010-08-25",
        "CHEQUE",
        july,
    )
    assert first["label"].endswith("(1/2)") and second["label"].endswith("(2/2)")
    assert lines[outcome["fee_line"]]["amount"] == "7.00"


def test_split_direct_debit_part_is_moved_past_the_pre_notification(run):
    july, *_ = july_paid(run)
    outcome = run.json(
        "unpay", july, *UNPAY, "--fee-article", "FRAIS_REJET_7", "--label", "Juillet impayé",
        "--instalment", "2010-07-25:30.00:DIRECT_DEBIT", "--instalment", "2010-07-30:27.00",
    )  # fmt: skip
    lines = ledger(run)
    debit, cheque = (lines[number] for number in outcome["representation_lines"])
    # 2010-07-25 is less than 14 days after the 20th: the next collection day after 08-03
    assert (debit["mode"], debit["due_date"], debit["label"]) == (
        "DIRECT_DEBIT",
        "2010-08-05",
        "Juillet impayé (1/2)",
    )
    assert (cheque["mode"], cheque["due_date"]) == ("CHEQUE", "2010-07-30")


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (["2010-07-25:30.00", "2010-08-25:20.00"], "add up to 50.00, not to the unpaid amount"),
        (["2010-07-25:60.00", "2010-08-25:-3.00"], "every instalment must be positive"),
        (["2010-07-25:57.00:PAYPAL"], "unknown mode"),
        (["25/07/2010:57.00"], "not a date"),
        (["2010-07-25"], "expected DATE:AMOUNT"),
    ],
)
def test_split_that_does_not_add_up_changes_nothing(run, parts, message):
    july, *_ = july_paid(run)
    before = snapshot(run)
    arguments = [argument for part in parts for argument in ("--instalment", part)]
    result = run("unpay", july, *UNPAY, "--fee-article", "FRAIS_REJET_7", *arguments, expect=1)
    assert message in said(result)
    assert snapshot(run) == before


@pytest.mark.parametrize(
    ("options", "fee", "representation"),
    [
        ([], "10.00", "60.00"),  # the configured article, FRAIS_REJET
        (["--fee-article", "FRAIS_REJET_7"], "7.00", "57.00"),
        (["--fee-article", "FRAIS_REJET_7", "--fee-amount", "12.50"], "12.50", "62.50"),
        (["--fee-amount", "0"], None, "50.00"),  # zero: no sale line
        (["--no-fee"], None, "50.00"),
    ],
)
def test_fees(run, options, fee, representation):
    july, *_ = july_paid(run)
    outcome = run.json("unpay", july, *UNPAY, *options)
    lines = ledger(run)
    if fee is None:
        assert outcome["fee_line"] is None
        assert [line["amount"] for line in lines.values() if line["kind"] == "sale"] == ["600.00"]
    else:
        assert lines[outcome["fee_line"]]["amount"] == fee
    [again] = outcome["representation_lines"]
    assert lines[again]["amount"] == representation


def test_no_fee_excludes_a_fee_amount(run):
    july, *_ = july_paid(run)
    run("unpay", july, *UNPAY, "--no-fee", "--fee-amount", "3.00", expect=2)


def cancel(run, line_id: int) -> None:
    db = database(run)
    try:
        with db.transaction() as session:
            session.get(LedgerLine, line_id).status = "CANCELLED"
    finally:
        db.dispose()


@pytest.mark.parametrize(
    ("command", "which", "message"),
    [
        (
            "unpay",
            "unpaid",
            "this line is unpaid (UNPAID), so it cannot be marked unpaid: it is already unpaid",
        ),
        (
            "pay",
            "unpaid",
            "this line is unpaid (UNPAID), so it cannot be paid: pay its re-presentation line",
        ),
        ("pay", "paid", "this line is paid (PAID), so it cannot be paid: it is already paid"),
        ("pay", "reversal", "this line is paid (PAID), so it cannot be paid"),
        ("unpay", "reversal", "amount: only a positive payment can be unpaid"),
        ("unpay", "cancelled", "this line is cancelled (CANCELLED), so it cannot be marked unpaid"),
        (
            "unpay",
            "scheduled",
            "this line is open (SCHEDULED), so it cannot be marked unpaid: it was never",
        ),
        ("unpay", "sale", "is a sale line"),
        ("pay", "missing", "not found"),
    ],
)
def test_illegal_moves_change_nothing(run, command, which, message):
    july, august, september, *_ = july_paid(run)
    outcome = run.json("unpay", july, *UNPAY, "--no-fee")
    [again] = outcome["representation_lines"]
    run("pay", again, "--as-of", "2010-07-22")
    cancel(run, september)
    line = {
        "unpaid": july,
        "paid": again,
        "reversal": outcome["reversal_line"],
        "cancelled": september,
        "scheduled": august,
        "sale": 1,
        "missing": 999,
    }[which]
    before = snapshot(run)
    result = run(command, line, "--as-of", "2010-07-25", expect=1)
    assert f"line {line}" in said(result) and message in said(result)
    assert snapshot(run) == before


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--fee-article", "NOPE"], "article NOPE: not found"),
        (["--fee-article", "FRAIS_RELANCE"], "article FRAIS_RELANCE: kind: is DUNNING_FEE"),
        (["--label", "x" * 141], "label: at most 140 characters"),
        (["--reason", "AC04", "--mode", "DIRECT_DEBIT"], "mode: a direct-debit re-presentation"),
    ],
)
def test_bad_options_change_nothing(run, options, message):
    july, *_ = july_paid(run)
    before = snapshot(run)
    result = run("unpay", july, *UNPAY, *options, expect=1)
    assert message in said(result)
    assert snapshot(run) == before


def test_direct_debit_for_a_customer_without_mandate_is_refused(run):
    """C012 has no mandate: an unpaid cheque can be re-presented by cheque, not by debit."""
    run("instalment", "C012", "--amount", "40.00", "--due", "2010-07-05", "--mode", "CHEQUE",
        "--as-of", "2010-07-01")  # fmt: skip
    [line] = [item["id"] for item in run.json("ledger", "C012")["lines"]]
    run("pay", line, "--as-of", "2010-07-05")
    before = snapshot(run)
    result = run("unpay", line, *UNPAY, "--mode", "DIRECT_DEBIT", expect=1)
    assert f"line {line}: mode:" in said(result)
    assert snapshot(run) == before
    run("unpay", line, *UNPAY, "--mode", "CHEQUE")


@pytest.mark.parametrize(
    ("code", "reason"),
    [("AC04", "mandate revoked"), ("MD01", "mandate revoked"),
     ("AC01", "mandate flagged: debtor data to correct")],
)  # fmt: skip
def test_later_direct_debits_are_skipped_once_the_mandate_is_revoked(run, code, reason):
    july, august, *_ = july_paid(run, months=2)
    run("unpay", july, *UNPAY, "--reason", code)
    result = run.json("collect", "--as-of", "2010-08-01")
    assert result["collected"] == 0 and result["files"] == []
    assert result["skipped"] == [{"line": august, "customer": "C001", "reason": reason}]


def test_the_ledger_shows_it_all(run):
    """The original UNPAID with its reason code, the three new lines, the link, the position."""
    july, *_ = july_paid(run, months=2)
    outcome = run.json("unpay", july, *UNPAY, "--reason", "MS02", "--fee-article", "FRAIS_REJET_7")
    document = run.json("ledger", "C001", "--as-of", "2010-07-21")
    # sold 100.00 + 7.00; counting: 50.00 (unpaid) - 50.00 + 50.00 (August); 57.00 overdue
    assert (document["balance"], document["overdue"], document["blocked"]) == (
        "-57.00",
        "57.00",
        True,
    )
    summary = [
        (line["kind"], line["amount"], line["status"], line["represents"], line["reason_code"])
        for line in document["lines"]
    ]
    [again] = outcome["representation_lines"]
    assert summary == [
        ("sale", "100.00", None, None, None),
        ("payment", "50.00", "UNPAID", None, "MS02"),
        ("payment", "50.00", "SCHEDULED", None, None),
        ("sale", "7.00", None, None, None),
        ("payment", "-50.00", "PAID", None, None),
        ("payment", "57.00", "SCHEDULED", july, None),
    ]
    assert [line["id"] for line in document["lines"]][-3:] == [
        outcome["fee_line"],
        outcome["reversal_line"],
        again,
    ]
