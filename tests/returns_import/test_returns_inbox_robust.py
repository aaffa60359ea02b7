"""The inbox takes one bad file out of the way and goes on; each file is taken by one process
(issue 10, point 7)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from returns_import.bank_messages import camt054
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from sepa_batch.db.schema import ReturnFile, ReturnItem
from sepa_batch.errors import RefusedFile
from sepa_batch.matching import apply
from sepa_batch.returns import parse_bytes
from sepa_batch.services import inbox as inbox_service

CREDITOR_IBAN = "FR7630006000011234567890189"


def _unmatched_file(number: int) -> bytes:
    """A camt.054 returning a debit that is not ours: imported as one unmatched item."""
    return camt054(
        f"NTF-{number:03d}",
        CREDITOR_IBAN,
        [(f"NOT-OURS-{number:03d}", 4200 + number, "AM04", 0)],
        date(2010, 7, 12),
    )


def _huge_file() -> bytes:
    return _unmatched_file(0).replace(b"42.00", b"999999999999999999.99")


def test_an_amount_out_of_range_is_refused_naming_the_element():
    with pytest.raises(RefusedFile, match=r"huge\.xml: InstdAmt/Amt '999999999999999999\.99'.*999"):
        parse_bytes(_huge_file(), source="huge.xml")
    # the largest amount a SEPA message carries is read
    parsed = parse_bytes(_huge_file().replace(b"999999999999999999.99", b"999999999.99"))
    assert parsed.items[0].amount_cents == 99_999_999_999


def test_one_bad_file_goes_to_failed_and_the_next_is_imported(run, tmp_path):
    inbox = tmp_path / "var" / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / "a-huge.xml").write_bytes(_huge_file())
    (inbox / "b-good.xml").write_bytes(_unmatched_file(1))
    result = run("returns", "import", "--inbox", "--as-of", "2010-07-12", "--json", expect=1)
    files = json.loads(result.stdout)["files"]  # exit 1: not every file was applied
    by_name = {Path(f["file"]).name: f for f in files}
    assert "InstdAmt" in by_name["a-huge.xml"]["error"]
    reason = (inbox / "failed" / "a-huge.xml.error.txt").read_text()
    assert "InstdAmt" in reason and "a-huge.xml" in reason
    assert by_name["b-good.xml"]["unmatched"] == 1
    assert (tmp_path / "var" / "archive" / "b-good.xml").exists()
    assert [p.name for p in inbox.iterdir() if p.is_file()] == []
    # the next run has nothing left to trip on
    assert run.json("returns", "import", "--inbox", "--as-of", "2010-07-13")["files"] == []


def test_a_database_error_on_one_file_moves_it_and_goes_on(db, config, monkeypatch):
    inbox = config.folders.inbox
    (inbox / "a-first.xml").write_bytes(_unmatched_file(1))
    (inbox / "b-second.xml").write_bytes(_unmatched_file(2))
    real = apply._apply_parsed

    def failing(db_, config_, path, *args):
        if path.name == "a-first.xml":
            raise OperationalError("INSERT INTO return_files", {}, Exception("disk I/O error"))
        return real(db_, config_, path, *args)

    monkeypatch.setattr(apply, "_apply_parsed", failing)
    outcomes = inbox_service.import_returns(
        db, config, inbox_service.inbox_files(config), date(2010, 7, 12), move=True
    )
    first, second = outcomes
    assert "disk I/O error" in first.error and second.error is None and second.unmatched == 1
    assert (config.folders.failed / "a-first.xml").exists()
    assert "disk I/O error" in (config.folders.failed / "a-first.xml.error.txt").read_text()
    assert (config.folders.archive / "b-second.xml").exists()


def test_a_file_taken_by_another_process_is_skipped_quietly(db, config):
    inbox = config.folders.inbox
    path = inbox / "a.xml"
    path.write_bytes(_unmatched_file(1))
    listed = inbox_service.inbox_files(config)
    path.unlink()  # another process took it between the listing and the claim
    assert inbox_service.import_returns(db, config, listed, date(2010, 7, 12), move=True) == []


FILES = 24


def test_two_processes_import_the_inbox_at_once(run, tmp_path, database_url):
    inbox = tmp_path / "var" / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    for number in range(1, FILES + 1):
        (inbox / f"n{number:03d}.xml").write_bytes(_unmatched_file(number))
    command = [
        sys.executable,
        "-m",
        "sepa_batch",
        "--config",
        str(run.config_path),
        "returns",
        "import",
        "--inbox",
        "--as-of",
        "2010-07-12",
        "--json",
    ]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    processes = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        for _ in range(2)
    ]
    results = [process.communicate(timeout=240) for process in processes]
    for process, (_out, err) in zip(processes, results, strict=True):
        assert process.returncode == 0, err.decode()
    seen = [
        Path(f["file"]).name for out, _ in results for f in json.loads(out)["files"] if f["file"]
    ]
    assert sorted(seen) == sorted(f"n{n:03d}.xml" for n in range(1, FILES + 1))  # once each
    assert all("error" not in f for out, _ in results for f in json.loads(out)["files"])
    archived = sorted(p.name for p in (tmp_path / "var" / "archive").iterdir())
    assert archived == sorted(f"n{n:03d}.xml" for n in range(1, FILES + 1))
    from sepa_batch.db.session import Database

    db = Database(database_url)
    with db.reader() as session:
        assert session.execute(select(func.count()).select_from(ReturnFile)).scalar_one() == FILES
        assert session.execute(select(func.count()).select_from(ReturnItem)).scalar_one() == FILES
    db.dispose()
