"""Bank returns: read a file, match its items to what we collected, run the unpaid workflow.

One file is applied in one transaction, all or nothing (PRODUCT §5). A file is applied once
(its SHA-256 is unique in ``return_files``) and so is a return (its end-to-end id and kind are
unique in ``applied_returns``), also when two imports run at once: the ``returns`` job lock
serialises them and the unique keys catch whatever gets past it (the file is then applied
again, and finds those returns applied). Items that match nothing are stored for review. A file
that cannot be read safely changes nothing and, from the inbox, is moved to ``failed/`` with a
``.error.txt`` beside it.

Transaction-level items are applied first, then file- and batch-level ones, each in the
file's order (``transactions_first``), by chunks: the lines of a chunk are read with one query,
the unpaid workflow (``services.unpaid.UnpaidBatch``, the one ``unpay`` uses) decides item by
item, and the chunk's changes are written with a few set-based statements. An item whose line,
customer or mandate an earlier item of the chunk changed is matched again once that item is
written, so every item sees what the items before it did; a bank credit or a rejected batch
waits for everything before it to be written.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import socket
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select
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
from sepa_batch.domain.policy import Action
from sepa_batch.errors import InvalidInput, NotFound, RefusedFile, SepaBatchError
from sepa_batch.money import format_amount
from sepa_batch.returns import ParsedFile, ReturnItem, parse_file
from sepa_batch.services import settlement
from sepa_batch.services.common import payment_line
from sepa_batch.services.unpaid import IN_CHUNK, UnpaidBatch, UnpaidCase, UnpayOptions, load_cases

#: The currency of every amount we collect.
CURRENCY = "EUR"
log = logging.getLogger("sepa_batch.returns")
COLLECTED = (Status.SUBMITTED, Status.PAID)


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


#: Items planned and written together: their lines are read with one query, their changes
#: written with a few statements.
CHUNK = 500


class _Claims:
    """The guards of the file's returns (``applied_returns``): looked up by chunk, claimed in
    memory, written with the chunk. The table's primary key remains the backstop."""

    def __init__(self, session: Session):
        self.session = session
        self.known: set[str] = set()  # keys looked up
        self.taken: set[tuple[str, str]] = set()
        self.new: list[dict] = []

    def look_up(self, keys: set[str]) -> None:
        wanted = sorted(keys - self.known)
        for start in range(0, len(wanted), IN_CHUNK):
            part = wanted[start : start + IN_CHUNK]
            rows = self.session.execute(
                select(AppliedReturn.end_to_end_id, AppliedReturn.kind).where(
                    AppliedReturn.end_to_end_id.in_(part)
                )
            )
            self.taken.update((key, kind) for key, kind in rows)
        self.known.update(wanted)

    def claim(self, key: str, kind: str) -> bool:
        """Claim (key, kind) for good; False when it was applied before."""
        self.look_up({key})
        if (key, kind) in self.taken:
            return False
        self.taken.add((key, kind))
        self.new.append({"end_to_end_id": key, "kind": kind})
        return True

    def write(self) -> None:
        if self.new:
            self.session.execute(insert(AppliedReturn.__table__), self.new)
        self.known.clear()
        self.taken.clear()
        self.new = []


def _one_at_a_time(item: ReturnItem) -> bool:
    """A bank credit or a whole batch / file rejected reads what the items before it did."""
    return item.kind == "credit" or (item.kind == "reject" and item.level != "transaction")


def _by_end_to_end_id(item: ReturnItem) -> bool:
    return item.kind != "accepted" and item.level == "transaction" and bool(item.end_to_end_id)


