"""``sepa-batch collect``: the monthly bank file(s)."""

from __future__ import annotations

from collections import Counter

import click
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
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
    stderr,
    stdout,
)
from sepa_batch.collection import CollectionResult, collect_due
from sepa_batch.config import PAIN008_VERSIONS
from sepa_batch.money import format_amount

#: Skipped lines listed one by one in the human output (all of them are in ``--json``).
LISTED_SKIPS = 50


@click.command()
@as_of_option
@click.option(
    "--until",
    type=DATE,
    default=None,
    help="Collect what is due by this date (default: the next collection day).",
)
@click.option(
    "--format",
    "version",
    type=click.Choice(PAIN008_VERSIONS),
    default=None,
    help="pain.008 version (default: the bank profile's).",
)
@click.option("--dry-run", is_flag=True, help="Say what would be collected; write nothing.")
@json_option
@pass_app
@refuses
def collect(app: App, as_of, until, version, dry_run, as_json) -> None:
    """Collect every due direct-debit instalment into pain.008 file(s) in the outbox.

    Lines that cannot be collected (no mandate, invalid IBAN, expired mandate, ...) are
    listed with the reason and stay open for the next run.

    \b
    Example:
      sepa-batch collect --as-of 2010-08-01
      sepa-batch collect --until 2010-08-05 --format pain.008.001.02 --dry-run --json
    """
    day, now = run_clock(as_of)
    if not dry_run:
        app.prepare()
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=stderr,
        disable=as_json or not stderr.is_terminal,
        transient=True,
    ) as bar:
        task = bar.add_task("selecting due instalments", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, description="writing bank files", completed=done, total=total)

        result = collect_due(
            app.db,
            app.config,
            today=day,
            created_at=now,
            until=until,
            version=version,
            dry_run=dry_run,
            progress=progress,
        )
    if as_json:
        print_json(result.document())
    else:
        summarise(result)


def summarise(result: CollectionResult) -> None:
    """The blocks, the files and what was skipped, as tables on stdout."""
    if result.blocks:
        stdout.print(_blocks_table(result))
        stdout.print(_files_table(result))
    recovered = result.recovery.describe() if result.recovery else None
    if recovered:
        stdout.print(f"recovered: {recovered}")
    total = sum(f.control_sum_cents for f in result.files)
    stdout.print(
        f"{'would collect' if result.dry_run else 'collected'} {result.collected} instalment(s) "
        f"for {format_amount(total)} EUR in {len(result.files)} file(s); "
        f"skipped {len(result.skipped)}"
    )
    if result.skipped:
        reasons = Table(title="Skipped (they stay open for the next run)")
        reasons.add_column("reason")
        reasons.add_column("lines", justify="right")
        for reason, count in Counter(s.reason for s in result.skipped).most_common():
            reasons.add_row(reason, str(count))
        stdout.print(reasons)
        for skipped in result.skipped[:LISTED_SKIPS]:
            stdout.print(f"  line {skipped.line} ({skipped.customer}): {skipped.reason}")
        if len(result.skipped) > LISTED_SKIPS:
            stdout.print(f"  ... and {len(result.skipped) - LISTED_SKIPS} more (see --json)")


def _table(title: str, columns: tuple[str, ...], numbers: int) -> Table:
    """A table whose last ``numbers`` columns are right-aligned."""
    table = Table(title=title)
    for index, column in enumerate(columns):
        table.add_column(column, justify="right" if index >= len(columns) - numbers else "left")
    return table


def _blocks_table(result: CollectionResult) -> Table:
    columns = ("PmtInfId", "sequence", "collection date", "transactions", "amount")
    table = _table("Payment blocks" + (" (dry run)" if result.dry_run else ""), columns, 2)
    for b in result.blocks:
        table.add_row(
            b.pmtinf_id,
            b.sequence_type,
            b.collection_date.isoformat(),
            str(b.transactions),
            format_amount(b.control_sum_cents),
        )
    return table


def _files_table(result: CollectionResult) -> Table:
    title = "Files that would be written" if result.dry_run else "Files written"
    table = _table(title, ("file", "MsgId", "transactions", "amount"), 2)
    for f in result.files:
        table.add_row(f.path, f.message_id, str(f.transactions), format_amount(f.control_sum_cents))
    return table
