"""The unattended scheduler (PRODUCT §10): the same services as the back office, on a timetable.

``run_due(rt, day)`` runs what would run on ``day`` — the way tests, the demo and an operator
replay a day. ``start`` runs the timetable for real with APScheduler 3 (a background scheduler, one
instance of a job at a time). Each scheduler process has its own in-memory job store: several
processes may run, and the database is their only guard. A daily job is claimed for its day in
``job_locks`` (``scheduler:<job>``, ``last_run_on``, compare-and-set) before it runs, so two
processes run it once; a job that fails gives its day back and is retried at its next run. At
start, a run missed within the grace time (the process was down) is caught up once, from the
database's ``last_run_on``, never from a job store. Every job is idempotent and single-flight:
the services take a database lock and never do the same work twice. One job failing never
stops the others.

Each job run logs one line: ``job collection 2026-12-01: collected 1200 in 1 file(s), ...``.
"""

from __future__ import annotations

import csv
import logging
import os
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select, text, update

from sepa_batch import clock
from sepa_batch import config as config_module
from sepa_batch.collection import collect_due, recover_outbox
from sepa_batch.config import Config
from sepa_batch.db.schema import JobLock
from sepa_batch.db.session import Database
from sepa_batch.files import remove_leftovers, spreadsheet_row
from sepa_batch.money import format_amount
from sepa_batch.services import dunning, ledger, settlement
from sepa_batch.services import inbox as inbox_service
from sepa_batch.services.delivery import scheduler_job as _notices

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
    paths = inbox_service.inbox_files(rt.config)
    outcomes = inbox_service.import_returns(rt.db, rt.config, paths, day, move=True)
    refused = [o for o in outcomes if o.error]
    applied = sum(o.applied for o in outcomes)
    unmatched = sum(o.unmatched for o in outcomes)
    review = sum(o.review for o in outcomes)
    return (
        f"{len(outcomes)} file(s): {applied} applied, {unmatched} unmatched, {review} held for "
        f"review, {len(refused)} refused"
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
    # this process's own partial file (two schedulers may export the same day at once); a
    # crash leaves it to ``remove_leftovers`` once the process is gone
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with partial.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["customer", "name", "overdue", "since"])
        for row in rows:
            writer.writerow(
                spreadsheet_row(  # read by people in a spreadsheet too: no formula runs
                    [
                        row.customer,
                        row.name,
                        format_amount(row.overdue_cents),
                        row.since.isoformat(),
                    ]
                )
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
    Job("notices", _notices, "e-mail the notices not sent yet ([smtp])"),
)
JOBS_BY_NAME = {job.name: job for job in JOBS}


def triggers(config: Config) -> dict[str, object]:
    """The APScheduler trigger of every job, from ``[scheduler]`` in the configuration."""
    settings = config.scheduler
    zone = ZoneInfo(config.timezone)
    daily = CronTrigger.from_crontab(settings["daily_cron"], timezone=zone)
    timetable = {
        "inbox": IntervalTrigger(minutes=int(settings["inbox_poll_minutes"]), timezone=zone),
        "settlement": daily,
        "collection": CronTrigger.from_crontab(settings["collection_cron"], timezone=zone),
        "dunning": daily,
        "blocked": daily,
    }
    if config.smtp is not None:  # without [smtp] the notices stay files: no job
        timetable["notices"] = IntervalTrigger(minutes=int(settings["inbox_poll_minutes"]))
    return timetable


def runs_on(config: Config, name: str, day: date) -> bool:
    """Whether the job's timetable fires during ``day`` (the inbox poll always does)."""
    trigger = triggers(config).get(name)
    if trigger is None:
        return False
    if isinstance(trigger, IntervalTrigger):
        return True
    start = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(config.timezone))
    fire = trigger.get_next_fire_time(None, start)
    return fire is not None and fire.date() == day


def run_job(rt: Runtime, name: str, day: date, now: datetime | None = None) -> str:
    """Run one job for ``day`` and log its one line; what a crash left (leftover files, an
    unpublished outbox) is dealt with first."""
    now = now or datetime.combine(day, datetime.min.time())
    try:
        remove_leftovers(rt.config.folders)  # what a crashed job left: spool rows, .tmp files
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


#: The start of the outcome of a job that failed (``run_due``).
FAILED = "FAILED: "


def run_due(rt: Runtime, day: date, now: datetime | None = None) -> dict[str, str]:
    """Run, in order, every job that would run on ``day``; returns each job's outcome. A job
    that fails is logged and its outcome is ``FAILED: reason``; the others still run."""
    outcomes = {}
    for job in JOBS:
        if not runs_on(rt.config, job.name, day):
            continue
        try:
            outcomes[job.name] = run_job(rt, job.name, day, now)
        except Exception as exc:  # logged by run_job; the day goes on
            outcomes[job.name] = f"{FAILED}{exc}"
    return outcomes


def failed(outcomes: dict[str, str]) -> list[str]:
    """The jobs of a ``run_due`` that failed."""
    return [name for name, outcome in outcomes.items() if outcome.startswith(FAILED)]


# --- one run of a daily job per day, across processes ------------------------------------------
def _lock_name(name: str) -> str:
    return f"scheduler:{name}"