class _Application:
    """One file applied item after item, in the order given; the transactions' unpaid workflows are
    planned by chunks and written together, with the items' records and guards."""

    def __init__(
        self, session: Session, config: Config, file_id: int, today: date, result: FileOutcome
    ):
        self.session = session
        self.config = config
        self.file_id = file_id
        self.result = result
        self.unpaid = UnpaidBatch(session, config, today)
        self.claims = _Claims(session)
        self.records: list[dict] = []

    def apply(self, items: tuple[ReturnItem, ...]) -> None:
        chunk: list[ReturnItem] = []
        for item in items:
            if not _one_at_a_time(item):
                chunk.append(item)
                if len(chunk) == CHUNK:
                    self._chunk(chunk)
                    chunk = []
                continue
            self._chunk(chunk)
            chunk = []
            if item.kind == "credit":
                self._credit(item)
            else:
                self._group_reject(item)
            self.write()
        self._chunk(chunk)

    def write(self) -> None:
        self.unpaid.write()
        self.claims.write()
        if self.records:
            self.session.execute(insert(ReturnItemRow.__table__), self.records)
            self.records = []

    def record(
        self,
        item: ReturnItem,
        outcome: str,
        *,
        line_id: int | None = None,
        batch_id: int | None = None,
        review: str | None = None,
        expected: tuple[int, str] | None = None,
    ) -> None:
        """Queue the item's record; an unmatched item, or one with a ``review`` reason, is an
        open item of the review queue."""
        if outcome == "unmatched" and review is None:
            review = "matches nothing we collected"
        self.records.append(
            {
                "return_file_id": self.file_id,
                "kind": item.kind,
                "level": item.level,
                "end_to_end_id": item.end_to_end_id,
                "original_message_id": item.original_message_id,
                "original_pmtinf_id": item.original_payment_information_id,
                "mandate_ref": item.mandate_id,
                "amount_cents": item.amount_cents,
                "charges_cents": item.charges_cents,
                "reason_code": item.reason_code,
                "reason_text": item.reason_text,
                "booking_date": item.booking_date,
                "outcome": outcome,
                "line_id": line_id,
                "batch_id": batch_id,
                "currency": item.currency,
                "expected_amount_cents": expected[0] if expected else None,
                "expected_currency": expected[1] if expected else None,
                "review_status": "open" if review is not None else None,
                "review_reason": review,
                "resolved_at": None,
                "resolved_by": None,
                "resolution_note": None,
                "applied_line_id": None,
            }
        )

    def _unmatched(self, item: ReturnItem, described: dict | None = None) -> None:
        self.record(item, "unmatched")
        self.result.unmatched += 1
        if described is not None:
            self.result.unmatched_items.append(described)

    # --- transactions, by chunks ------------------------------------------------------------
    def _chunk(self, items: list[ReturnItem]) -> None:
        """Items of transactions (and acceptances): their lines read at once by end-to-end id;
        a line whose customer or mandate an earlier item of the chunk changed is read again,
        once that item is written."""
        if not items:
            return
        wanted = {item.end_to_end_id for item in items if _by_end_to_end_id(item)}
        cases = {}
        for keys in _slices(sorted(wanted)):
            cases.update(
                (case.end_to_end_id, case)
                for case in load_cases(self.session, LedgerLine.end_to_end_id.in_(keys))
            )
        self.claims.look_up(wanted)
        changed: set[tuple[str, int]] = set()
        for item in items:
            if item.kind == "accepted":
                self.record(item, "recorded")
                self.result.recorded += 1
            elif item.level != "transaction":
                self._unmatched(item)
            else:
                case = cases.get(item.end_to_end_id) if item.end_to_end_id else None
                if case is None or case.keys & changed:
                    case = self._match_now(item, by_end_to_end_id=case is not None)
                if case is None:
                    self._unmatched(
                        item,
                        {
                            "end_to_end_id": item.end_to_end_id,
                            "mandate_id": item.mandate_id,
                            "kind": item.kind,
                        },
                    )
                    continue
                changed |= case.keys
                self._transaction(item, case)
        self.write()

    def _match_now(self, item: ReturnItem, *, by_end_to_end_id: bool) -> UnpaidCase | None:
        """The item's line as it is now: by end-to-end id; else by mandate id + amount,
        collected within the date window (the only such line)."""
        if not by_end_to_end_id and not (item.mandate_id and item.amount_cents):
            return None
        self.unpaid.write()
        if by_end_to_end_id:
            found = load_cases(self.session, LedgerLine.end_to_end_id == item.end_to_end_id)
            if found:
                return found[0]
            if not (item.mandate_id and item.amount_cents):
                return None
        query = (
            select(LedgerLine.id)
            .join(Mandate, Mandate.id == LedgerLine.mandate_id)
            .where(
                Mandate.reference == item.mandate_id,
                LedgerLine.amount_cents == item.amount_cents,
                LedgerLine.kind == LineKind.PAYMENT,
                LedgerLine.status.in_(COLLECTED),
            )
        )
        if item.booking_date:
            window = timedelta(days=self.config.match_window_days)
            query = query.where(
                LedgerLine.collection_date >= item.booking_date - window,
                LedgerLine.collection_date <= item.booking_date,
            )
        candidates = list(self.session.execute(query.with_for_update()).scalars())
        if len(candidates) != 1:
            return None
        return load_cases(self.session, LedgerLine.id == candidates[0])[0]

    def _transaction(self, item: ReturnItem, case: UnpaidCase) -> None:
        key = case.end_to_end_id or f"line:{case.line_id}"
        if not self.claims.claim(key, item.kind) or case.status not in COLLECTED:
            self.record(item, "duplicate", line_id=case.line_id)
            self.result.duplicates += 1
            return
        reason = self._review_reason(item, case)
        if reason is not None:
            self._hold(item, case, reason)
            return
        outcome = self.unpaid.unpaid(case, UnpayOptions(reason_code=item.reason_code))
        batch_id = None if outcome.rescheduled else case.batch_id
        self.record(item, "applied", line_id=case.line_id, batch_id=batch_id)
        self.result.applied += 1

    def _review_reason(self, item: ReturnItem, case: UnpaidCase) -> str | None:
        """Why a person must decide, or None: a reversal, a code the policy sends to review,
        an amount or currency other than what was collected."""
        reasons = []
        if item.kind == "reversal":  # creditor-initiated: the back office decides
            reasons.append("creditor-initiated reversal")
        elif item.reason_code:
            policy = self.config.policy.for_code(item.reason_code)
            if policy.action is Action.REVIEW:
                reasons.append(f"reason code {item.reason_code.upper()}: {policy.meaning}")
        differs = item.amount_cents is not None and item.amount_cents != case.amount_cents
        if differs or (item.currency is not None and item.currency.upper() != CURRENCY):
            returned = "?" if item.amount_cents is None else format_amount(item.amount_cents)
            reasons.append(
                f"returned {returned} {item.currency or CURRENCY}, collected "
                f"{format_amount(case.amount_cents)} {CURRENCY}"
            )
        return "; ".join(reasons) or None

    def _hold(self, item: ReturnItem, case: UnpaidCase, reason: str) -> None:
        """The item is an open review item and holds its line; nothing else changes."""
        self.record(
            item,
            "review",
            line_id=case.line_id,
            review=reason,
            expected=(case.amount_cents, CURRENCY),
        )
        self.write()  # the item's id is the hold's
        held_by = self.session.execute(
            select(ReturnItemRow.id)
            .where(ReturnItemRow.return_file_id == self.file_id)
            .order_by(ReturnItemRow.id.desc())
            .limit(1)
        ).scalar_one()
        self.unpaid.flag_for_review(case, held_by=held_by)
        self.result.review += 1
        self.result.review_items.append(
            {"end_to_end_id": item.end_to_end_id, "line": case.line_id, "reason": reason}
        )

    # --- one at a time ------------------------------------------------------------------------
    def _credit(self, item: ReturnItem) -> None:
        self.write()  # the batch's expected credit counts the lines as the items left them
        batch_id = settlement.record_batch_credit(self.session, self.config, item, self.file_id)
        self.record(item, "applied" if batch_id else "unmatched", batch_id=batch_id)
        if batch_id:
            self.result.applied += 1
        else:
            self.result.unmatched += 1

    def _group_reject(self, item: ReturnItem) -> None:
        """A whole file or PmtInf rejected is not a customer unpaid: back to SCHEDULED, no
        fee."""
        self.write()
        batches = _batches_rejected(self.session, item)
        ident = item.original_payment_information_id or item.original_message_id
        if not batches:
            self._unmatched(item, {"level": item.level, "id": ident, "kind": item.kind})
            return
        if not self.claims.claim(f"{item.level}:{ident}", item.kind):
            self.record(item, "duplicate", batch_id=batches[0].id)
            self.result.duplicates += 1
            return
        for batch in batches:
            batch.rejected_reason = item.reason_code or "RJCT"
            for case in load_cases(
                self.session, LedgerLine.batch_id == batch.id, LedgerLine.status == Status.SUBMITTED
            ):
                self.unpaid.reschedule(case, item.reason_code)
            self.unpaid.write()
            self.record(item, "applied", batch_id=batch.id)
        self.result.applied += 1


