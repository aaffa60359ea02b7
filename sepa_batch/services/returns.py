"""Bank returns: read a file, match its items to what we collected, run the unpaid workflow.

One file is applied in one transaction, all or nothing (PRODUCT §5). A file is applied once
(its SHA-256 is unique in ``return_files``) and so is a return (its end-to-end id and kind are
unique in ``applied_returns``), also when two imports run at once: the ``returns`` job lock
serialises them and the unique keys catch whatever gets past it. Items that match nothing are
stored for review. A file that cannot be read safely changes nothing and, from the inbox, is
moved to ``failed/`` with a ``.error.txt`` beside it.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sepa_batch import notices
from sepa_batch.config import Config
from sepa_batch.db.schema import (
    AppliedReturn,
    BankFile,
    LedgerLine,
    Mandate,
    PaymentBatch,
    ReturnFile,
)
from sepa_batch.db.schema import ReturnItem as ReturnItemRow
from sepa_batch.db.session import Database, lock_job
from sepa_batch.domain.model import LineKind, Status
from sepa_batch.errors import RefusedFile, SepaBatchError
from sepa_batch.money import format_amount
from sepa_batch.returns import ParsedFile, ReturnItem, parse_bytes
from sepa_batch.services import settlement
from sepa_batch.services.unpaid import UnpayOptions, apply_unpaid, reschedule

UNPAID_KINDS = frozenset({"reject", "return", "refund"})
COLLECTED = (Status.SUBMITTED, Status.PAID)


@dataclass(slots=True)
class FileOutcome:
    path: str
    format: str | None = None
    message_id: str | None = None
    applied: int = 0
    unmatched: int = 0
    duplicates: int = 0
    recorded: int = 0
    error: str | None = None
    moved_to: str | None = None
    unmatched_items: list[dict] = field(default_factory=list)

    def document(self) -> dict:
        document = {"file": self.path, "format": self.format, "message_id": self.message_id}
        if self.error is not None:
            return {**document, "error": self.error, "moved_to": self.moved_to}
        return {
            **document,
            "applied": self.applied,
            "unmatched": self.unmatched,
            "duplicates": self.duplicates,
            "recorded": self.recorded,
            "moved_to": self.moved_to,
        }


def _read(path: Path, config: Config) -> tuple[bytes, ParsedFile]:
    size = path.stat().st_size
    if size > config.max_return_file_bytes:
        raise RefusedFile(
            f"{path.name}: {size} bytes, over the limit of "
            f"{config.max_return_file_bytes} (returns.max_file_bytes)"
        )
    data = path.read_bytes()
    parsed = parse_bytes(data, max_bytes=config.max_return_file_bytes, source=path.name)
    accounts = {item.account_iban for item in parsed.items if item.account_iban}
    foreign = accounts - {config.creditor.iban}
    if foreign and not accounts & {config.creditor.iban}:
        raise RefusedFile(
            f"{path.name}: the file is for account(s) "
            f"{', '.join(sorted('…' + a[-4:] for a in foreign))}, not for the "
            f"creditor's account …{config.creditor.iban[-4:]}"
        )
    return data, parsed


def _guard(session: Session, key: str, kind: str) -> bool:
    """Claim (key, kind) for good; False when it was applied before."""
    try:
        with session.begin_nested():
            session.add(AppliedReturn(end_to_end_id=key, kind=kind))
    except IntegrityError:
        return False
    return True


def _match_line(session: Session, config: Config, item: ReturnItem) -> LedgerLine | None:
    """By end-to-end id; else by mandate id + amount, collected within the date window."""
    if item.end_to_end_id:
        line = session.execute(
            select(LedgerLine)
            .where(LedgerLine.end_to_end_id == item.end_to_end_id)
            .with_for_update()
        ).scalar_one_or_none()
        if line is not None:
            return line
    if not (item.mandate_id and item.amount_cents):
        return None
    query = (
        select(LedgerLine)
        .join(Mandate, Mandate.id == LedgerLine.mandate_id)
        .where(
            Mandate.reference == item.mandate_id,
            LedgerLine.amount_cents == item.amount_cents,
            LedgerLine.kind == LineKind.PAYMENT,
            LedgerLine.status.in_(COLLECTED),
        )
    )
    if item.booking_date:
        window = timedelta(days=config.match_window_days)
        query = query.where(
            LedgerLine.collection_date >= item.booking_date - window,
            LedgerLine.collection_date <= item.booking_date,
        )
    candidates = list(session.execute(query.with_for_update()).scalars())
    return candidates[0] if len(candidates) == 1 else None


def _record(
    session: Session,
    file_id: int,
    item: ReturnItem,
    outcome: str,
    *,
    line_id: int | None = None,
    batch_id: int | None = None,
) -> None:
    session.add(
        ReturnItemRow(
            return_file_id=file_id,
            kind=item.kind,
            level=item.level,
            end_to_end_id=item.end_to_end_id,
            original_message_id=item.original_message_id,
            original_pmtinf_id=item.original_payment_information_id,
            mandate_ref=item.mandate_id,
            amount_cents=item.amount_cents,
            charges_cents=item.charges_cents,
            reason_code=item.reason_code,
            reason_text=item.reason_text,
            booking_date=item.booking_date,
            outcome=outcome,
            line_id=line_id,
            batch_id=batch_id,
        )
    )


def _apply_transaction(
    session: Session,
    config: Config,
    file_id: int,
    item: ReturnItem,
    today: date,
    result: FileOutcome,
) -> None:
    line = _match_line(session, config, item)
    if line is None:
        _record(session, file_id, item, "unmatched")
        result.unmatched += 1
        result.unmatched_items.append(
            {"end_to_end_id": item.end_to_end_id, "mandate_id": item.mandate_id, "kind": item.kind}
        )
        return
    key = line.end_to_end_id or f"line:{line.id}"
    if not _guard(session, key, item.kind) or line.status not in COLLECTED:
        _record(session, file_id, item, "duplicate", line_id=line.id)
        result.duplicates += 1
        return
    if item.kind == "reversal":  # creditor-initiated: the back office decides
        line.needs_review = True
        _record(session, file_id, item, "review", line_id=line.id)
        result.recorded += 1
        return
    apply_unpaid(session, config, line, today, UnpayOptions(reason_code=item.reason_code))
    _record(session, file_id, item, "applied", line_id=line.id, batch_id=line.batch_id)
    result.applied += 1


def _batches_rejected(session: Session, item: ReturnItem) -> list[PaymentBatch]:
    if item.level == "batch" and item.original_payment_information_id:
        return list(
            session.execute(
                select(PaymentBatch).where(
                    PaymentBatch.pmtinf_id == item.original_payment_information_id
                )
            ).scalars()
        )
    if item.level == "file" and item.original_message_id:
        return list(
            session.execute(
                select(PaymentBatch)
                .join(BankFile, BankFile.id == PaymentBatch.bank_file_id)
                .where(BankFile.message_id == item.original_message_id)
            ).scalars()
        )
    return []


def _apply_group_reject(
    session: Session, file_id: int, item: ReturnItem, result: FileOutcome
) -> None:
    """A whole file or PmtInf rejected is not a customer unpaid: back to SCHEDULED, no fee."""
    batches = _batches_rejected(session, item)
    ident = item.original_payment_information_id or item.original_message_id
    if not batches:
        _record(session, file_id, item, "unmatched")
        result.unmatched += 1
        result.unmatched_items.append({"level": item.level, "id": ident, "kind": item.kind})
        return
    if not _guard(session, f"{item.level}:{ident}", item.kind):
        _record(session, file_id, item, "duplicate", batch_id=batches[0].id)
        result.duplicates += 1
        return
    for batch in batches:
        batch.rejected_reason = item.reason_code or "RJCT"
        lines = session.execute(
            select(LedgerLine)
            .where(LedgerLine.batch_id == batch.id, LedgerLine.status == Status.SUBMITTED)
            .with_for_update()
        ).scalars()
        for line in lines:
            reschedule(session, line, item.reason_code)
        _record(session, file_id, item, "applied", batch_id=batch.id)
    result.applied += 1


def _apply_item(
    session: Session,
    config: Config,
    file_id: int,
    item: ReturnItem,
    today: date,
    result: FileOutcome,
) -> None:
    if item.kind == "credit":
        batch_id = settlement.record_batch_credit(session, config, item, file_id)
        _record(session, file_id, item, "applied" if batch_id else "unmatched", batch_id=batch_id)
        if batch_id:
            result.applied += 1
        else:
            result.unmatched += 1
    elif item.kind == "accepted":
        _record(session, file_id, item, "recorded")
        result.recorded += 1
    elif item.level == "transaction":
        _apply_transaction(session, config, file_id, item, today, result)
    elif item.kind == "reject":
        _apply_group_reject(session, file_id, item, result)
    else:
        _record(session, file_id, item, "unmatched")
        result.unmatched += 1


def apply_file(db: Database, config: Config, path: Path, today: date) -> FileOutcome:
    """Parse, match and apply one file in one transaction. Raises RefusedFile unread."""
    data, parsed = _read(path, config)
    result = FileOutcome(str(path), parsed.format, parsed.message_id)
    digest = hashlib.sha256(data).hexdigest()
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
        for item in parsed.items:
            _apply_item(session, config, record.id, item, today, result)
    return result


def _move(path: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    counter = 1
    while target.exists():
        target = folder / f"{path.stem}.{counter}{path.suffix}"
        counter += 1
    shutil.move(str(path), target)
    return target


def import_returns(
    db: Database, config: Config, paths: list[Path], today: date, *, move: bool = False
) -> list[FileOutcome]:
    """Import files one by one; with ``move`` (the inbox), applied files go to the archive and
    refused ones to ``failed/`` with the reason beside them."""
    outcomes = []
    for path in paths:
        try:
            outcome = apply_file(db, config, path, today)
        except SepaBatchError as exc:
            outcome = FileOutcome(str(path), error=str(exc))
            if move:
                target = _move(path, config.folders.failed)
                target.with_name(target.name + ".error.txt").write_text(
                    f"{exc}\n", encoding="utf-8"
                )
                outcome.moved_to = str(target)
        else:
            if move:
                outcome.moved_to = str(_move(path, config.folders.archive))
        outcomes.append(outcome)
    notices.write_pending(db)
    return outcomes


def inbox_files(config: Config) -> list[Path]:
    inbox = config.folders.inbox
    if not inbox.is_dir():
        return []
    return sorted(p for p in inbox.iterdir() if p.is_file() and not p.name.startswith("."))


def unmatched_items(db: Database) -> list[dict]:
    with db.reader() as session:
        rows = session.execute(
            select(ReturnItemRow, ReturnFile.name)
            .join(ReturnFile, ReturnFile.id == ReturnItemRow.return_file_id)
            .where(ReturnItemRow.outcome.in_(("unmatched", "review")))
            .order_by(ReturnItemRow.id)
        ).all()
        return [
            {
                "id": row.id,
                "file": name,
                "kind": row.kind,
                "level": row.level,
                "end_to_end_id": row.end_to_end_id,
                "mandate_id": row.mandate_ref,
                "amount": None if row.amount_cents is None else format_amount(row.amount_cents),
                "reason_code": row.reason_code,
                "outcome": row.outcome,
                "booking_date": row.booking_date.isoformat() if row.booking_date else None,
            }
            for row, name in rows
        ]
