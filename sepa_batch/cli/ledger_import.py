"""``sepa-batch ledger import FILE.csv`` beside ``sepa-batch ledger CUSTOMER``.

``ledger`` stays the command that shows a customer's ledger; a first word that names a
sub-command (``import``) runs that one instead.
"""

from __future__ import annotations

import click

from sepa_batch.cli.context import App, json_option, pass_app, print_json, refuses, stdout
from sepa_batch.cli.ledger import ledger as show_ledger
from sepa_batch.money import format_amount


class LedgerGroup(click.Group):
    """A group whose unknown first word is the CUSTOMER of the ``ledger`` command."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = ["show", *args]
        return super().parse_args(ctx, args)


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check every row, import nothing.")
@json_option
@pass_app
@refuses
def ledger_import_command(app: App, file: str, dry_run: bool, as_json: bool) -> None:
    """Import sales and open instalments carried over from another program; all or nothing,
    every bad row listed.

    \b
    Columns: customer_id,kind,date,due_date,label,amount,mode,status
      kind sale: date, label, amount (due_date, mode, status empty)
      kind payment: due_date, mode, amount, status SCHEDULED (open) or PAID (paid on date)

    \b
    Example:
      sepa-batch ledger import opening-balances.csv --dry-run
    """
    from sepa_batch import csvfile
    from sepa_batch.services import ledger_import  # only when importing

    result = ledger_import.import_ledger(
        app.db, csvfile.read_text(file), dry_run=dry_run, source=file
    )
    if as_json:
        print_json(
            {
                "sales": result.sales,
                "payments": result.payments,
                "sales_amount": format_amount(result.sales_cents),
                "payments_amount": format_amount(result.payments_cents),
                "dry_run": result.dry_run,
            }
        )
        return
    verb = "would import" if dry_run else "imported"
    stdout.print(
        f"{verb} {result.sales} sale line(s) ({format_amount(result.sales_cents)} EUR) and "
        f"{result.payments} payment line(s) ({format_amount(result.payments_cents)} EUR)"
    )


ledger = LedgerGroup(
    name="ledger",
    help=(
        "A customer's ledger (sepa-batch ledger CUSTOMER), or lines imported from a file.\n\n"
        "\b\nExample:\n  sepa-batch ledger C001 --as-of 2010-07-21 --json\n"
        "  sepa-batch ledger import opening-balances.csv"
    ),
)
ledger.add_command(show_ledger, "show")
ledger.add_command(ledger_import_command, "import")
