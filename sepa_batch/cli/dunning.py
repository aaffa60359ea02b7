"""``sepa-batch dunning run``: the daily reminders (relances financières)."""

from __future__ import annotations

import click
from rich.table import Table

from sepa_batch.cli.context import (
    App,
    as_of_option,
    json_option,
    pass_app,
    print_json,
    refuses,
    stdout,
    today,
)
from sepa_batch.services.dunning import run_dunning


@click.group()
def dunning() -> None:
    """Dunning: reminders to customers with overdue instalments.

    \b
    Example:
      sepa-batch dunning run --as-of 2010-07-21
    """


@dunning.command("run")
@as_of_option
@json_option
@pass_app
@refuses
def dunning_run(app: App, as_of, as_json: bool) -> None:
    """Issue the dunning notices due today (.eml files in the notices folder).

    Each configured level is issued once per dunning cycle; a customer whose overdue lines are
    all paid leaves dunning, and a later unpaid starts again at the first level. A customer who
    reached several levels at once gets only the highest; the lower ones are then covered.

    \b
    Example:
      sepa-batch dunning run --as-of 2010-08-04
      sepa-batch dunning run --as-of 2010-08-04 --json
    """
    app.prepare()
    result = run_dunning(app.db, app.config, as_of or today())
    if as_json:
        print_json(result.document())
        return
    if result.notices:
        table = Table(title=f"Dunning notices on {result.as_of}")
        for column in ("customer", "level", "title", "overdue", "file"):
            table.add_column(column, justify="right" if column in ("level", "overdue") else "left")
        for notice in result.notices:
            document = notice.document()
            table.add_row(
                notice.customer, str(notice.level), notice.title, document["overdue"], notice.path
            )
        stdout.print(table)
    stdout.print(
        f"{len(result.notices)} notice(s) issued; "
        f"{len(result.closed)} customer(s) left dunning"
        + (f": {', '.join(result.closed)}" if result.closed else "")
    )
