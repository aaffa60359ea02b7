"""The unattended scheduler (PRODUCT §10): the same services as the back office, on a timetable.

``run_due(app, day)`` runs what would run on ``day`` — the way tests, the demo and an operator
replay a day. ``start`` runs the timetable for real with APScheduler 3 (BlockingScheduler, jobs
persisted in the product's own database, misfires coalesced and caught up once within a grace
time, one instance of a job at a time). Every job is idempotent and single-flight: the services
take a database lock and never do the same work twice.

Each job run logs one line: ``job collection 2026-12-01: collected 1200 in 1 file(s), ...``.
"""

from __future__ import annotations

import csv
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MISSED,
    EVENT_SCHEDULER_STARTED,
)
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from sepa_batch import clock
from sepa_batch import config as config_module
from sepa_batch.config import Config
from sepa_batch.db.session import Database
from sepa_batch.money import format_amount
from sepa_batch.services import dunning, ledger, settlement
from sepa_batch.services import returns as returns_service
from sepa_batch.services.collection import collect_due, recover_outbox

log = logging.getLogger("sepa_batch.scheduler")


@dataclass(frozen=True, slots=True)
class Runtime:
    config: Config
    db: Database


def _collection(rt: Runtime, day: date, now: datetime) -> str:
    result = collect_due(rt.db, rt.config, today=day, created_at=now)
    total = sum(f.control_sum_cents for f in result.files)
    return (
        f"collected {result.collected} instalment(s), {format_amount(total)} EUR, in "
        f"{len(result.files)} file(s); skipped {len(result.skipped)}"
    )


def _inbox(rt: Runtime, day: date, now: datetime) -> str:
    paths = returns_service.inbox_files(rt.config)
    outcomes = returns_service.import_returns(rt.db, rt.config, paths, day, move=True)
    refused = [o for o in outcomes if o.error]
    applied = sum(o.applied for o in outcomes)
    unmatched = sum(o.unmatched for o in outcomes)
    return (
        f"{len(outcomes)} file(s): {applied} applied, {unmatched} unmatched, {len(refused)} refused"
    )


def _settlement(rt: Runtime, day: date, now: datetime) -> str:
    result = settlement.settle(rt.db, day)
    return f"settled {result.settled} line(s), {format_amount(result.amount_cents)} EUR"


def _dunning(rt: Runtime, day: date, now: datetime) -> str:
    result = dunning.run_dunning(rt.db, rt.config, day)
    return f"{len(result.notices)} notice(s), {len(result.closed)} cycle(s) closed"


def _blocked_list(rt: Runtime, day: date, now: datetime) -> str:
    path = export_blocked(rt, day)
    return f"blocked list written to {path}"


def export_blocked(rt: Runtime, day: date) -> Path:
    """The door system's file: every customer blocked on ``day`` (written atomically)."""
    rows = ledger.blocked_customers(rt.db, day)
    folder = rt.config.folders.exports
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"blocked-{day.isoformat()}.csv"
    partial = path.with_suffix(".tmp")
    with partial.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["customer", "name", "overdue", "since"])
        for row in rows:
            writer.writerow(
                [row.customer, row.name, format_amount(row.overdue_cents), row.since.isoformat()]
            )
    partial.replace(path)
    return path


@dataclass(frozen=True, slots=True)
class Job:
    name: str
    run: Callable[[Runtime, date, datetime], str]
    description: str


#: In the order a day is replayed: returns that came in overnight first, then settlement,
#: the monthly collection, dunning, and the door's list last.
JOBS = (
    Job("inbox", _inbox, "import the bank's return files from the inbox"),
    Job("settlement", _settlement, "mark settled the lines whose collection date has passed"),
    Job("collection", _collection, "the monthly collection into pain.008 files"),
    Job("dunning", _dunning, "issue the dunning notices that are due"),
    Job("blocked", _blocked_list, "export the blocked list for the door system"),
)
JOBS_BY_NAME = {job.name: job for job in JOBS}


def triggers(config: Config) -> dict[str, object]:
    """The APScheduler trigger of every job, from ``[scheduler]`` in the configuration."""
    settings = config.scheduler
    zone = ZoneInfo(config.timezone)
    daily = CronTrigger.from_crontab(settings["daily_cron"], timezone=zone)
    return {
        "inbox": IntervalTrigger(minutes=int(settings["inbox_poll_minutes"]), timezone=zone),
        "settlement": daily,
        "collection": CronTrigger.from_crontab(settings["collection_cron"], timezone=zone),
        "dunning": daily,
        "blocked": daily,
    }


