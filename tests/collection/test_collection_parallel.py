"""Large runs write their files in worker processes: the same bytes as in one process."""

from __future__ import annotations

from datetime import datetime

import pytest
from collection.collect_cases import GOLDEN, collect, story, subscribe

from sepa_batch.collection import spool, writers


@pytest.mark.parametrize("version", ["pain.008.001.08"])
@pytest.mark.parametrize(("chunk", "parallel"), [(2, True), (3, True), (2000, True), (2, False)])
def test_worker_processes_write_the_golden_files(make_club, monkeypatch, version, chunk, parallel):
    """Blocks cut across files, dumps in chunks of 2 or 3 lines: file parts start in the
    middle of a chunk and span several; the bytes do not change."""
    monkeypatch.setattr(writers, "PARALLEL_MIN_TRANSACTIONS", 1 if parallel else 10**9)
    monkeypatch.setattr(spool, "DUMP_CHUNK", chunk)
    started = []
    original = writers.Writers.wait

    def spy(self, progress):
        started.append(self.pool is not None)
        original(self, progress)

    monkeypatch.setattr(writers.Writers, "wait", spy)
    runs = story(make_club, version)
    assert started == [parallel] * 3  # three runs of three files each
    for run, (_, files) in runs.items():
        for name, data in files.items():
            assert data == (GOLDEN / version / f"{run}-{name}").read_bytes(), name


@pytest.mark.parametrize("workers", [1, 2])
def test_progress_counts_every_transaction(make_club, monkeypatch, workers):
    monkeypatch.setattr(writers, "PARALLEL_MIN_TRANSACTIONS", 1)
    config, db = make_club("[bank]\nmax_transactions_per_file = 3\n")
    for code in ("C001", "C002", "C003", "C004", "C006", "C007", "C008"):
        subscribe(db, code)
    calls = []
    result = collect(
        db,
        config,
        datetime(2010, 7, 1, 9, 0),
        progress=lambda done, total: calls.append((done, total)),
        workers=workers,
    )
    assert result.collected == 7
    assert calls and calls[-1] == (7, 7)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