def _slices(values: list) -> list[list]:
    return [values[start : start + IN_CHUNK] for start in range(0, len(values), IN_CHUNK)]


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
        application = _Application(session, config, record.id, today, result)
        application.apply(transactions_first(parsed.items))
        application.write()
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


#: Inbox files being imported, in one folder per process (``<host>-<pid>``).
PROCESSING = ".processing"


def _claim_folder(config: Config) -> Path:
    return config.folders.inbox / PROCESSING / f"{socket.gethostname()}-{os.getpid()}"


def _claim(path: Path, config: Config) -> Path | None:
    """Take an inbox file for this process: one atomic rename into its own folder. None when
    another process took it first (the rename finds no file)."""
    folder = _claim_folder(config)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    try:
        os.rename(path, target)
    except FileNotFoundError:
        return None
    return target


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _recover_claims(config: Config) -> None:
    """Files claimed by a process of this host that is gone go back to the inbox."""
    processing = config.folders.inbox / PROCESSING
    if not processing.is_dir():
        return
    host = socket.gethostname()
    for folder in processing.iterdir():
        name, _, pid = folder.name.rpartition("-")
        if name != host or not pid.isdigit() or int(pid) == os.getpid() or _alive(int(pid)):
            continue
        for path in folder.iterdir():
            try:
                os.rename(path, config.folders.inbox / path.name)
            except FileNotFoundError:  # another process recovered it first
                continue
            log.warning("returns: %s taken back from a stopped import", path.name)
        with contextlib.suppress(OSError):
            folder.rmdir()


