"""``ledger import FILE.csv``: the opening balances and open items of the previous program;
all or nothing, every bad row named with its line and field."""

from __future__ import annotations

import pytest

HEADER = "customer_id,kind,date,due_date,label,amount,mode,status"
GOOD = [
    "C001,sale,2010-06-30,,Solde reporté,120.00,,",
    "C001,payment,2010-06-01,2010-06-05,Échéance juin,40.00,CHEQUE,PAID",
    "C001,payment,2010-06-30,2010-07-05,Échéance juillet,40.00,DIRECT_DEBIT,SCHEDULED",
    "C002,payment,2010-06-30,2010-08-05,Échéance août,40.00,cheque,scheduled",
]


def write(tmp_path, rows, name="opening.csv"):
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def lines_of(run, code):
    return run.json("ledger", code, "--as-of", "2010-07-20")["lines"]


def test_the_lines_are_imported_and_counted(run, tmp_path):
    path = write(tmp_path, GOOD)
    dry = run.json("ledger", "import", path, "--dry-run")
    assert dry == {"sales": 1, "payments": 3, "sales_amount": "120.00",
                   "payments_amount": "120.00", "dry_run": True}  # fmt: skip
    assert lines_of(run, "C001") == []
    human = run("ledger", "import", path).stdout
    assert "imported 1 sale line(s) (120.00 EUR) and 3 payment line(s) (120.00 EUR)" in human
    lines = lines_of(run, "C001")
    keys = ("kind", "label", "amount", "mode", "status", "paid_on")
    assert [tuple(x[k] for k in keys) for x in lines] == [
        ("sale", "Solde reporté", "120.00", None, None, None),
        ("payment", "Échéance juin", "40.00", "CHEQUE", "PAID", "2010-06-01"),
        ("payment", "Échéance juillet", "40.00", "DIRECT_DEBIT", "SCHEDULED", None),
    ]  # fmt: skip
    ledger = run.json("ledger", "C001", "--as-of", "2010-07-20")
    assert (ledger["balance"], ledger["overdue"], ledger["blocked"]) == ("-80.00", "40.00", True)
    collected = run.json("collect", "--as-of", "2010-07-20", "--until", "2010-07-31")
    assert collected["collected"] == 1  # the open direct debit is collected like any other


@pytest.mark.parametrize(
    ("row", "field", "words"),
    [
        ("C999,sale,2010-06-30,,Solde,10.00,,", "customer_id", "customer C999 not found"),
        ("C001,refund,2010-06-30,,Solde,10.00,,", "kind", "'refund' is not sale or payment"),
        ("C001,sale,30/06/2010,,Solde,10.00,,", "date", "'30/06/2010' is not a date"),
        ("C001,sale,2010-06-30,,,10.00,,", "label", "missing"),
        ("C001,sale,2010-06-30,,Solde,10.001,,", "amount", ""),
        ("C001,sale,2010-06-30,,Solde,-10.00,,", "amount", "a sale must be more than 0"),
        ("C001,sale,2010-06-30,2010-07-05,Solde,10.00,,", "due_date", "must be empty for a sale"),
        ("C001,payment,2010-06-30,,Échéance,10.00,CHEQUE,SCHEDULED", "due_date", "missing"),
        ("C001,payment,2010-06-30,2010-07-05,Échéance,10.00,BITCOIN,SCHEDULED", "mode",
         "'BITCOIN' is not one of DIRECT_DEBIT"),
        ("C001,payment,2010-06-30,2010-07-05,Échéance,10.00,CHEQUE,UNPAID", "status",
         "'UNPAID' is not SCHEDULED or PAID"),
        ("C001,payment,2010-06-30,2010-07-05,Échéance,0.00,CHEQUE,PAID", "amount",
         "a payment line must not be 0"),
    ],
)  # fmt: skip
def test_each_bad_row_is_named_and_nothing_is_imported(run, tmp_path, row, field, words):
    path = write(tmp_path, [*GOOD, row])
    result = run("ledger", "import", path, expect=1)
    message = " ".join(result.stderr.split())
    assert "import refused: 1 problem(s), nothing changed" in message
    assert f"line 6: {field}: {words}" in message
    assert lines_of(run, "C001") == [] and lines_of(run, "C002") == []


def test_every_bad_row_is_listed(run, tmp_path):
    path = write(tmp_path, ["C999,sale,2010-06-30,,Solde,10.00,,", GOOD[0], "C001,sale,x,,,1,,"])
    message = " ".join(run("ledger", "import", path, expect=1).stderr.split())
    assert "3 problem(s)" in message
    assert message.index("line 2: customer_id") < message.index("line 4: date")
    assert "line 4: label: missing" in message


def test_a_missing_column_and_a_missing_file(run, tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("customer_id,kind\nC001,sale\n", encoding="utf-8")
    message = " ".join(run("ledger", "import", path, expect=1).stderr.split())
    assert "header: missing column(s): date, due_date, label, amount, mode, status" in message
    run("ledger", "import", tmp_path / "nope.csv", expect=2)
