"""A failing job never stops the day's others, and two ``scheduler start`` processes do the
day's work once (issue 10, point 6)."""

from __future__ import annotations

import os
import select as selectors
import signal
import subprocess
import sys
import time
from datetime import date, datetime, timedelta

from conftest import write_config
from sqlalchemy import create_engine, select, text
from support import FIXTURES

from sepa_batch import scheduler as jobs
from sepa_batch.db.schema import JobLock


def _boom(rt, day, now):
    raise RuntimeError("the inbox folder is on a disk that went away")


def test_run_due_goes_on_after_a_failing_job(config, db, monkeypatch):
    monkeypatch.setitem(
        jobs.JOBS_BY_NAME, "inbox", jobs.Job("inbox", _boom, "import the bank's return files")
    )
    day = date(2010, 7, 1)
    outcomes = jobs.run_due(jobs.Runtime(config, db), day)
    assert list(outcomes) == ["inbox", "settlement", "collection", "dunning", "blocked"]
    assert outcomes["inbox"] == "FAILED: the inbox folder is on a disk that went away"
    assert jobs.failed(outcomes) == ["inbox"]
    assert outcomes["settlement"].startswith("settled 0 line(s)")
    assert (config.folders.exports / "blocked-2010-07-01.csv").exists()


def test_run_due_exits_1_naming_the_failed_job(run, monkeypatch):
    monkeypatch.setitem(
        jobs.JOBS_BY_NAME, "inbox", jobs.Job("inbox", _boom, "import the bank's return files")
    )
    result = run("scheduler", "run-due", "--as-of", "2010-07-02", expect=1)
    assert "inbox: FAILED: the inbox folder is on a disk that went away" in result.stdout
    assert "blocked: blocked list written" in result.stdout


def _last_run(db, name: str) -> date | None:
    with db.reader() as session:
        return session.execute(
            select(JobLock.last_run_on).where(JobLock.name == f"scheduler:{name}")
        ).scalar_one_or_none()


def test_a_failing_job_gives_its_day_back_and_runs_once_when_it_works(config, db, monkeypatch):
    rt = jobs.Runtime(config, db)
    now = datetime(2010, 7, 2, 5, 30)
    monkeypatch.setitem(jobs.JOBS_BY_NAME, "dunning", jobs.Job("dunning", _boom, "dunning"))
    assert jobs.run_once(rt, "dunning", now.date(), now) is None
    assert _last_run(db, "dunning") is None  # given back: retried at the next run
    monkeypatch.undo()
    assert jobs.run_once(rt, "dunning", now.date(), now) == "0 notice(s), 0 cycle(s) closed"
    assert _last_run(db, "dunning") == now.date()
    assert jobs.run_once(rt, "dunning", now.date(), now) is None  # done: not again
    assert jobs.run_once(rt, "dunning", date(2010, 7, 3), now) is not None  # the next day


def test_last_fire_within_the_grace_time():
    trigger = jobs.CronTrigger.from_crontab("30 5 * * *")
    now = datetime(2026, 12, 1, 9, 0).astimezone()
    assert (
        jobs.last_fire(trigger, now, timedelta(hours=12))
        == datetime(2026, 12, 1, 5, 30).astimezone()
    )
    assert jobs.last_fire(trigger, now, timedelta(hours=3)) is None


def _cli(config_path, *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "sepa_batch", "--config", str(config_path), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


def _wait_for_lines(process, wanted: str, seconds: float) -> str:
    """What the process wrote on stderr until ``wanted`` shows (or the time is up)."""
    deadline = time.monotonic() + seconds
    seen = b""
    fd = process.stderr.fileno()
    while time.monotonic() < deadline and wanted.encode() not in seen:
        ready, _, _ = selectors.select([fd], [], [], 0.1)
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            seen += chunk
    return seen.decode()


def test_two_scheduler_processes_catch_up_the_same_missed_day_once(postgres_url, tmp_path):
    """Both processes start after the day's runs (an hour ago, inside the 12 h grace time):
    each catches up from the database, and every job of the day is done by one of them."""
    fired = (datetime.now() - timedelta(hours=1)).replace(second=0, microsecond=0)
    today = fired.date()
    config_path = write_config(
        tmp_path,
        postgres_url,
        f'\n[scheduler]\ndaily_cron = "{fired.minute} {fired.hour} * * *"\n'
        f'collection_cron = "{fired.minute} {fired.hour} {fired.day} * *"\n'
        "inbox_poll_minutes = 15\nmisfire_grace_hours = 12\n",
    )
    _cli(config_path, "init")
    _cli(config_path, "articles", "import", str(FIXTURES / "articles.csv"))
    signed = (today - timedelta(days=40)).isoformat()
    rows = (FIXTURES / "customers.csv").read_text(encoding="utf-8").splitlines()[:5]
    customers = tmp_path / "customers.csv"  # mandates signed 40 days ago: valid today
    customers.write_text(
        "\n".join([rows[0], *(row.rsplit(",", 1)[0] + f",{signed}" for row in rows[1:])]) + "\n",
        encoding="utf-8",
    )
    _cli(config_path, "customers", "import", str(customers), "--as-of", signed)
    for code in ("C001", "C002", "C003", "C004"):
        _cli(
            config_path,
            "subscribe",
            code,
            "--article",
            "SUB_MONTH",
            "--start",
            today.isoformat(),
            "--months",
            "3",
            "--as-of",
            (today - timedelta(days=30)).isoformat(),
        )
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "sepa_batch", "--config", str(config_path)]
    processes = [
        subprocess.Popen(
            [*command, "scheduler", "start"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        for _ in range(2)
    ]
    logs = []
    try:
        for process in processes:
            logs.append(_wait_for_lines(process, "scheduler started", 240))
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for index, process in enumerate(processes):
            _out, err = process.communicate(timeout=120)
            logs[index] += err.decode()
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
    both = "".join(logs)
    assert [p.returncode for p in processes] == [0, 0], both
    for name in ("settlement", "collection", "dunning", "blocked"):
        done = [line for line in both.splitlines() if f"job {name} {today}: " in line]
        ran = [line for line in done if "already done" not in line]
        assert len(ran) == 1, (name, done)
    assert "FAILED" not in both
    engine = create_engine(postgres_url)
    with engine.connect() as connection:
        files = connection.execute(text("SELECT count(*) FROM bank_files")).scalar_one()
        submitted = connection.execute(
            text("SELECT count(*) FROM ledger_lines WHERE status = 'SUBMITTED'")
        ).scalar_one()
        days = dict(
            connection.execute(
                text("SELECT name, last_run_on FROM job_locks WHERE name LIKE 'scheduler:%'")
            ).all()
        )
    engine.dispose()
    assert (files, submitted) == (1, 4), both
    assert days == {
        f"scheduler:{name}": today for name in ("settlement", "collection", "dunning", "blocked")
    }