def _failure(path: Path, exc: Exception) -> str:
    if isinstance(exc, SepaBatchError):
        return str(exc)
    log.error("returns: %s failed", path.name, exc_info=exc)
    return f"{path.name}: {type(exc).__name__}: {exc}"


def import_returns(
    db: Database, config: Config, paths: list[Path], today: date, *, move: bool = False
) -> list[FileOutcome]:
    """Import files one by one; with ``move`` (the inbox), each file is first claimed by this
    process (a file another process took is skipped), applied files go to the archive, and a
    file that fails — unreadable, refused, or any error while applying it — goes to ``failed/``
    with the reason beside it, and the next file is imported."""
    outcomes = []
    for path in paths:
        work = _claim(path, config) if move else path
        if work is None:
            continue
        try:
            outcome = apply_file(db, config, work, today)
        except Exception as exc:
            if not move and not isinstance(exc, SepaBatchError):
                raise
            outcome = FileOutcome(str(path), error=_failure(path, exc))
            if move:
                target = _move(work, config.folders.failed)
                target.with_name(target.name + ".error.txt").write_text(
                    f"{outcome.error}\n", encoding="utf-8"
                )
                outcome.moved_to = str(target)
        else:
            outcome.path = str(path)
            if move:
                outcome.moved_to = str(_move(work, config.folders.archive))
        outcomes.append(outcome)
    if move:
        with contextlib.suppress(OSError):
            _claim_folder(config).rmdir()
    notices.write_pending(db)
    return outcomes


def inbox_files(config: Config) -> list[Path]:
    inbox = config.folders.inbox
    if not inbox.is_dir():
        return []
    _recover_claims(config)
    return sorted(p for p in inbox.iterdir() if p.is_file() and not p.name.startswith("."))


def _money(cents: int | None) -> str | None:
    return None if cents is None else format_amount(cents)


def review_document(row: ReturnItemRow, file_name: str) -> dict:
    """One item of the review queue (``returns review --json``)."""
    return {
        "id": row.id,
        "file": file_name,
        "kind": row.kind,
        "level": row.level,
        "end_to_end_id": row.end_to_end_id,
        "mandate_id": row.mandate_ref,
        "amount": _money(row.amount_cents),
        "reason_code": row.reason_code,
        "outcome": row.outcome,
        "booking_date": row.booking_date.isoformat() if row.booking_date else None,
        "currency": row.currency,
        "line": row.line_id,
        "expected_amount": _money(row.expected_amount_cents),
        "expected_currency": row.expected_currency,
        "review_reason": row.review_reason,
        "status": row.review_status,
        "applied_line": row.applied_line_id,
        "resolved_at": row.resolved_at.isoformat() if row.resolved_at else None,
        "resolved_by": row.resolved_by,
        "note": row.resolution_note,
    }


