"""Returns that need a person: the review queue (issue 10, points 1 and 8).

AM05 / DUPL / FOCR (the policy's ``review`` row) and any return whose amount or currency is not
what was collected put the matched line on hold: it stays as it was (SUBMITTED or PAID), is not
settled, is shown ``held`` in the ledger and listed by ``returns review`` (alias ``returns
unmatched``) until ``returns resolve`` applies or dismisses the item, audited.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from returns_import.bank_messages import camt054, pain002
from returns_import.test_returns_import_flow import (
    CREDITOR_IBAN,
    collected,  # noqa: F401 - the fixture
    first_line,
    lines_of,
    snapshot,
)
from sqlalchemy import select

from sepa_batch.db.schema import ReturnItem


def _held_line(document: dict, line_id: int) -> dict:
    [line] = [line for line in document["lines"] if line["id"] == line_id]
    return line


def _reject_am05(collected, code: str = "AM05"):  # noqa: F811
    run, db, message_id, tmp_path = collected
    line = first_line(db, "C001")
    path = tmp_path / f"pain002-{code}.xml"
    path.write_bytes(
        pain002(
            f"PSR-{code}",
            message_id,
            rejects=[(f"{message_id}-001", line.end_to_end_id, 5000, code)],
        )
    )
    outcome = run.json("returns", "import", path, "--as-of", "2010-07-04")["files"][0]
    return run, db, line, outcome


@pytest.mark.parametrize("code", ["AM05", "DUPL", "FOCR"])
def test_a_review_code_holds_the_line_out_of_settlement(collected, code):  # noqa: F811
    run, db, line, outcome = _reject_am05(collected, code)
    assert (outcome["applied"], outcome["review"]) == (0, 1)

    listed = run.json("returns", "review")["items"]
    assert run("returns", "unmatched", "--json").stdout == run("returns", "review", "--json").stdout
    [item] = listed
    assert (item["end_to_end_id"], item["reason_code"], item["line"], item["status"]) == (
        line.end_to_end_id,
        code,
        line.id,
        "open",
    )
    assert code in item["review_reason"]

    run("settle", "--as-of", "2010-07-06")
    held = first_line(db, "C001")
    assert (held.status, held.paid_on) == ("SUBMITTED", None)
    others = [first_line(db, c).status for c in ("C002", "C003", "C004")]
    assert others == ["PAID", "PAID", "PAID"]

    document = run.json("ledger", "C001", "--as-of", "2010-07-06")
    shown = _held_line(document, line.id)
    assert shown["held"] is True and code in shown["review_reason"]
    assert all(not other["held"] for other in document["lines"] if other["id"] != line.id)
    assert "HELD" in run("ledger", "C001", "--as-of", "2010-07-06").stdout

    rows = run(
        "report", "batches", "--from", "2010-07-01", "--to", "2010-07-31", "--format", "json"
    )
    [block] = [row for row in json.loads(rows.stdout)["rows"] if row["held_count"]]
    assert (block["pmtinf"], block["held_count"], block["held"]) == (
        f"{collected[2]}-001",
        1,
        "50.00",
    )


def test_dismissing_releases_the_hold_audited(collected):  # noqa: F811
    run, db, line, _outcome = _reject_am05(collected)
    [item] = run.json("returns", "review")["items"]
    # a dismissal needs a note
    run("returns", "resolve", item["id"], "--dismiss", expect=2)
    resolved = run.json(
        "returns",
        "resolve",
        item["id"],
        "--dismiss",
        "--note",
        "bank confirms the debit went through",
        "--by",
        "alice",
        "--as-of",
        "2010-07-05",
    )
    assert (resolved["status"], resolved["resolved_by"], resolved["line"]) == (
        "dismissed",
        "alice",
        line.id,
    )
    assert run.json("returns", "review")["items"] == []
    # a second decision on the same item is refused
    run("returns", "resolve", item["id"], "--dismiss", "--note", "again", expect=1)

    run("settle", "--as-of", "2010-07-06")
    assert first_line(db, "C001").status == "PAID"
    assert not _held_line(run.json("ledger", "C001", "--as-of", "2010-07-06"), line.id)["held"]
    with db.reader() as session:
        row = session.get(ReturnItem, item["id"])
        assert (row.review_status, row.resolved_by, row.resolution_note) == (
            "dismissed",
            "alice",
            "bank confirms the debit went through",
        )
        assert row.resolved_at is not None and row.resolved_at.date() == date(2010, 7, 5)


def test_applying_runs_the_unpaid_workflow(collected):  # noqa: F811
    run, db, line, _outcome = _reject_am05(collected)
    [item] = run.json("returns", "review")["items"]
    resolved = run.json(
        "returns",
        "resolve",
        item["id"],
        "--apply",
        line.id,
        "--note",
        "the member cancelled: really unpaid",
        "--as-of",
        "2010-07-05",
    )
    assert resolved["status"] == "applied" and resolved["resolved_by"]
    c001 = lines_of(db, "C001")
    assert (c001[1].status, c001[1].reason_code, c001[1].needs_review) == ("UNPAID", "AM05", False)
    # reversal and re-presentation, as the back office's unpay without a code would do
    assert [added.amount_cents for added in c001[3:]][-2:] == [-5000, 5000] or [
        added.amount_cents for added in c001[3:]
    ][-2:] == [-5000, 6000]
    run("settle", "--as-of", "2010-07-06")
    assert lines_of(db, "C001")[1].status == "UNPAID"
    assert run.json("returns", "review")["items"] == []


def test_an_unknown_item_cannot_be_resolved(collected):  # noqa: F811
    run, *_ = collected
    result = run("returns", "resolve", "999", "--dismiss", "--note", "x", expect=1)
    assert "999" in result.stderr


@pytest.mark.parametrize(
    ("returned", "currency", "figure"),
    [(500_000, "EUR", "5000.00 EUR"), (0, "EUR", "0.00 EUR"), (5000, "USD", "50.00 USD")],
)
def test_a_return_for_another_amount_or_currency_goes_to_review(
    collected,  # noqa: F811
    returned,
    currency,
    figure,
):
    run, db, _message_id, tmp_path = collected
    run("settle", "--as-of", "2010-07-06")
    line = first_line(db, "C004")
    before = snapshot(db)
    path = tmp_path / "camt054-odd.xml"
    path.write_bytes(
        camt054(
            "NTF-ODD",
            CREDITOR_IBAN,
            [(line.end_to_end_id, returned, "MD06", 0)],
            date(2010, 7, 12),
            currency=currency,
        )
    )
    outcome = run.json("returns", "import", path, "--as-of", "2010-07-12")["files"][0]
    assert (outcome["applied"], outcome["review"]) == (0, 1)
    assert snapshot(db) == before  # nothing applied: no unpaid, no new line
    [item] = run.json("returns", "review")["items"]
    assert (item["line"], item["expected_amount"], item["expected_currency"]) == (
        line.id,
        "50.00",
        "EUR",
    )
    assert (item["amount"], item["currency"]) == (figure.split()[0], currency)
    assert figure in item["review_reason"] and "50.00 EUR" in item["review_reason"]
    with db.reader() as session:
        stored = session.execute(
            select(ReturnItem.amount_cents, ReturnItem.expected_amount_cents).where(
                ReturnItem.id == item["id"]
            )
        ).one()
    assert tuple(stored) == (returned, 5000)
    assert _held_line(run.json("ledger", "C004", "--as-of", "2010-07-12"), line.id)["held"]


def test_a_reject_for_another_amount_is_not_settled(collected):  # noqa: F811
    run, db, message_id, tmp_path = collected
    line = first_line(db, "C002")
    path = tmp_path / "pain002-odd.xml"
    path.write_bytes(
        pain002(
            "PSR-ODD", message_id, rejects=[(f"{message_id}-001", line.end_to_end_id, 4990, "AM04")]
        )
    )
    outcome = run.json("returns", "import", path, "--as-of", "2010-07-04")["files"][0]
    assert (outcome["applied"], outcome["review"]) == (0, 1)
    run("settle", "--as-of", "2010-07-06")
    assert first_line(db, "C002").status == "SUBMITTED"


def test_any_code_the_policy_table_sends_to_review_is_held(collected):  # noqa: F811
    """The review action is the policy table's: a club that checks every AM04 by hand."""
    run, db, message_id, tmp_path = collected
    with run.config_path.open("a", encoding="utf-8") as config:
        config.write(
            '\n[[policy.rows]]\ncodes = ["AM04"]\nmeaning = "no funds: the club calls first"\n'
            'action = "review"\nfee = false\nmode = "CHEQUE"\ndate = "today"\n'
            'max_direct_debit_tries = 0\nmandate = "keep"\n'
        )
    line = first_line(db, "C003")
    path = tmp_path / "pain002-am04.xml"
    path.write_bytes(
        pain002(
            "PSR-AM04",
            message_id,
            rejects=[(f"{message_id}-001", line.end_to_end_id, 5000, "AM04")],
        )
    )
    outcome = run.json("returns", "import", path, "--as-of", "2010-07-04")["files"][0]
    assert (outcome["applied"], outcome["review"]) == (0, 1)
    [item] = run.json("returns", "review")["items"]
    assert item["review_reason"] == "reason code AM04: no funds: the club calls first"
    run("settle", "--as-of", "2010-07-06")
    assert first_line(db, "C003").status == "SUBMITTED"


def test_an_unmatched_credit_cannot_be_applied_to_a_line(collected):  # noqa: F811
    run, db, _message_id, tmp_path = collected
    path = tmp_path / "unknown.xml"
    path.write_bytes(
        camt054("NTF-U", CREDITOR_IBAN, [("NOT-OURS-1", 4200, "AM04", 0)], date(2010, 7, 12))
    )
    run.json("returns", "import", path, "--as-of", "2010-07-12")
    [item] = run.json("returns", "review")["items"]
    with db.transaction() as session:  # as a credit that matched no batch would be stored
        session.get(ReturnItem, item["id"]).kind = "credit"
    line = first_line(db, "C001")
    result = run("returns", "resolve", item["id"], "--apply", line.id, "--note", "x", expect=1)
    assert f"return item {item['id']}: apply: a credit is not an unpaid" in result.stderr
    assert first_line(db, "C001").status == "SUBMITTED"
    assert [i["id"] for i in run.json("returns", "review")["items"]] == [item["id"]]
