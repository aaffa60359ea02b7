"""Real crashes: ``collect`` in a child process that dies (``os._exit(9)``, no clean-up at all)
at the worst moments, then the next run. Nothing is lost, nothing is collected twice, and the
outbox ends with complete files only.

The child is a small script that wraps one function of the collection with a hook that kills
the process, then runs ``collect_due`` as the CLI would.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from collection.collect_cases import (
    collect,
    mandate_of,
    outbox_files,
    partial_files,
    read_transactions,
    statuses,
    subscribe,
)
from sqlalchemy import select

from sepa_batch import collection
from sepa_batch.cli import cli
from sepa_batch.db.schema import BankFile
from sepa_batch.errors import InvalidInput
from sepa_batch.sepa import xsd
from sepa_batch.services import master_data, settlement

CHILD = """
import os, sys
from datetime import date, datetime
from sepa_batch import config as config_module
from sepa_batch.db.session import Database
from sepa_batch import collection
from sepa_batch.collection import marking, outbox, writers


def die(*args, **kwargs):
    os._exit(9)


def then_die(original):
    def hook(*args, **kwargs):
        original(*args, **kwargs)
        os._exit(9)
    return hook


if __name__ == "__main__":
    config_path, where = sys.argv[1:]
    workers = None
    if where == "after-write":  # the file written and XSD-valid, the transaction open
        writers.write_file = then_die(writers.write_file)
    elif where == "after-commit":  # committed, not yet renamed into the outbox
        outbox.publish = die
    elif where == "while-workers-write":  # lines marked, worker processes writing
        writers.PARALLEL_MIN_TRANSACTIONS, workers = 1, 2
        marking.update_mandates = die
    config = config_module.load(config_path)
    collection.collect_due(
        Database(config.database_url), config, today=date(2010, 7, 1),
        created_at=datetime(2010, 7, 1, 9, 0), workers=workers,
    )
    print("the collection finished: the hook never ran")
