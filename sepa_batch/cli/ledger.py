"""The ledger, the door, and the unpaid workflow: ledger, access, blocked, unpay, pay."""

from __future__ import annotations

import csv
import sys

import click
from rich.table import Table

from sepa_batch.cli.context import (
    AMOUNT,
    DATE,
    App,
    as_of_option,
    json_option,
    pass_app,
    print_json,
    refuses,
    stdout,
    today,
)
from sepa_batch.console import ledger_summary, ledger_table
from sepa_batch.domain.model import Mode
from sepa_batch.errors import InvalidInput
from sepa_batch.files import spreadsheet_cell
from sepa_batch.money import MAX_AMOUNT_CENTS, parse_amount
from sepa_batch.services import ledger_view

# ``ledger`` reads through Core (``services.ledger_view``): the ORM and the schema are imported
# by the other commands only, the unpaid workflow (and its holiday calendars) by ``unpay`` and
# ``pay`` only, so ``ledger`` starts fast (issue 17)
MODES = click.Choice([mode.value for mode in Mode], case_sensitive=False)


@click.command()
@click.argument("customer")
@as_of_option
@json_option
@pass_app
@refuses
def ledger(app: App, customer: str, as_of, as_json: bool) -> None:
    """Show a customer's ledger: every line, the balance, overdue and blocked state.

    \b
    Example:
      sepa-batch ledger C001 --as-of 2010-07-21 --json
    """
    document = ledger_view.ledger_document(app.without_creditor().db, customer, as_of or today())
    if as_json:
        print_json(document)
        return
    stdout.print(ledger_table(document))
    stdout.print(ledger_summary(document))


@click.command()
@click.argument("customer")
@as_of_option
@json_option
@pass_app
@refuses
def access(app: App, customer: str, as_of, as_json: bool) -> None:
    """May the customer enter today? Blocked from the day after an instalment falls due.

    \b
    Example:
      sepa-batch access C001 --as-of 2010-07-21 --json
    """
    from sepa_batch.services import ledger as ledger_service

    answer = ledger_service.access(app.db, customer, as_of or today())
    if as_json:
        print_json(answer.document())
    else:
        word = "allowed" if answer.allowed else "BLOCKED"
        stdout.print(f"{answer.customer} on {answer.day}: {word} ({answer.reason})")


@click.command()
@as_of_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
)
@pass_app
@refuses
def blocked(app: App, as_of, fmt: str) -> None:
    """List every blocked customer, for the door system.

    \b
    Example:
      sepa-batch blocked --as-of 2010-07-21 --format csv > blocked.csv
    """
    from sepa_batch.services import ledger as ledger_service

    day = as_of or today()
    rows = [row.document() for row in ledger_service.blocked_customers(app.db, day)]
    if fmt == "json":
        print_json({"as_of": day.isoformat(), "blocked": rows})
    elif fmt == "csv":
        writer = csv.DictWriter(
            sys.stdout, fieldnames=["customer", "name", "overdue", "since"], lineterminator="\n"
        )
        writer.writeheader()
        writer.writerows(
            {key: spreadsheet_cell(value) for key, value in row.items()} for row in rows
        )
    else:
        table = Table(title=f"Blocked on {day}")
        for column in ("customer", "name", "overdue", "since"):
            table.add_column(column)
        for row in rows:
            table.add_row(*(row[key] for key in ("customer", "name", "overdue", "since")))
        stdout.print(table)


def _split(values: tuple[str, ...]) -> tuple:
    from sepa_batch.domain.unpaid import SplitPart

    parts = []
    for value in values:
        pieces = value.split(":")
        if len(pieces) not in (2, 3):
            raise InvalidInput("--instalment", value, "expected DATE:AMOUNT[:MODE]")
        try:
            due = DATE.convert(pieces[0], None, None)
        except click.BadParameter as exc:
            raise InvalidInput("--instalment", value, exc.message) from None
        amount = parse_amount(
            pieces[1], record="--instalment", field=value, maximum=MAX_AMOUNT_CENTS
        )
        mode = None
        if len(pieces) == 3:
            try:
                mode = Mode(pieces[2].upper())
            except ValueError:
                raise InvalidInput("--instalment", value, f"unknown mode {pieces[2]!r}") from None
        parts.append(SplitPart(due, amount, mode))
    return tuple(parts)


@click.command()
@click.argument("line", type=int)
@as_of_option
@click.option(
    "--date",
    "due",
    type=DATE,
    default=None,
    help="Re-presentation date (default: today, or the policy's).",
)
@click.option("--label", default=None, help="Re-presentation label.")
@click.option("--mode", type=MODES, default=None, help="Re-presentation mode (default CHEQUE).")
@click.option("--fee-article", default=None, help="Rejection-fee article (default: configured).")
@click.option("--no-fee", is_flag=True, help="Bill no rejection fee.")
@click.option("--fee-amount", type=AMOUNT, default=None, help="Override the article's amount.")
@click.option(
    "--instalment",
    "split",
    multiple=True,
    metavar="DATE:AMOUNT[:MODE]",
    help="Several re-presentations; they must add up to amount + fee.",
)
@click.option("--reason", default=None, help="ISO reason code; applies the reason-code policy.")
@json_option
@pass_app
@refuses
def unpay(
    app: App, line, as_of, due, label, mode, fee_article, no_fee, fee_amount, split, reason, as_json
) -> None:
    """Mark a payment unpaid (Impayer): fee, reversal, re-presentation, dunning.

    \b
    Example:
      sepa-batch unpay 12 --as-of 2010-07-20 --fee-article FRAIS_REJET
      sepa-batch unpay 12 --mode DIRECT_DEBIT --date 2010-08-05
      sepa-batch unpay 12 --instalment 2010-07-25:30.00 --instalment 2010-08-25:27.00
    """
    if no_fee and (fee_article or fee_amount is not None):
        raise click.UsageError("--no-fee excludes --fee-article and --fee-amount")
    from sepa_batch import unpaid as unpaid_service

    options = unpaid_service.UnpayOptions(
        due_date=due,
        label=label,
        mode=Mode(mode) if mode else None,
        fee_article=fee_article,
        no_fee=no_fee,
        fee_cents=fee_amount,
        split=_split(split),
        reason_code=reason,
    )
    outcome = unpaid_service.unpay(app.db, app.config, line, as_of or today(), options)
    if as_json:
        print_json(outcome.document())
    elif outcome.action.value != "unpaid":
        stdout.print(f"line {line}: {outcome.action.value} (reason {reason})")
    else:
        document = outcome.document()
        stdout.print(
            f"line {line} unpaid: fee line {document['fee_line'] or '-'}, reversal "
            f"line {document['reversal_line']}, re-presentation line(s) "
            f"{document['representation_lines']}"
        )


@click.command()
@click.argument("line", type=int)
@as_of_option
@click.option("--date", "day", type=DATE, default=None, help="Payment date (default: today).")
@click.option("--mode", type=MODES, default=None, help="Payment mode (default: the line's).")
@json_option
@pass_app
@refuses
def pay(app: App, line, as_of, day, mode, as_json) -> None:
    """Record that an open instalment has been paid (Payer).

    \b
    Example:
      sepa-batch pay 20 --as-of 2010-07-27 --mode CHEQUE
    """
    from sepa_batch.services.payment import pay as record_payment

    now = as_of or today()
    payment = record_payment(app.db, line, day or now, mode=Mode(mode) if mode else None, today=now)
    if as_json:
        print_json(payment.document())
    else:
        stdout.print(f"line {payment.line} paid on {payment.paid_on} by {payment.mode}")
