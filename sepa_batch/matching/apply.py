"""One return file applied: its items matched to what we collected, the unpaid workflow run.

One file is applied in one transaction, all or nothing (PRODUCT §5). A file is applied once
(its SHA-256 is unique in ``return_files``) and so is a return (``claims``), also when two
imports run at once: the ``returns`` job lock serialises them and the unique keys catch
whatever gets past it (the file is then applied again, and finds those returns applied). Items
that match nothing are stored for review.

Transaction-level items are applied first, then file- and batch-level ones, each in the
file's order (``transactions_first``), by chunks: the lines of a chunk are read with one query
(``transactions``), the unpaid workflow (``sepa_batch.unpaid.batch.UnpaidBatch``, the one
``unpay`` uses) decides item by item, and the chunk's changes are written with a few set-based
statements. An item whose line, customer or mandate an earlier item of the chunk changed is
matched again once that item is written, so every item sees what the items before it did; a
bank credit or a rejected batch (``batches``) waits for everything before it to be written.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from sepa_batch.config import Config
from sepa_batch.db.schema import ReturnFile
from sepa_batch.db.session import Database, lock_job
from sepa_batch.errors import RefusedFile
from sepa_batch.matching.items import Application
from sepa_batch.returns import ParsedFile, ReturnItem, parse_file


@dataclass(slots=True)
class FileOutcome:
    path: str
    format: str | None = None
    message_id: str | None = None
    applied: int = 0
    unmatched: int = 0
    review: int = 0
    duplicates: int = 0
    recorded: int = 0
    error: str | None = None
    moved_to: str | None = None
    unmatched_items: list[dict] = field(default_factory=list)
    review_items: list[dict] = field(default_factory=list)

    def document(self) -> dict:
        document = {"file": self.path, "format": self.format, "message_id": self.message_id}
        if self.error is not None:
            return {**document, "error": self.error, "moved_to": self.moved_to}
        return {
            **document,
            "applied": self.applied,
            "unmatched": self.unmatched,
            "review": self.review,
            "duplicates": self.duplicates,
            "recorded": self.recorded,
            "moved_to": self.moved_to,
        }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _read(path: Path, config: Config) -> tuple[str, ParsedFile]:
    """(content hash, parsed file); camt files are read entry by entry, in bounded memory."""
    parsed = parse_file(path, max_bytes=config.max_return_file_bytes)
    accounts = {item.account_iban for item in parsed.items if item.account_iban}
    foreign = accounts - {config.creditor.iban}
    if foreign and not accounts & {config.creditor.iban}:
        raise RefusedFile(
            f"{path.name}: the file is for account(s) "
            f"{', '.join(sorted('…' + a[-4:] for a in foreign))}, not for the "
            f"creditor's account …{config.creditor.iban[-4:]}"
        )
    return _sha256(path), parsed


def apply_file(db: Database, config: Config, path: Path, today: date) -> FileOutcome:
    """Parse, match and apply one file in one transaction. Raises RefusedFile unread.

    Should another import apply one of its returns at the same time (the job lock makes that
    near impossible), the unique keys abort this attempt; the file is applied once more, and
    what the other import applied is then a duplicate."""
    digest, parsed = _read(path, config)
    try:
        return _apply_parsed(db, config, path, digest, parsed, today)
    except IntegrityError:
        return _apply_parsed(db, config, path, digest, parsed, today)


def transactions_first(items: tuple[ReturnItem, ...]) -> list[ReturnItem]:
    """Transaction-level items before file- and batch-level ones, each in file order.

    A status report that rejects a whole PmtInf often lists its transactions too, each with its
    own reason: those are customer unpaids and go through the policy first; the block-level
    reject then sends back to the next collection only the lines still in flight.
    """
    return sorted(items, key=lambda item: item.level != "transaction")


def _apply_parsed(
    db: Database, config: Config, path: Path, digest: str, parsed: ParsedFile, today: date
) -> FileOutcome:
    result = FileOutcome(str(path), parsed.format, parsed.message_id)
    with db.transaction() as session:
        lock_job(session, "returns")
        seen = session.execute(
            select(ReturnFile.id).where(ReturnFile.sha256 == digest)
        ).scalar_one_or_none()
        if seen is not None:
            result.duplicates = len(parsed.items)
            return result
        record = ReturnFile(
            sha256=digest,
            name=path.name,
            format=parsed.format,
            message_id=parsed.message_id,
            imported_on=today,
        )
        session.add(record)
        session.flush()
        application = Application(session, config, record.id, today, result)
        application.apply(transactions_first(parsed.items))
        application.write()
    return result
