"""The ``sepa-batch`` command: a thin shell over the service functions (CLI.md)."""

from __future__ import annotations

import click

from sepa_batch.cli.cancel import cancel
from sepa_batch.cli.collection import collect
from sepa_batch.cli.context import App
from sepa_batch.cli.dunning import dunning
from sepa_batch.cli.failures import Guarded
from sepa_batch.cli.ledger import access, blocked, ledger, pay, unpay
from sepa_batch.cli.mandates import (
    mandate_add,
    mandate_form,
    mandate_revoke,
    mandate_show,
    report_mandates,
)
from sepa_batch.cli.master_data import (
    articles,
    customers,
    init,
    instalment,
    mandate,
    sale,
    subscribe,
)
from sepa_batch.cli.operations import demo, scheduler
from sepa_batch.cli.reports import report, settle
from sepa_batch.cli.returns import bank, returns
from sepa_batch.files import private_files


@click.group(
    cls=Guarded,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    default=None,
    envvar="SEPA_BATCH_CONFIG",
    help="Configuration file (TOML).",
)
@click.option(
    "--debug",
    is_flag=True,
    envvar="SEPA_BATCH_DEBUG",
    help="On failure, print the full traceback too (it is always in <data>/logs/sepa-batch.log).",
)
@click.version_option(package_name="sepa-batch")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, debug: bool = False) -> None:
    """SEPA direct-debit batches for clubs that bill their members every month.

    \b
    Example:
      sepa-batch init
      sepa-batch customers import fixtures/customers.csv
      sepa-batch ledger C001 --as-of 2010-07-20
    """
    private_files()  # every file written holds personal data: owner only
    ctx.obj = App(config_path, debug=debug)


for command in (
    init,
    customers,
    articles,
    subscribe,
    sale,
    instalment,
    mandate,
    ledger,
    access,
    blocked,
    unpay,
    pay,
    collect,
    settle,
    report,
    dunning,
    returns,
    bank,
    scheduler,
    demo,
):
    cli.add_command(command)
for command in (mandate_add, mandate_revoke, mandate_show, mandate_form):
    mandate.add_command(command)
report.add_command(report_mandates)
cli.add_command(cancel)


def main() -> None:
    cli(prog_name="sepa-batch")
