"""The files exchanged with the bank: the direct-debit files written (latest first, each with
its status, each downloadable), the return files imported and those the scheduled import
refused."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from sepa_batch.config import Config
from sepa_batch.db.schema import BankFile, ReturnFile
from sepa_batch.db.session import Database
from sepa_batch.errors import NotFound

#: How many imported and refused return files are listed.
LISTED = 50


def bank_files(db: Database) -> list[BankFile]:
    """Every direct-debit file written, the latest first."""
    with db.reader() as session:
        return list(session.execute(select(BankFile).order_by(BankFile.id.desc())).scalars())


def bank_file_path(db: Database, file_id: int) -> Path:
    """Where bank file ``file_id`` is in the outbox; ``NotFound`` if unknown or gone."""
    with db.reader() as session:
        found = session.get(BankFile, file_id)
    path = Path(found.path) if found else None
    if path is None or not path.is_file():
        raise NotFound(f"bank file {file_id}: not found in the outbox")
    return path


def file_status(found: BankFile, batch_rows: list[dict]) -> str:
    """written (recorded, not in the outbox), published (in the outbox), settled (no line in
    flight any more), credited (every block credited by the bank); ``batch_rows`` are the
    rows of the batches report (``sepa_batch.reports.batches``)."""
    rows = [row for row in batch_rows if row["file"] == found.message_id]
    if rows and all(row["credited"] is not None for row in rows):
        return "credited"
    if rows and not any(row["in_flight_count"] for row in rows):
        return "settled"
    return "published" if Path(found.path).is_file() else "written"


def file_statuses(files: list[BankFile], batch_rows: list[dict]) -> dict[int, str]:
    """Each file's status (``file_status``), by id."""
    return {found.id: file_status(found, batch_rows) for found in files}


def return_files(db: Database) -> list[ReturnFile]:
    """The last return files imported, the latest first."""
    with db.reader() as session:
        return list(
            session.execute(
                select(ReturnFile).order_by(ReturnFile.id.desc()).limit(LISTED)
            ).scalars()
        )


def refused_return_files(config: Config) -> list[tuple[str, str]]:
    """The last files the scheduled import refused, with the reason it wrote beside them."""
    failed_dir = config.folders.failed
    reasons = sorted(failed_dir.glob("*.error.txt")) if failed_dir.is_dir() else []
    return [
        (path.name.removesuffix(".error.txt"), path.read_text(encoding="utf-8").strip())
        for path in reasons[-LISTED:]
    ]
