"""The seed's example, end to end through the CLI: a July direct debit comes back unpaid on
2010-07-20 and is re-presented by direct debit on 2010-08-05; the August bank file carries it
together with August's own instalment, in one RCUR block dated 2010-08-05."""

from __future__ import annotations

from collection.collect_cases import read_transactions

from sepa_batch.sepa import xsd


def test_the_representation_is_in_the_august_file_with_augusts_instalment(run):
    run("subscribe", "C001", "--article", "SUB_MONTH", "--start", "2010-07-01",
        "--months", "12", "--as-of", "2010-07-01")  # fmt: skip
    ledger = run.json("ledger", "C001", "--as-of", "2010-07-01")
    sale, july, august = (line["id"] for line in ledger["lines"][:3])
    assert [line["due_date"] for line in ledger["lines"][1:3]] == ["2010-07-05", "2010-08-05"]

    first = run.json("collect", "--as-of", "2010-07-01")
    assert first["collected"] == 1
    run("settle", "--as-of", "2010-07-06")  # the bank credited the July debit on 07-05
    unpaid = run.json("unpay", str(july), "--as-of", "2010-07-20", "--mode", "DIRECT_DEBIT",
                      "--date", "2010-08-05", "--fee-article", "FRAIS_REJET")  # fmt: skip
    [again] = unpaid["representation_lines"]

    august_run = run.json("collect", "--as-of", "2010-08-01")
    assert august_run["collected"] == 2
    [written] = august_run["files"]
    assert (written["transactions"], written["control_sum"]) == (2, "110.00")  # 50 + 50+10
    xsd.validate_file(written["path"], "pain.008.001.08")
    transactions = read_transactions(written["path"])
    assert {(tx.sequence, tx.collection_date) for tx in transactions} == {("RCUR", "2010-08-05")}
    assert sorted((tx.end_to_end_id, tx.cents) for tx in transactions) == sorted(
        [(f"SB-L{august}-1", 5000), (f"SB-L{again}-1", 6000)]
    )
    assert sale < july < august < again
    lines = {
        line["id"]: line for line in run.json("ledger", "C001", "--as-of", "2010-08-01")["lines"]
    }
    assert (lines[july]["status"], lines[august]["status"], lines[again]["status"]) == (
        "UNPAID",
        "SUBMITTED",
        "SUBMITTED",
    )
