"""``sepa-batch settle`` and ``sepa-batch report batches|ageing|returns|journal``."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from pathlib import Path

import click
from rich.table import Table

from sepa_batch.cli.context import (
    DATE,
    App,
    as_of_option,
    json_option,
    pass_app,
    print_json,
    refuses,
    run_clock,
    stdout,
    today,
)
from sepa_batch.collection import recover_outbox
from sepa_batch.money import format_amount
from sepa_batch.reports import fec, render
from sepa_batch.reports.model import Period, Report
from sepa_batch.services import reports as report_service
from sepa_batch.services.settlement import settle as settle_lines


@click.command()
@as_of_option
@json_option
@pass_app
@refuses
def settle(app: App, as_of, as_json: bool) -> None:
    """Mark PAID every submitted direct debit whose collection date has passed.

    A line is paid on its requested collection date, settled by the first run after it.
    Running it twice changes nothing.

    \b
    Example:
      sepa-batch settle --as-of 2010-07-06 --json
    """
    day, now = run_clock(as_of)
    recovered = recover_outbox(app.db, app.config, day, now).describe()
    result = settle_lines(app.db, day)
    if as_json:
        print_json(result.document() | ({"recovered": recovered} if recovered else {}))
        return
    if recovered:
        stdout.print(f"recovered: {recovered}")
    stdout.print(
        f"settled {result.settled} line(s), {format_amount(result.amount_cents)} EUR"
        + (f", blocks {', '.join(result.batches)}" if result.batches else "")
    )


def _delimiter(ctx, param, value: str) -> str:
    value = "\t" if value.lower() in ("tab", "\\t") else value
    if len(value) != 1:
        raise click.BadParameter("one character, e.g. ',' or ';' (or 'tab')", ctx, param)
    return value


def report_options(formats: tuple[str, ...]):
    def decorate(function):
        for option in reversed(
            (
                click.option("--from", "start", type=DATE, default=None, help="First day."),
                click.option("--to", "end", type=DATE, default=None, help="Last day."),
                as_of_option,
                click.option(
                    "--format",
                    "fmt",
                    type=click.Choice(formats),
                    default="table",
                    show_default=True,
                ),
                click.option(
                    "--delimiter",
                    default=",",
                    show_default=True,
                    callback=_delimiter,
                    help="CSV field separator (';' for French spreadsheets, 'tab').",
                ),
                click.option(
                    "--decimal-comma", is_flag=True, help="CSV amounts as 12,50 instead of 12.50."
                ),
                click.option(
                    "--output",
                    type=click.Path(dir_okay=False, path_type=Path),
                    default=None,
                    help="Write to this file (UTF-8) instead of the standard output.",
                ),
            )
        ):
            function = option(function)
        return function

    return decorate


@contextlib.contextmanager
def _destination(output: Path | None):
    """The standard output, or a file written whole then renamed into place."""
    if output is None:
        yield sys.stdout
        return
    partial = output.with_name(output.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8", newline="") as handle:
            yield handle
        os.replace(partial, output)
    finally:
        partial.unlink(missing_ok=True)


def _table(report: Report) -> Table:
    rows = list(report.rows)
    columns = [column for column in report.columns if column.in_table]
    table = Table(title=report.title)
    for column in columns:
        right = column.kind in ("count", "amount", "percent")
        table.add_column(column.title, justify="right" if right else "left")
    for row in rows:
        table.add_row(*(render.cell(c, row[c.key]) for c in columns))
    if report.summarise is not None and rows:
        totals = report.summarise(rows)
        cells = [render.cell(c, totals[c.key]) if c.key in totals else "" for c in columns]
        table.add_row("total", *cells[1:], style="bold")
    return table


def _write(app: App, name: str, options: dict) -> None:
    period = Period(options["start"], options["end"])
    fmt, output = options["fmt"], options["output"]
    if fmt == "table" and output is not None:
        raise click.UsageError("--output needs --format csv, json or fec")
    if fmt == "fec":
        entries = report_service.journal_entries(app.db, app.config, period)
        with entries as found, _destination(output) as out:
            fec.write_fec(found, out)
        return
    day = options["as_of"] or today()
    with report_service.open_report(app.db, app.config, name, period, day) as report:
        if fmt == "table":
            stdout.print(_table(report))
        elif fmt == "json" and output is None:
            print_json(render.json_document(report))
        else:
            with _destination(output) as out:
                if fmt == "csv":
                    decimal = "," if options["decimal_comma"] else "."
                    render.write_csv(report, out, delimiter=options["delimiter"], decimal=decimal)
                else:
                    json.dump(render.json_document(report), out, ensure_ascii=False, indent=2)
                    out.write("\n")


@click.group()
def report() -> None:
    """Reports for the accountant: bank files, ageing, returns, the journal.

    \b
    Example:
      sepa-batch report batches --from 2010-07-01 --to 2010-09-30
      sepa-batch report journal --format fec --output FEC.txt
    """


@report.command()
@report_options(("table", "csv", "json"))
@pass_app
@refuses
def batches(app: App, **options) -> None:
    """Per bank file and PmtInf block: submitted, rejected, returned, settled, credited.

    Blocks are chosen by collection date; the difference between the credit expected and
    the bank's credit is shown, with bank charges, rejection fees billed and the net.

    \b
    Example:
      sepa-batch report batches --from 2010-07-01 --to 2010-07-31 --format csv --delimiter ";"
    """
    _write(app, "batches", options)


@report.command()
@report_options(("table", "csv", "json"))
@pass_app
@refuses
def ageing(app: App, **options) -> None:
    """Overdue instalments per customer: 0–30, 31–60, 61–90 and more than 90 days.

    As of --to (else --as-of, else today); --from is not used.

    \b
    Example:
      sepa-batch report ageing --to 2010-09-30 --format json
    """
    _write(app, "ageing", options)


@report.command()
@report_options(("table", "csv", "json"))
@pass_app
@refuses
def returns(app: App, **options) -> None:
    """Unpaid direct debits per month of collection and reason code, with the rate.

    \b
    Example:
      sepa-batch report returns --from 2010-07-01 --to 2010-12-31
    """
    _write(app, "returns", options)


@report.command()
@report_options(("table", "csv", "json", "fec"))
@pass_app
@refuses
def journal(app: App, **options) -> None:
    """The accounting journal: sales, payments, returns and bank charges, balanced entries.

    --format fec writes the French FEC layout (tab-separated, YYYYMMDD dates, decimal comma).

    \b
    Example:
      sepa-batch report journal --from 2010-07-01 --to 2010-07-31 --format csv
      sepa-batch report journal --format fec --output 123456789FEC20101231.txt
    """
    _write(app, "journal", options)
