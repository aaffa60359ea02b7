"""``collect_due``: the whole run, in one database transaction under the ``collect`` job lock
(see the package's docstring for its stages)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from sepa_batch.collection import marking, outbox
from sepa_batch.collection.candidates import candidates
from sepa_batch.collection.eligibility import Skipped
from sepa_batch.collection.jobs import PARTIAL, FileJob, number_file
from sepa_batch.collection.outbox import Recovery
from sepa_batch.collection.plan import Block, Planner, split
from sepa_batch.collection.writers import Writers, write_file
from sepa_batch.config import Config
from sepa_batch.db.session import Database, lock_job
from sepa_batch.domain.calendar import next_collection_day
from sepa_batch.money import format_amount


@dataclass(frozen=True, slots=True)
class WrittenFile:
    path: str
    message_id: str
    transactions: int
    control_sum_cents: int

    def document(self) -> dict:
        return {
            "path": self.path,
            "message_id": self.message_id,
            "transactions": self.transactions,
            "control_sum": format_amount(self.control_sum_cents),
        }


@dataclass(frozen=True, slots=True)
class BlockSummary:
    """One PmtInf block written (or, in a dry run, that would be written)."""

    pmtinf_id: str
    sequence_type: str
    collection_date: date
    transactions: int
    control_sum_cents: int


@dataclass(slots=True)
class CollectionResult:
    files: list[WrittenFile] = field(default_factory=list)
    collected: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    blocks: list[BlockSummary] = field(default_factory=list)
    dry_run: bool = False
    recovery: Recovery | None = None

    def document(self) -> dict:
        document = {
            "files": [f.document() for f in self.files],
            "collected": self.collected,
            "skipped": [s.document() for s in self.skipped],
        }
        recovered = self.recovery.describe() if self.recovery else None
        if recovered:
            document["recovered"] = recovered
        return document


def default_horizon(config: Config, today: date) -> date:
    """By default a run collects what is due by the next collection day."""
    return next_collection_day(today, config.collection_day)


def collect_due(
    db: Database,
    config: Config,
    *,
    today: date,
    created_at: datetime,
    until: date | None = None,
    version: str | None = None,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
) -> CollectionResult:
    """Collect every due direct-debit instalment (see the package's docstring).

    ``created_at`` is the files' creation time: collection dates are at least the bank
    profile's cut-off business days after its day. ``until`` defaults to the next collection
    day after ``today``. A dry run plans, numbers and reports the files it would write, then
    rolls back: no file written, nothing changed, the outbox left as it is.

    ``progress(done, total)`` is called as transactions are written. ``workers``: processes
    writing the files (default: one per core, up to 4, once the run has planned
    ``writers.PARALLEL_MIN_TRANSACTIONS`` lines; 1 writes in this process). Workers are
    started with ``spawn``: a script calling this needs the usual
    ``if __name__ == "__main__":`` guard, as with any multiprocessing program.
    """
    version = version or config.bank.pain008_version
    until = until or default_horizon(config, today)
    result = CollectionResult(dry_run=dry_run)
    partial_dir = None if dry_run else config.folders.outbox / PARTIAL
    files: list[list[Block]] = []
    jobs: list[FileJob] = []
    planned: list[FileJob] = []
    planner = None
    if not dry_run and db.is_sqlite:
        database = make_url(config.database_url).database
        if database and database != ":memory:":
            outbox.check_writable(Path(database).parent, "folders.data")
    try:
        with db.transaction() as session, Writers(1 if dry_run else workers) as writers:
            lock_job(session, "collect")
            if partial_dir is not None:
                outbox.check_writable(config.folders.outbox, "folders.outbox")
                partial_dir.mkdir(parents=True, exist_ok=True)
                outbox.check_writable(partial_dir, "folders.outbox")
                result.recovery = outbox.recover(session, config, today, created_at)

            def new_file(blocks: list[Block], planned: int) -> None:
                files.append(blocks)
                jobs.append(number_file(session, config, blocks, created_at, version))
                if not dry_run:
                    writers.add(jobs[-1], planned)

            planner = Planner(config, created_at.date(), partial_dir, new_file)
            for row in candidates(session, until):
                planner.consider(row)
            for blocks in split(planner.finish(), config.bank.max_transactions_per_file):
                new_file(blocks, planner.collected)
            result.skipped = planner.skipped
            _summarise(jobs, result)
            if dry_run:
                session.rollback()
                return result
            planned = list(jobs)
            changed = marking.record_all(
                session, config.bank.message_prefix, files, jobs, db.is_sqlite, planner.amendments
            )
            writers.wait(progress)
            if changed:  # the files written without the lines changed meanwhile
                _rewrite_without(planned, jobs)
                result.skipped = planner.skipped + changed
                result.files, result.blocks, result.collected = [], [], 0
                _summarise(jobs, result)
    except BaseException:
        outbox.discard(jobs + planned)
        raise
    finally:
        if planner is not None:
            planner.discard()
    for job in jobs:
        outbox.publish(Path(job.partial), Path(job.path))
    outbox.mark_published(db, [job.message_id for job in jobs], created_at)
    return result


def _rewrite_without(planned: list[FileJob], jobs: list[FileJob | None]) -> None:
    """Files left with no line deleted; files that lost lines written again without them."""
    outbox.discard([old for old, new in zip(planned, jobs, strict=True) if new is None])
    jobs[:] = [job for job in jobs if job is not None]
    for job in jobs:
        if job.excluded:
            write_file(job)


def _summarise(jobs: list[FileJob], result: CollectionResult) -> None:
    for job in jobs:
        header = job.header
        result.files.append(
            WrittenFile(job.path, job.message_id, header.transactions, header.control_sum_cents)
        )
        result.collected += header.transactions
        result.blocks.extend(
            BlockSummary(b.payment_information_id, b.sequence_type, b.collection_date,
                         b.transactions, b.control_sum_cents)
            for b in job.blocks
        )  # fmt: skip
