"""``services.bank_files``: a bank file's status (no database), the files listed."""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace

import pytest

from sepa_batch.db.schema import BankFile, ReturnFile
from sepa_batch.errors import NotFound
from sepa_batch.services import bank_files


def row(file="MSG1", credited=None, in_flight=0):
    return {"file": file, "credited": credited, "in_flight_count": in_flight}


@pytest.mark.parametrize(
    ("in_outbox", "rows", "status"),
    [
        (False, [], "written"),
        (True, [], "published"),
        (True, [row(in_flight=2)], "published"),
        (False, [row(in_flight=1)], "written"),
        (True, [row(file="OTHER")], "published"),
        (True, [row(), row(in_flight=0)], "settled"),
        (False, [row()], "settled"),
        (True, [row(in_flight=1), row()], "published"),
        (True, [row(credited=5000), row(credited=0)], "credited"),
        (True, [row(credited=5000), row()], "settled"),
        (True, [row(credited=5000, in_flight=1)], "credited"),
    ],
)
def test_a_files_status(tmp_path, in_outbox, rows, status):
    path = tmp_path / "MSG1.xml"
    if in_outbox:
        path.write_text("<Document/>", encoding="utf-8")
    found = SimpleNamespace(id=7, message_id="MSG1", path=str(path))
    assert bank_files.file_status(found, rows) == status
    assert bank_files.file_statuses([found], rows) == {7: status}


def bank_file(n: int, path) -> BankFile:
    return BankFile(
        message_id=f"MSG{n}", path=str(path), created_at=datetime(2010, 7, 1, 9, n),
        format="pain.008.001.02", transactions=1, control_sum_cents=5000,
    )  # fmt: skip


def test_files_latest_first_and_a_download_only_from_the_outbox(db, tmp_path):
    kept = tmp_path / "MSG1.xml"
    kept.write_text("<Document/>", encoding="utf-8")
    with db.transaction() as session:
        session.add_all([bank_file(1, kept), bank_file(2, tmp_path / "gone.xml")])
    listed = bank_files.bank_files(db)
    assert [f.message_id for f in listed] == ["MSG2", "MSG1"]
    assert bank_files.bank_file_path(db, listed[1].id) == kept
    for missing in (listed[0].id, 999):
        with pytest.raises(NotFound):
            bank_files.bank_file_path(db, missing)


def test_the_last_return_files_latest_first(db, monkeypatch):
    monkeypatch.setattr(bank_files, "LISTED", 2)
    with db.transaction() as session:
        for n in range(3):
            session.add(
                ReturnFile(name=f"r{n}.xml", sha256=f"{n:064d}", format="camt.054",
                           imported_on=date(2010, 7, 1))
            )  # fmt: skip
    assert [f.name for f in bank_files.return_files(db)] == ["r2.xml", "r1.xml"]


def test_the_refused_return_files_and_why(config, monkeypatch):
    monkeypatch.setattr(bank_files, "LISTED", 2)
    assert bank_files.refused_return_files(config) == []  # no folder yet
    config.folders.failed.mkdir(parents=True)
    for n in range(3):
        (config.folders.failed / f"r{n}.xml.error.txt").write_text(f" why {n}\n", "utf-8")
    assert bank_files.refused_return_files(config) == [("r1.xml", "why 1"), ("r2.xml", "why 2")]
