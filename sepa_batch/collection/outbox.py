"""The outbox: files published after the commit; what a crashed run left, finished or undone.

Files are written into ``outbox/.partial/`` and renamed into the outbox once the collection
that recorded them has committed. A crash before the commit leaves only partial files, which
the next run deletes; a crash after it leaves committed bank files whose partial files the
next run renames into the outbox (or discards, their lines back to SCHEDULED, when their
requested collection dates can no longer be met)."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import NamedTuple

from lxml import etree
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from sepa_batch.collection.jobs import PARTIAL, FileJob
from sepa_batch.config import Config
from sepa_batch.db.schema import BankFile, LedgerLine, Mandate, PaymentBatch
from sepa_batch.db.session import Database, lock_job
from sepa_batch.domain.calendar import collection_date, is_business_day
from sepa_batch.domain.model import Status
from sepa_batch.errors import InvalidInput


class WrittenAmendment(NamedTuple):
    """A mandate amendment as a written file carries it (read back from the file)."""

    original_reference: str | None
    original_iban: str | None
    new_bank: bool


@dataclass(slots=True)
class Recovery:
    """What a recovery found: files published late, files discarded (their lines back to
    SCHEDULED: their requested collection date can no longer be met), orphans deleted."""

    published: list[Path] = field(default_factory=list)
    discarded: list[str] = field(default_factory=list)  # message ids
    rescheduled: int = 0

    def describe(self) -> str | None:
        """One line for the output / the log, or None when there was nothing to do."""
        parts = []
        if self.published:
            parts.append(f"published {len(self.published)} file(s) a crash left unpublished")
        if self.discarded:
            parts.append(
                f"discarded {', '.join(self.discarded)} (collection date can no longer be met): "
                f"{self.rescheduled} line(s) back to SCHEDULED"
            )
        return "; ".join(parts) or None


def recover_outbox(db: Database, config: Config, today: date, now: datetime) -> Recovery:
    """Finish or undo what a crash interrupted (before any job or write command): a written
    file not yet published is renamed into the outbox while its requested collection dates can
    still be met on ``today``, else discarded with its lines back to SCHEDULED; partial files
    of runs that never committed are deleted."""
    with db.transaction() as session:
        lock_job(session, "collect")
        return recover(session, config, today, now)


def recover(session: Session, config: Config, today: date, now: datetime) -> Recovery:
    """Under the job lock: no other run is writing, so an uncommitted partial is an orphan."""
    found = Recovery()
    partial_dir = config.folders.outbox / PARTIAL
    if partial_dir.is_dir():
        for dump in partial_dir.glob("*.rows"):
            dump.unlink()
    unpublished = session.execute(
        select(BankFile).where(BankFile.published_at.is_(None)).order_by(BankFile.id)
    ).scalars()
    earliest = collection_date(today, today, config.bank.cutoff_business_days)
    for bank_file in list(unpublished):
        partial = partial_dir / f"{bank_file.message_id}.xml"
        path = Path(bank_file.path)
        dates = session.execute(
            select(PaymentBatch.collection_date).where(PaymentBatch.bank_file_id == bank_file.id)
        ).scalars()
        meetable = all(is_business_day(day) and day >= earliest for day in dates)
        if path.exists() or (partial.exists() and meetable):
            publish(partial, path)
            bank_file.published_at = now
            found.published.append(path)
        else:
            carried = _carried_amendments(partial) if partial.exists() else {}
            found.rescheduled += _discard_file(session, config, bank_file, today, carried)
            partial.unlink(missing_ok=True)
            found.discarded.append(bank_file.message_id)
    session.flush()
    if partial_dir.is_dir():
        known = set(session.execute(select(BankFile.message_id)).scalars())
        for partial in sorted(partial_dir.glob("*.xml")):
            if partial.stem not in known:
                partial.unlink()
    return found


def _carried_amendments(partial: Path) -> dict[str, WrittenAmendment]:
    """End-to-end id → the amendment, for the transactions of a written file that carry one
    (read back from the file itself)."""
    found = {}
    for _, tx in etree.iterparse(str(partial), tag="{*}DrctDbtTxInf", resolve_entities=False):
        details = tx.find(".//{*}AmdmntInfDtls")
        if details is not None:
            agent = details.findtext(".//{*}OrgnlDbtrAgt//{*}Id")
            found[tx.findtext(".//{*}EndToEndId")] = WrittenAmendment(
                details.findtext("{*}OrgnlMndtId"),
                details.findtext("{*}OrgnlDbtrAcct/{*}Id/{*}IBAN"),
                agent == "SMNDA",
            )
        tx.clear()
    return found


def _discard_file(
    session: Session,
    config: Config,
    bank_file: BankFile,
    today: date,
    carried: dict[str, WrittenAmendment],
) -> int:
    """The lines of a file never published back to SCHEDULED (a first collection does not use
    up the FRST; the amendments it carried are pending again, unless the mandate was amended
    since), then its records deleted. Returns the lines rescheduled."""
    from sepa_batch.unpaid.batch import UnpaidBatch
    from sepa_batch.unpaid.cases import load_cases

    batch_ids = select(PaymentBatch.id).where(PaymentBatch.bank_file_id == bank_file.id)
    cases = load_cases(
        session, LedgerLine.batch_id.in_(batch_ids), LedgerLine.status == Status.SUBMITTED
    )
    work = UnpaidBatch(session, config, today)
    for found in cases:
        amendment = carried.get(found.end_to_end_id or "")
        if amendment is not None and found.mandate_id is not None:
            mandate = session.get(Mandate, found.mandate_id)
            mandate.amend_original_reference = (
                mandate.amend_original_reference or amendment.original_reference
            )
            mandate.amend_original_iban = mandate.amend_original_iban or amendment.original_iban
            mandate.amend_new_bank = mandate.amend_new_bank or amendment.new_bank
        work.reschedule(found, None)
    session.flush()
    work.write()
    still_used = select(LedgerLine.batch_id).where(LedgerLine.batch_id.in_(batch_ids))
    if session.execute(still_used.limit(1)).first() is None:
        session.execute(
            delete(PaymentBatch)
            .where(PaymentBatch.bank_file_id == bank_file.id)
            .execution_options(synchronize_session=False)
        )
        session.delete(bank_file)
    return len(cases)


def mark_published(db: Database, message_ids: list[str], now: datetime) -> None:
    """The files renamed into the outbox are published (a recovery may have done it first)."""
    if not message_ids:
        return
    with db.transaction() as session:
        session.execute(
            update(BankFile)
            .where(BankFile.message_id.in_(message_ids), BankFile.published_at.is_(None))
            .values(published_at=now)
            .execution_options(synchronize_session=False)
        )


def publish(partial: Path, path: Path) -> None:
    """Rename into the outbox (atomic); another run's recovery may have done it already."""
    try:
        partial.replace(path)
    except FileNotFoundError:
        if not path.exists():
            raise


def discard(jobs: list[FileJob | None]) -> None:
    """The partial files of jobs that will not be published."""
    for job in jobs:
        if job is not None:
            Path(job.partial).unlink(missing_ok=True)


def check_writable(folder: Path, key: str) -> None:
    """Refuse, before anything is committed, a folder where no file can be created."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".probe-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise InvalidInput(
            f"config {key}", str(folder), f"cannot write there ({exc.strerror or exc})"
        ) from None