def claim_day(db: Database, name: str, day: date) -> tuple[bool, date | None]:
    """Claim ``day`` for the job (compare-and-set on ``last_run_on``): (claimed, the day it
    last ran before). Not claimed when a process already ran, or runs, the job for that day."""
    key = _lock_name(name)
    with db.transaction() as session:
        session.execute(
            text("INSERT INTO job_locks (name) VALUES (:name) ON CONFLICT DO NOTHING"),
            {"name": key},
        )
        before = session.execute(
            select(JobLock.last_run_on).where(JobLock.name == key)
        ).scalar_one()
        if before is not None and before >= day:
            return False, before
        unchanged = (
            JobLock.last_run_on.is_(None) if before is None else JobLock.last_run_on == before
        )
        done = session.execute(
            update(JobLock).where(JobLock.name == key, unchanged).values(last_run_on=day)
        ).rowcount
        return done == 1, before


def _give_back(db: Database, name: str, day: date, before: date | None) -> None:
    """A failed run gives its day back: the next run tries again."""
    with db.transaction() as session:
        session.execute(
            update(JobLock)
            .where(JobLock.name == _lock_name(name), JobLock.last_run_on == day)
            .values(last_run_on=before)
        )


def run_once(rt: Runtime, name: str, day: date, now: datetime) -> str | None:
    """Run a job for ``day`` unless a process already did (the inbox runs at every poll).
    A failure is logged with its reason, never raised: the other jobs run."""
    if isinstance(triggers(rt.config)[name], IntervalTrigger):
        try:
            return run_job(rt, name, day, now)
        except Exception:
            return None
    claimed, before = claim_day(rt.db, name, day)
    if not claimed:
        log.info("job %s %s: already done", name, day.isoformat())
        return None
    try:
        return run_job(rt, name, day, now)
    except Exception:
        _give_back(rt.db, name, day, before)
        return None


def next_runs(config: Config, now: datetime) -> list[tuple[str, str, datetime | None]]:
    aware = now.astimezone()
    timetable = triggers(config)
    return [
        (job.name, job.description, timetable[job.name].get_next_fire_time(None, aware))
        for job in JOBS
        if job.name in timetable
    ]


# --- the long-running process ------------------------------------------------------------------
def scheduled_job(config_path: str, name: str) -> None:
    """What APScheduler calls: the job for today, once across processes."""
    config = config_module.load(config_path or None)
    rt = Runtime(config, Database(config.database_url))
    try:
        now = clock.club_now(config.timezone)
        run_once(rt, name, now.date(), now)
    finally:
        rt.db.dispose()


def _grace(config: Config) -> timedelta:
    return timedelta(hours=float(config.scheduler["misfire_grace_hours"]))


def last_fire(trigger, now: datetime, grace: timedelta) -> datetime | None:
    """The trigger's latest fire time in (now - grace, now], or None."""
    found = None
    fire = trigger.get_next_fire_time(None, now - grace)
    while fire is not None and fire <= now:
        found = fire
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    return found


def catch_up(rt: Runtime, now: datetime, stopping: Callable[[], bool] = bool) -> list[str]:
    """At start: every daily job whose last run time within the grace time has passed without
    a run recorded in the database runs once for its day, in the day's order; the jobs on an
    interval (the inbox poll, and the notices with ``[smtp]``) run once. Stops between two jobs
    once ``stopping()``. Returns the jobs run."""
    aware = now.replace(tzinfo=ZoneInfo(rt.config.timezone))  # the club's local time
    grace = _grace(rt.config)
    ran = []
    for name, trigger in triggers(rt.config).items():
        if stopping():
            break
        if isinstance(trigger, IntervalTrigger):
            day = aware.date()
        else:
            fire = last_fire(trigger, aware, grace)
            if fire is None:
                continue
            day = fire.date()
        if run_once(rt, name, day, now.replace(tzinfo=None)) is not None:
            ran.append(name)
    return ran


def build_scheduler(
    config: Config, config_path: str | None, kind: type[BaseScheduler] = BlockingScheduler
) -> BaseScheduler:
    """The timetable in this process's own in-memory job store: no job store is shared
    between processes (APScheduler 3 forbids it); the database's job locks guard the work."""
    grace = int(_grace(config).total_seconds())
    scheduler = kind(
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
    """Catch up what was missed, then run until SIGTERM or Ctrl-C; the running job finishes
    first. The timetable runs in a background thread; the main thread only waits for the
    signal, so a signal at any moment (during the catch-up, while starting) stops cleanly."""
    scheduler = build_scheduler(config, config_path, kind=BackgroundScheduler)
    stopping = threading.Event()
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
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    rt = Runtime(config, Database(config.database_url))
    try:
        ran = catch_up(rt, clock.club_now(config.timezone), stopping.is_set)
    finally:
        rt.db.dispose()
    log.info("caught up: %s", ", ".join(ran) or "nothing missed")
    if not stopping.is_set():
        scheduler.start()
        log.info("scheduler started with %d jobs", len(scheduler.get_jobs()))
        while not stopping.wait(1.0):
            pass
        scheduler.shutdown(wait=True)
    log.info("scheduler stopped")
