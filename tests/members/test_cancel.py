"""``cancel LINE --reason``: a mistaken line cancelled before the bank sees it; refused once
money has moved, with nothing changed."""

from __future__ import annotations

import pytest

AS_OF = ("--as-of", "2010-07-02")


def line_ids(run, *args) -> list[int]:
    return [
        int(word) for word in run(*args, *AS_OF).stdout.replace(",", " ").split() if word.isdigit()
    ]


def ledger(run, code="C001", day="2010-07-20"):
    return run.json("ledger", code, "--as-of", day)


def test_a_scheduled_instalment_is_cancelled_with_who_and_why(run):
    [line] = line_ids(run, "instalment", "C001", "--amount", "30.00", "--due", "2010-07-05")
    assert ledger(run)["blocked"] is True  # overdue since 2010-07-06
    done = run.json("cancel", line, "--reason", "entered twice", "--by", "anne", *AS_OF)
    assert done == {
        "line": line, "kind": "payment", "amount": "30.00", "status": "CANCELLED",
        "cancelled_on": "2010-07-02", "cancelled_by": "anne", "reason": "entered twice",
    }  # fmt: skip
    after = ledger(run)
    assert [x["status"] for x in after["lines"] if x["id"] == line] == ["CANCELLED"]
    assert after["blocked"] is False
    assert run.json("collect", "--as-of", "2010-07-02")["collected"] == 0


def test_a_sale_with_nothing_paid_since_is_cancelled_and_no_longer_owed(run):
    [line] = line_ids(run, "sale", "C001", "--article", "LICENCE", "--amount", "35.00")
    assert ledger(run)["balance"] == "-35.00"
    human = run("cancel", line, "--reason", "wrong member", "--by", "anne", *AS_OF).stdout
    assert f"sale line {line} cancelled by anne: wrong member" in human
    after = ledger(run)
    assert after["balance"] == "0.00"
    assert [x["status"] for x in after["lines"] if x["id"] == line] == ["CANCELLED"]


def test_the_user_running_the_command_is_who_by_default(run, monkeypatch):
    monkeypatch.setattr("getpass.getuser", lambda: "back-office")
    [line] = line_ids(run, "instalment", "C001", "--amount", "30.00", "--due", "2010-09-05")
    assert run.json("cancel", line, "--reason", "x", *AS_OF)["cancelled_by"] == "back-office"


def refused(run, line, words, *, status=1, reason=("--reason", "mistake")):
    before = ledger(run)
    result = run("cancel", line, *reason, *AS_OF, expect=status)
    assert words in " ".join(result.stderr.split())
    assert ledger(run) == before


def test_submitted_paid_and_unpaid_lines_are_refused_and_nothing_changes(run):
    [submitted] = line_ids(run, "instalment", "C002", "--amount", "30.00", "--due", "2010-07-05")
    [unpaid] = line_ids(run, "instalment", "C003", "--amount", "30.00", "--due", "2010-07-05")
    run("collect", "--as-of", "2010-07-01")
    run("unpay", unpaid, "--no-fee", "--reason", "AM04", "--as-of", "2010-07-08")
    [paid] = line_ids(run, "instalment", "C001", "--amount", "30.00", "--due", "2010-07-05",
                      "--mode", "CHEQUE")  # fmt: skip
    run("pay", paid, "--as-of", "2010-07-05")
    refused(
        run,
        submitted,
        f"line {submitted}: status: this line is in a bank file (SUBMITTED), so it cannot be "
        "cancelled: it is in a bank file already",
    )
    refused(
        run,
        paid,
        f"line {paid}: status: this line is paid (PAID), so it cannot be cancelled: it is paid",
    )
    refused(
        run,
        unpaid,
        f"line {unpaid}: status: this line is unpaid (UNPAID), so it cannot be cancelled",
    )


def test_a_sale_with_a_payment_since_is_refused(run):
    sold = run.json("subscribe", "C001", "--article", "SUB_MONTH", "--start", "2010-07-01",
                    "--months", "2", "--mode", "CHEQUE", *AS_OF)  # fmt: skip
    sale, first = sold["sale_line"], sold["instalments"][0]
    run("pay", first, "--as-of", "2010-07-05")
    refused(run, sale, f"cannot cancel this sale: payment line {first} (PAID)")


@pytest.mark.parametrize(
    ("line", "reason", "status", "words"),
    [
        ("999", ("--reason", "x"), 1, "line 999: not found"),
        ("LINE", ("--reason", "x"), 2, "not a valid integer"),
        (None, ("--reason", "  "), 1, "reason: say why the line is cancelled"),
        (None, (), 2, "Missing option '--reason'"),
    ],
)
def test_bad_input(run, line, reason, status, words):
    [own] = line_ids(run, "instalment", "C001", "--amount", "30.00", "--due", "2010-09-05")
    refused(run, line or own, words, status=status, reason=reason)


def test_cancelling_twice_is_refused(run):
    [line] = line_ids(run, "instalment", "C001", "--amount", "30.00", "--due", "2010-09-05")
    run("cancel", line, "--reason", "x", *AS_OF)
    refused(
        run,
        line,
        f"line {line}: status: this line is cancelled (CANCELLED), so it cannot be cancelled",
    )