def runs_on(config: Config, name: str, day: date) -> bool:
    """Whether the job's timetable fires during ``day`` (the inbox poll always does)."""
    trigger = triggers(config)[name]
    if isinstance(trigger, IntervalTrigger):
        return True
    start = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(config.timezone))
    fire = trigger.get_next_fire_time(None, start)
    return fire is not None and fire.date() == day


def run_job(rt: Runtime, name: str, day: date, now: datetime | None = None) -> str:
    """Run one job for ``day`` and log its one line."""
    now = now or datetime.combine(day, datetime.min.time())
    try:
        recover_first(rt, day, now)
        outcome = JOBS_BY_NAME[name].run(rt, day, now)
    except Exception as exc:
        log.error("job %s %s: FAILED: %s", name, day.isoformat(), exc)
        raise
    log.info("job %s %s: %s", name, day.isoformat(), outcome)
    return outcome


def recover_first(rt: Runtime, day: date, now: datetime) -> None:
    """Finish or undo what a crash left in the outbox before any job (logged when it did)."""
    recovered = recover_outbox(rt.db, rt.config, day, now).describe()
    if recovered:
        log.warning("recovery %s: %s", day.isoformat(), recovered)


def run_due(rt: Runtime, day: date, now: datetime | None = None) -> dict[str, str]:
    """Run, in order, every job that would run on ``day``; returns each job's outcome."""
    return {
        job.name: run_job(rt, job.name, day, now)
        for job in JOBS
        if runs_on(rt.config, job.name, day)
    }


def next_runs(config: Config, now: datetime) -> list[tuple[str, str, datetime | None]]:
    aware = now.astimezone()
    return [
        (job.name, job.description, triggers(config)[job.name].get_next_fire_time(None, aware))
        for job in JOBS
    ]


# --- the long-running process ------------------------------------------------------------------
def scheduled_job(config_path: str, name: str) -> None:
    """What APScheduler calls (by reference, so the job store can persist it)."""
    config = config_module.load(config_path or None)
    rt = Runtime(config, Database(config.database_url))
    try:
        now = clock.club_now(config.timezone)
        run_job(rt, name, now.date(), now)
    finally:
        rt.db.dispose()


def build_scheduler(
    config: Config, config_path: str | None, kind: type[BaseScheduler] = BlockingScheduler
) -> BaseScheduler:
    """The timetable with a job store in the product's database (table ``scheduler_jobs``)."""
    grace = int(float(config.scheduler["misfire_grace_hours"]) * 3600)
    scheduler = kind(
        jobstores={
            "default": SQLAlchemyJobStore(url=config.database_url, tablename="scheduler_jobs")
        },
        job_defaults={"coalesce": True, "misfire_grace_time": grace, "max_instances": 1},
    )
    for name, trigger in triggers(config).items():
        scheduler.add_job(
            scheduled_job,
            trigger,
            args=[config_path or "", name],
            id=name,
            name=name,
            replace_existing=True,
        )
    scheduler.add_listener(_log_event, EVENT_JOB_ERROR | EVENT_JOB_EXECUTED | EVENT_JOB_MISSED)
    return scheduler


def _log_event(event) -> None:
    if event.code == EVENT_JOB_MISSED:
        log.warning(
            "job %s: missed its run at %s (outside the grace time)",
            event.job_id,
            event.scheduled_run_time,
        )


def start(config: Config, config_path: str | None) -> None:
    """Run until SIGTERM or Ctrl-C; the running job finishes first."""
    scheduler = build_scheduler(config, config_path)
    rt = Runtime(config, Database(config.database_url))
    try:
        now = clock.club_now(config.timezone)
        recover_first(rt, now.date(), now)
    except Exception as exc:  # each job recovers again before it runs
        log.error("recovery at start: FAILED: %s", exc)
    finally:
        rt.db.dispose()

    def stop(signum, _frame) -> None:
        log.info("received %s: stopping after the running job", signal.Signals(signum).name)
        scheduler.shutdown(wait=True)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    def started(_event) -> None:  # once running: a SIGTERM from now on can stop it
        log.info("scheduler started with %d jobs", len(scheduler.get_jobs()))

    scheduler.add_listener(started, EVENT_SCHEDULER_STARTED)
    scheduler.start()
    log.info("scheduler stopped")


def replay(rt: Runtime, first: date, last: date) -> dict[date, dict[str, str]]:
    """``run_due`` for every day from ``first`` to ``last`` included."""
    outcomes = {}
    day = first
    while day <= last:
        outcomes[day] = run_due(rt, day)
        day += timedelta(days=1)
    return outcomes
