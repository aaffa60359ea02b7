"""The scheduler: which jobs run on a day, catch-up of missed runs, a clean stop on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date, datetime, timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from support import FIXTURES

from sepa_batch import scheduler as jobs


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 12, 1), ["inbox", "settlement", "collection", "dunning", "blocked"]),
        (date(2026, 12, 2), ["inbox", "settlement", "dunning", "blocked"]),
    ],
)
def test_jobs_that_run_on_a_day(config, day, expected):
    assert [job.name for job in jobs.JOBS if jobs.runs_on(config, job.name, day)] == expected


def test_run_due_replays_a_day(run, tmp_path):
    run(
        "subscribe",
        "C001",
        "--article",
        "SUB_MONTH",
        "--start",
        "2010-07-01",
        "--months",
        "2",
        "--as-of",
        "2010-06-20",
    )
    first = run.json("scheduler", "run-due", "--as-of", "2010-07-01")["jobs"]
    assert list(first) == ["inbox", "settlement", "collection", "dunning", "blocked"]
    assert first["collection"].startswith("collected 1 instalment(s), 50.00 EUR, in 1 file(s)")
    again = run.json("scheduler", "run-due", "--as-of", "2010-07-01")["jobs"]
    assert again["collection"].startswith("collected 0 instalment(s)")  # never twice
    blocked = (tmp_path / "var" / "exports" / "blocked-2010-07-01.csv").read_text()
    assert blocked == "customer,name,overdue,since\n"
    settled = run.json("scheduler", "run-due", "--as-of", "2010-07-06")["jobs"]
    assert settled["settlement"] == "settled 1 line(s), 50.00 EUR"


def test_jobs_lists_next_runs(run):
    listed = run.json("scheduler", "jobs")["jobs"]
    assert [job["name"] for job in listed] == [
        "inbox",
        "settlement",
        "collection",
        "dunning",
        "blocked",
    ]
    assert all(job["next_run"] for job in listed)


def _wait_for(predicate, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def test_missed_runs_are_caught_up_once_within_the_grace_time(config, db, monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr(jobs, "run_once", lambda rt, name, day, now=None: calls.append(name))
    scheduler = jobs.build_scheduler(config, None, kind=BackgroundScheduler)
    scheduler.start(paused=True)
    try:
        now = datetime.now().astimezone()
        for job in scheduler.get_jobs():
            # the process was down: runs missed 3 hours ago (grace: 12 h); the monthly
            # collection's only missed run is 13 hours old, outside the grace: not run. Its
            # next run is moved half a year away: on the 1st of a month after 06:00 the real
            # timetable has a second missed run, today's, inside the grace.
            if job.id == "collection":
                away = (now.month + 5) % 12 + 1
                job.reschedule(CronTrigger(month=away, day=15, hour=6, timezone=now.tzinfo))
            hours = 13 if job.id == "collection" else 3
            job.modify(next_run_time=now - timedelta(hours=hours))
        scheduler.resume()
        assert _wait_for(lambda: len(calls) >= 4)
        time.sleep(0.5)
    finally:
        scheduler.shutdown(wait=True)
    assert sorted(calls) == ["blocked", "dunning", "inbox", "settlement"]  # once each


def test_sigterm_stops_the_scheduler_cleanly(tmp_path, config):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    config_path = next((tmp_path / "config").glob("*.toml"))
    process = subprocess.Popen(
        [sys.executable, "-m", "sepa_batch", "--config", str(config_path), "scheduler", "start"],
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        lines = []
        assert _wait_for(
            lambda: (
                "scheduler started" in (lines.append(process.stderr.readline()) or "".join(lines))
            ),
            20,
        )
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0
    assert "received SIGTERM: stopping after the running job" in err
    assert "scheduler stopped" in err
    assert FIXTURES.is_dir()  # the config used the fixtures' folder layout