"""
CREATED = datetime(2010, 7, 1, 9, 0)
MEMBERS = ("C001", "C002", "C003", "C004", "C006", "C007", "C008", "C009", "C010", "C011")


def crash(tmp_path: Path, config, where: str) -> None:
    script = tmp_path / "crashing_collect.py"
    script.write_text(CHILD, encoding="utf-8")
    child = subprocess.run(
        [sys.executable, str(script), config.source, where],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == 9, child.stdout + child.stderr


def july_lines(db) -> list[int]:
    return [subscribe(db, code, months=1)[0] for code in MEMBERS]


def test_killed_after_writing_before_the_commit(club, tmp_path):
    config, db = club
    lines = july_lines(db)
    crash(tmp_path, config, "after-write")
    assert statuses(db, lines) == ["SCHEDULED"] * len(lines)  # nothing was committed
    assert outbox_files(config) == []
    [left] = [p for p in partial_files(config) if p.suffix == ".xml"]
    xsd.validate_file(left, "pain.008.001.08")  # complete, but never published

    result = collect(db, config, CREATED)
    assert result.collected == len(lines)
    [published] = outbox_files(config)
    assert partial_files(config) == []
    assert published.name == "SB-20100701-000001.xml"  # the crashed run's number, unused
    xsd.validate_file(published, "pain.008.001.08")
    end_to_end = sorted(tx.end_to_end_id for tx in read_transactions(published))
    assert end_to_end == sorted(f"SB-L{line}-1" for line in lines)
    assert statuses(db, lines) == ["SUBMITTED"] * len(lines)
    assert collect(db, config, CREATED).collected == 0


def test_killed_after_the_commit_before_the_rename(club, tmp_path):
    config, db = club
    lines = july_lines(db)
    crash(tmp_path, config, "after-commit")
    assert statuses(db, lines) == ["SUBMITTED"] * len(lines)  # committed
    assert outbox_files(config) == []
    [left] = partial_files(config)  # the dumps were deleted before the rename
    content = left.read_bytes()

    again = collect(db, config, datetime(2010, 7, 2, 9, 0))  # recovers first, then collects
    assert (again.collected, again.files) == (0, [])
    [published] = outbox_files(config)
    assert (published.name, published.read_bytes()) == (left.name, content)
    assert partial_files(config) == []
    xsd.validate_file(published, "pain.008.001.08")
    assert len(read_transactions(published)) == len(lines)


@pytest.mark.skipif(sys.platform != "linux", reason="workers die with their parent on Linux")
def test_killed_while_worker_processes_write(make_club, tmp_path):
    config, db = make_club("[bank]\nmax_transactions_per_file = 3\n")
    lines = july_lines(db)
    crash(tmp_path, config, "while-workers-write")
    assert statuses(db, lines) == ["SCHEDULED"] * len(lines)
    assert outbox_files(config) == []

    result = collect(db, config, CREATED)
    assert [f.transactions for f in result.files] == [3, 3, 3, 1]
    assert partial_files(config) == []
    end_to_end = [tx.end_to_end_id for p in outbox_files(config) for tx in read_transactions(p)]
    assert sorted(end_to_end) == sorted(f"SB-L{line}-1" for line in lines)
    assert collect(db, config, datetime(2010, 7, 2, 9, 0)).collected == 0
    assert date(2010, 7, 5) in {b.collection_date for b in result.blocks}


def published_at(db) -> list:
    with db.reader() as session:
        return list(session.execute(select(BankFile.published_at)).scalars())


def test_a_file_never_published_is_never_settled(club, tmp_path):
    """Crash after the commit, before the rename: the lines are SUBMITTED but the bank never
    got the file. Settlement alone leaves them; the recovery of the next day publishes the
    file (its collection date, Monday 5 July, can still be met on Friday 2 July)."""
    config, db = club
    lines = july_lines(db)
    crash(tmp_path, config, "after-commit")
    assert published_at(db) == [None]
    assert settlement.settle(db, date(2010, 7, 6)).settled == 0
    assert statuses(db, lines) == ["SUBMITTED"] * len(lines)

    found = collection.recover_outbox(db, config, date(2010, 7, 2), datetime(2010, 7, 2, 0, 0))
    assert (len(found.published), found.discarded) == (1, [])
    assert published_at(db) == [datetime(2010, 7, 2, 0, 0)]
    assert [p.name for p in outbox_files(config)] == ["SB-20100701-000001.xml"]
    assert settlement.settle(db, date(2010, 7, 6)).settled == len(lines)


def test_a_file_whose_date_has_passed_is_discarded_at_settlement(club, tmp_path):
    """Found only on 6 July (after its collection date): the file is discarded, its lines go
    back to SCHEDULED for the next collection, and `settle` marks nothing PAID."""
    config, db = club
    lines = july_lines(db)
    crash(tmp_path, config, "after-commit")
    runner = CliRunner()
    settled = runner.invoke(
        cli, ["--config", config.source, "settle", "--as-of", "2010-07-06", "--json"]
    )
    assert settled.exit_code == 0, settled.output
    assert "discarded SB-20100701-000001" in settled.output
    assert statuses(db, lines) == ["SCHEDULED"] * len(lines)
    assert (outbox_files(config), partial_files(config), published_at(db)) == ([], [], [])

    again = collect(db, config, datetime(2010, 7, 6, 9, 0))  # the next collection takes them
    assert again.collected == len(lines)
    assert {b.sequence_type for b in again.blocks} == {"FRST"}  # the FRST was never used
    assert statuses(db, lines) == ["SUBMITTED"] * len(lines)
    assert published_at(db) == [datetime(2010, 7, 6, 9, 0)]


def test_an_outbox_that_cannot_be_written_is_refused_before_the_commit(club):
    """An outbox path taken by a plain file (the tests run as root, which ignores modes)."""
    config, db = club
    lines = july_lines(db)
    outbox = config.folders.outbox
    outbox.rmdir()
    outbox.write_text("not a folder", encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"folders\.outbox.*cannot write there"):
        collect(db, config, CREATED)
    assert statuses(db, lines) == ["SCHEDULED"] * len(lines)
    with db.reader() as session:
        assert session.execute(select(BankFile.id)).first() is None


def test_a_discarded_file_gives_back_the_amendment_it_carried(club, tmp_path):
    config, db = club
    lines = july_lines(db)
    old_iban = mandate_of(db, "C002").iban
    master_data.update_mandate(db, "C002", iban="FR7630004000030002009876578")
    crash(tmp_path, config, "after-commit")
    assert mandate_of(db, "C002").amend_original_iban is None  # cleared by the crashed run

    found = collection.recover_outbox(db, config, date(2010, 7, 6), datetime(2010, 7, 6))
    assert (found.discarded, found.rescheduled) == (["SB-20100701-000001"], len(lines))
    assert mandate_of(db, "C002").amend_original_iban == old_iban  # pending again

    again = collect(db, config, datetime(2010, 7, 6, 9, 0))
    [tx] = [
        tx
        for f in again.files
        for tx in read_transactions(Path(f.path))
        if tx.end_to_end_id == f"SB-L{lines[1]}-2"
    ]
    assert tx.amendment is not None and tx.amendment[1] == old_iban
