"""``sepa-batch cancel LINE --reason TEXT``: a mistaken line cancelled before the bank sees it."""

from __future__ import annotations

import getpass

import click

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
from sepa_batch.services.cancellation import cancel_line


@click.command()
@click.argument("line", type=int)
@click.option("--reason", required=True, help="Why the line is cancelled (kept in the ledger).")
@click.option("--by", default=None, help="Who cancels it (default: the user running the command).")
@as_of_option
@json_option
@pass_app
@refuses
def cancel(app: App, line: int, reason: str, by, as_of, as_json: bool) -> None:
    """Cancel a line not yet submitted: a SCHEDULED instalment, or a sale with nothing paid
    since. It stays in the ledger as CANCELLED with who and why. A submitted, paid or unpaid
    line is refused.

    \b
    Example:
      sepa-batch cancel 17 --reason "entered twice"
    """
    done = cancel_line(
        app.db, line, reason=reason, by=by or getpass.getuser(), today=as_of or today()
    )
    if as_json:
        print_json(done.document())
    else:
        stdout.print(f"{done.kind} line {done.line} cancelled by {done.by}: {done.reason}")