def review_items(db: Database) -> list[dict]:
    """The open review queue: items that matched nothing, and items holding their line."""
    with db.reader() as session:
        rows = session.execute(
            select(ReturnItemRow, ReturnFile.name)
            .join(ReturnFile, ReturnFile.id == ReturnItemRow.return_file_id)
            .where(ReturnItemRow.review_status == "open")
            .order_by(ReturnItemRow.id)
        ).all()
        return [review_document(row, name) for row, name in rows]


#: The former name of the review queue.
unmatched_items = review_items


def _release(session: Session, item: ReturnItemRow) -> None:
    """The lines ``item`` holds are held by their next open item, or released."""
    held = session.execute(
        select(LedgerLine).where(LedgerLine.held_by_return_id == item.id).with_for_update()
    ).scalars()
    for line in held:
        other = session.execute(
            select(ReturnItemRow.id)
            .where(
                ReturnItemRow.line_id == line.id,
                ReturnItemRow.review_status == "open",
                ReturnItemRow.id != item.id,
            )
            .order_by(ReturnItemRow.id)
            .limit(1)
        ).scalar_one_or_none()
        line.held_by_return_id = other
        line.needs_review = other is not None


def resolve(
    db: Database,
    config: Config,
    item_id: int,
    *,
    apply_to: int | None,
    note: str,
    by: str,
    at: datetime,
    today: date,
) -> dict:
    """A person's decision on an open review item, audited (who, when, note).

    ``apply_to`` LINE: the item was an unpaid of that line; the unpaid workflow runs on it
    as the policy says for the item's code — or, for a code the policy sends to review, as the
    back office's ``unpay`` without a code, the code kept on the line. Otherwise the item is
    dismissed: the lines it held are released and settle normally.
    """
    record = f"return item {item_id}"
    if not note.strip():
        raise InvalidInput(record, "note", "a decision needs a note saying why")
    with db.transaction() as session:
        lock_job(session, "returns")
        item = session.execute(
            select(ReturnItemRow).where(ReturnItemRow.id == item_id).with_for_update()
        ).scalar_one_or_none()
        if item is None:
            raise NotFound(f"{record}: not found")
        if item.review_status != "open":
            state = item.review_status or f"{item.outcome}, not kept for review"
            raise InvalidInput(record, "status", f"is {state}: nothing to resolve")
        if apply_to is not None and item.kind not in ("reject", "return", "refund", "reversal"):
            raise InvalidInput(
                record, "apply", f"a {item.kind} is not an unpaid: dismiss it with a note"
            )
        _release(session, item)
        if apply_to is not None:
            _apply_decided(session, config, item, apply_to, today)
        item.review_status = "dismissed" if apply_to is None else "applied"
        item.resolved_at = at
        item.resolved_by = by
        item.resolution_note = note
        session.flush()
        name = session.get(ReturnFile, item.return_file_id).name
        document = review_document(item, name)
    notices.write_pending(db)
    return document


def _apply_decided(
    session: Session, config: Config, item: ReturnItemRow, line_id: int, today: date
) -> None:
    session.flush()
    line = payment_line(session, line_id)
    if line.held_by_return_id is not None:
        raise InvalidInput(
            f"line {line_id}",
            "held",
            f"is held by return item {line.held_by_return_id}: resolve that item first",
        )
    code = item.reason_code
    reviewed = bool(code) and config.policy.for_code(code).action is Action.REVIEW
    [case] = load_cases(session, LedgerLine.id == line.id)
    batch = UnpaidBatch(session, config, today)
    batch.unpaid(case, UnpayOptions(reason_code=None if reviewed else code))
    batch.write()
    session.refresh(line)
    if reviewed:
        line.reason_code = code
    item.applied_line_id = line.id
