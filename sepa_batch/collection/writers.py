"""Writing the files from the spool: in this process, or in worker processes for large runs.

Every file is validated against the official XSD before the collection may publish it."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor
from concurrent.futures import wait as futures_wait
from multiprocessing import get_context

from sepa_batch.collection import spool
from sepa_batch.collection.jobs import FileJob
from sepa_batch.sepa import pain008, xsd

#: Runs with fewer transactions are written in this process.
PARALLEL_MIN_TRANSACTIONS = 20_000
MAX_WRITERS = 4


def write_file(job: FileJob, progress: Callable[[int], None] | None = None) -> None:
    """Write one pain.008 file into the partial folder, validated against the XSD as it is
    written (raises if it is not valid: it is never published). Worker processes run this
    too: it reads the plan's spool and touches no database."""
    blocks = (
        (block, spool.read(segment, job.parent_pid, progress, job.excluded))
        for block, segment in zip(job.blocks, job.segments, strict=True)
    )
    with open(job.partial, "wb") as out:
        checked = xsd.ValidatingWriter(out, job.partial, job.version)
        pain008.write_pain008(checked, job.header, job.creditor, blocks, version=job.version)
    checked.finish()


#: In a worker process: the count of transactions written, shared with the collection.
_written = None


def _writer_started(parent_pid: int, written) -> None:
    """In a worker: die with the collection that started it (Linux's parent-death signal),
    so that no orphan goes on writing a partial file after a crash; count into ``written``."""
    global _written
    _written = written
    with contextlib.suppress(OSError, AttributeError):
        os.nice(10)  # the collection itself (plan, marks) is the critical path: it goes first
    with contextlib.suppress(OSError, AttributeError):  # not Linux: checked between chunks
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent_pid:  # the collection died before prctl took effect
        os._exit(1)


def _count_written(transactions: int) -> None:
    with _written.get_lock():
        _written.value += transactions


class Writers:
    """Writes the files: in this process once the lines are marked, or — for a large run — in
    worker processes, one file each, as soon as a file is planned: the writer is pure Python,
    so this is how the other cores help while this process plans and marks."""

    def __init__(self, workers: int | None):
        self.workers = workers
        self.pool = None
        self.jobs: list[FileJob] = []
        self.futures = []
        self.written = None
        self.done = 0

    def __enter__(self) -> Writers:
        return self

    def __exit__(self, *exc_info) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def add(self, job: FileJob, planned: int) -> None:
        """One more file to write; ``planned``: the lines collected so far."""
        self.jobs.append(job)
        if self.pool is None and self._workers(planned) > 1:
            self._start(self._workers(planned))
            self.futures = [self.pool.submit(write_file, j, _count_written) for j in self.jobs]
        elif self.pool is not None:
            self.futures.append(self.pool.submit(write_file, job, _count_written))

    def _workers(self, planned: int) -> int:
        if self.workers is not None:
            return self.workers
        large = planned >= PARALLEL_MIN_TRANSACTIONS
        return min(os.cpu_count() or 1, MAX_WRITERS) if large else 1

    def _start(self, workers: int) -> None:
        context = get_context("spawn")
        self.written = context.Value("q", 0)
        self.pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=_writer_started,
            initargs=(os.getpid(), self.written),
        )

    def wait(self, progress) -> None:
        """Every file written and valid, else the first error raised."""
        total = sum(job.header.transactions for job in self.jobs)

        def count(transactions: int) -> None:
            self.done += transactions
            if progress and transactions:
                progress(self.done, total)

        if self.pool is None:
            for job in self.jobs:
                write_file(job, count if progress else None)
            return
        pending = set(self.futures)
        while pending:
            finished, pending = futures_wait(pending, timeout=0.25, return_when=FIRST_EXCEPTION)
            for future in finished:
                future.result()
            count(self.written.value - self.done)
