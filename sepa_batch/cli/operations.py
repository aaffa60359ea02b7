"""The unattended side: ``scheduler start|jobs|run-due`` and the ``demo``."""

from __future__ import annotations

import logging
from pathlib import Path

import click
from rich.table import Table

from sepa_batch import clock
from sepa_batch import scheduler as jobs
from sepa_batch.cli.context import (
    App,
    as_of_option,
    json_option,
    pass_app,
    print_json,
    refuses,
    stdout,
    story_console,
    today,
)


def _logging() -> None:
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
        datefmt="%Y-%m-%d %H:%M:%S",
    )


@click.group()
def scheduler() -> None:
    """The scheduler: collection, return inbox, settlement, dunning, blocked list.

    \b
    Example:
      sepa-batch scheduler jobs
      sepa-batch scheduler run-due --as-of 2010-08-01
    """


@scheduler.command("start")
@pass_app
@refuses
def scheduler_start(app: App) -> None:
    """Run the jobs on their timetable until SIGTERM or Ctrl-C (the running job finishes).

    \b
    Example:
      sepa-batch --config config/sepa_batch.toml scheduler start
    """
    _logging()
    app.config.folders.create()
    database = app.new_database()  # like init: a new release migrates when it starts
    try:
        database.migrate()
    finally:
        database.dispose()
    app.prepare()
    jobs.start(app.config, app.config_path)


@scheduler.command("jobs")
@json_option
@pass_app
@refuses
def scheduler_jobs(app: App, as_json: bool) -> None:
    """List the jobs and their next run times.

    \b
    Example:
      sepa-batch scheduler jobs
    """
    rows = jobs.next_runs(app.config, clock.wall_clock())
    if as_json:
        print_json(
            {
                "jobs": [
                    {
                        "name": name,
                        "description": text,
                        "next_run": when.isoformat() if when else None,
                    }
                    for name, text, when in rows
                ]
            }
        )
        return
    table = Table(title="Scheduled jobs")
    for column in ("job", "what it does", "next run"):
        table.add_column(column)
    for name, text, when in rows:
        table.add_row(name, text, when.strftime("%Y-%m-%d %H:%M %Z") if when else "-")
    stdout.print(table)


@scheduler.command("run-due")
@as_of_option
@json_option
@pass_app
@refuses
def scheduler_run_due(app: App, as_of, as_json: bool) -> None:
    """Run what would have run on day D, then exit (how tests and operators replay a day).

    A job that fails is reported FAILED with its reason and the others still run; the
    exit status is then 1.

    \b
    Example:
      sepa-batch scheduler run-due --as-of 2026-12-01
    """
    _logging()
    app.prepare()
    day = as_of or today()
    outcomes = jobs.run_due(jobs.Runtime(app.config, app.db), day)
    if as_json:
        print_json({"as_of": day.isoformat(), "jobs": outcomes})
    else:
        for name, outcome in outcomes.items():
            stdout.print(f"{name}: {outcome}")
    if jobs.failed(outcomes):  # every other job ran; the failed ones are retried next run
        click.get_current_context().exit(1)


@click.command()
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("sepa-batch-demo"),
    show_default=True,
    help="A new folder for the demo club (config, database, files).",
)
@click.option("--members", type=click.IntRange(1, 100_000), default=200, show_default=True)
@click.option("--months", type=click.IntRange(1, 24), default=4, show_default=True)
@click.option("--seed", type=int, default=2026, show_default=True)
@refuses
def demo(folder: Path, members: int, months: int, seed: int) -> None:
    """Tell a club's story on a fresh SQLite database, month by month.

    \b
    Members, monthly pain.008 files, the simulated bank's rejects and returns,
    the unpaid workflow, re-presentations, settlement, dunning, the blocked list.

    \b
    Example:
      sepa-batch demo --dir demo-club --members 200 --months 4
    """
    from sepa_batch.demo.story import run_demo  # it loads the simulated bank: only for the demo

    if folder.exists() and any(folder.iterdir()):
        raise click.UsageError(f"{folder} is not empty: give a new folder with --dir")
    run_demo(folder, members=members, months=months, seed=seed, console=story_console())
    from sepa_batch.cli.web import demo_back_office

    demo_back_office(folder, months)
