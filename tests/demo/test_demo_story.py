"""The demo: a small club's story runs end to end, writes its files, and reconciles."""

from __future__ import annotations

import json

from click.testing import CliRunner
from presented import due_debits_were_presented, prenotified_debits_were_presented

from sepa_batch.cli import cli
from sepa_batch.demo.club import Club


def test_demo_tells_the_story_and_reconciles(tmp_path):
    folder = tmp_path / "club"
    result = CliRunner().invoke(
        cli, ["demo", "--dir", str(folder), "--members", "40", "--months", "2", "--seed", "11"]
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    for heading in (
        "January 2026",
        "February 2026",
        "Files written",
        "One member's ledger",
        "Does it reconcile?",
    ):
        assert heading in out
    assert "journal balances: yes, to the cent" in out
    outbox = sorted((folder / "var" / "outbox").glob("*.xml"))
    assert [p.name for p in outbox] == ["SB-20260101-000001.xml", "SB-20260201-000002.xml"]
    archived = sorted(p.name for p in (folder / "var" / "archive").iterdir())
    assert "SB-20260101-000001.camt053.xml" in archived
    assert list((folder / "var" / "inbox" / "failed").iterdir()) == []


def test_demo_refuses_a_folder_in_use(tmp_path):
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "something").write_text("x")
    result = CliRunner().invoke(cli, ["demo", "--dir", str(tmp_path / "used")])
    assert result.exit_code == 2 and "not empty" in result.output


def test_bank_simulate_answers_a_collection_file(run, tmp_path):
    run(
        "subscribe",
        "C001",
        "--article",
        "SUB_MONTH",
        "--start",
        "2010-07-01",
        "--months",
        "1",
        "--as-of",
        "2010-06-20",
    )
    [written] = run.json("collect", "--as-of", "2010-07-01")["files"]
    out = tmp_path / "bank"
    result = run(
        "bank",
        "simulate",
        written["path"],
        "--out",
        out,
        "--reject-rate",
        "1",
        "--return-rate",
        "0",
        "--seed",
        "3",
    )
    paths = result.stdout.split()
    assert [p.rsplit(".", 2)[-2] for p in paths] == ["pain002", "camt053"]
    inspected = json.loads(run("returns", "inspect", paths[0], "--json").stdout)
    [item] = [i for i in inspected["items"] if i["level"] == "transaction"]
    assert (item["kind"], item["amount"]) == ("reject", "50.00")


def test_every_pre_notified_debit_is_in_a_file_on_its_date(tmp_path):
    """The demo's setting (2 days' notice): an AM04 re-presentation is due on a collection
    date whose file is not yet written, and that file carries it on the date stated."""
    club = Club(tmp_path / "club", members=120, months=4, seed=2026)
    club.open()
    for _day, _outcomes in club.days():
        pass
    assert prenotified_debits_were_presented(club.db, club.config.folders.outbox, club.last_day)
    due_debits_were_presented(club.db, club.last_day)
