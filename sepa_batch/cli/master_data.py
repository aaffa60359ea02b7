"""Set-up and master data: init, imports, subscriptions, sales, instalments, mandates."""

from __future__ import annotations

import click
from rich.markup import escape

from sepa_batch import csvfile
from sepa_batch.cli.context import (
    AMOUNT,
    DATE,
    App,
    as_of_option,
    json_option,
    pass_app,
    print_json,
    refuses,
    stderr,
    stdout,
    today,
)
from sepa_batch.domain.model import Mode
from sepa_batch.money import format_amount
from sepa_batch.services import master_data, sales
from sepa_batch.services.master_data import member_list

#: Any case is accepted (``cheque``, ``Cheque``); the value passed on is the mode's own.
MODES = click.Choice([mode.value for mode in Mode], case_sensitive=False)
ENCODING = click.option(
    "--encoding",
    default=None,
    metavar="NAME",
    help="The file's encoding, e.g. cp1252 (default: UTF-8, with or without BOM).",
)


@click.command()
@pass_app
@refuses
def init(app: App) -> None:
    """Create or migrate the database and the folders; safe to run again.

    \b
    Example:
      sepa-batch init
    """
    app.config.folders.create()
    database = app.new_database()
    try:
        revision = database.migrate()
        shown = database.engine.url.render_as_string(hide_password=True)
    finally:
        database.dispose()
    stdout.print(f"database ready at revision {revision}: {shown}")


@click.group()
def customers() -> None:
    """Customers and their mandates.

    \b
    Example:
      sepa-batch customers import fixtures/customers.csv --as-of 2010-07-01
    """


@customers.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check every row, import nothing.")
@ENCODING
@click.option(
    "--update",
    is_flag=True,
    help="Update existing customers (a new member list); with --dry-run, show the changes.",
)
@as_of_option
@json_option
@pass_app
@refuses
def customers_import(
    app: App, file: str, dry_run: bool, encoding: str | None, update: bool, as_of, as_json
) -> None:
    """Import customers.csv; all or nothing, every bad row listed.

    \b
    Columns: customer_id,name,email,street,building_number,postcode,town,country,
             iban,bic,mandate_id,mandate_signed_on
    Cells are separated by , or ; (as Excel writes them); UTF-8, or --encoding.
    Optional: mandate_type (RCUR|OOFF), and for mandates collected by another program
             mandate_last_collected_on (restarts the 36-month clock),
             mandate_sequence (FRST|RCUR; default RCUR when last collected)

    \b
    Example:
      sepa-batch customers import fixtures/customers.csv --dry-run
      sepa-batch customers import members-2011.csv --update --dry-run
    """
    text, day = csvfile.read_text(file, encoding), as_of or today()
    void_months = app.config.mandate_void_months
    if update:
        changes = member_list.update_customers(
            app.db, text, today=day, dry_run=dry_run, source=file, void_months=void_months
        )
        _print_update(changes, as_json)
        _warn_expiring(changes.would_expire, void_months)
        return
    result = master_data.import_customers(
        app.db, text, today=day, dry_run=dry_run, source=file, void_months=void_months
    )
    if as_json:
        print_json(
            {
                "customers": result.customers,
                "mandates": result.mandates,
                "dry_run": result.dry_run,
                "would_expire": result.would_expire,
            }
        )
    else:
        verb = "would import" if dry_run else "imported"
        stdout.print(f"{verb} {result.customers} customers and {result.mandates} mandates")
    _warn_expiring(result.would_expire, void_months)


def _print_update(result: member_list.UpdateResult, as_json: bool) -> None:
    if as_json:
        print_json(result.document())
        return
    verb = "would be" if result.dry_run else ""
    for row in result.rows:
        if row.action != "unchanged":
            stdout.print(f"line {row.line} {row.customer}: {row.action}")
            for change in row.changes:
                stdout.print(f"  {escape(change)}")
    stdout.print(
        f"{result.count('created')} customers {verb} created, {result.count('updated')} "
        f"updated, {result.count('unchanged')} unchanged".replace("  ", " ")
    )


def _warn_expiring(count: int, void_months: int) -> None:
    """Mandates imported without their collection history look unused for years."""
    if count:
        stderr.print(
            f"warning: {count} mandate(s) would be skipped as expired by the next collection: "
            f"signed more than {void_months} months ago with no collection since on record. "
            "If they were collected by your previous program, import them with the "
            "mandate_last_collected_on column (see customers import --help)."
        )


@click.group()
def articles() -> None:
    """The article catalogue (subscriptions, rejection fees, dunning fees).

    \b
    Example:
      sepa-batch articles import fixtures/articles.csv
    """


@articles.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@ENCODING
@pass_app
@refuses
def articles_import(app: App, file: str, encoding: str | None) -> None:
    """Import articles.csv (code,label,price,kind); existing codes are updated.

    \b
    Example:
      sepa-batch articles import fixtures/articles.csv
    """
    count = master_data.import_articles(app.db, csvfile.read_text(file, encoding), source=file)
    stdout.print(f"imported {count} articles")


@click.command()
@click.argument("customer")
@click.option("--article", required=True, help="Article code, e.g. SUB_MONTH.")
@click.option("--start", type=DATE, required=True, help="First day of the subscription.")
@click.option("--months", type=int, required=True, help="Number of monthly instalments.")
@click.option("--day", type=int, default=None, help="Day of month (default: collection day).")
@click.option("--mode", type=MODES, default=Mode.DIRECT_DEBIT.value, show_default=True)
@as_of_option
@json_option
@pass_app
@refuses
def subscribe(app: App, customer, article, start, months, day, mode, as_of, as_json) -> None:
    """Sell a subscription: one sale line and N monthly instalments.

    \b
    Example:
      sepa-batch subscribe C001 --article SUB_MONTH --start 2010-07-01 --months 12
    """
    result = sales.subscribe(
        app.db,
        customer,
        article=article,
        start=start,
        months=months,
        day=day or app.config.collection_day,
        mode=Mode(mode),
        today=as_of or today(),
        mandate_required=True,
    )
    if as_json:
        print_json({"sale_line": result.sale_line, "instalments": result.instalments})
    else:
        stdout.print(f"sale line {result.sale_line}, instalments {result.instalments}")


@click.command()
@click.argument("customer")
@click.option("--article", required=True)
@click.option("--amount", type=AMOUNT, default=None, help="Default: the article's price.")
@click.option("--date", "day", type=DATE, default=None, help="Sale date (default: today).")
@click.option("--label", default=None)
@as_of_option
@pass_app
@refuses
def sale(app: App, customer, article, amount, day, label, as_of) -> None:
    """Record a sale line.

    \b
    Example:
      sepa-batch sale C001 --article LICENCE --amount 35.00
    """
    line = sales.sell(
        app.db,
        customer,
        article=article,
        day=day or as_of or today(),
        amount_cents=amount,
        label=label,
    )
    stdout.print(f"sale line {line}")


@click.command()
@click.argument("customer")
@click.option("--amount", type=AMOUNT, required=True)
@click.option("--due", type=DATE, required=True)
@click.option("--mode", type=MODES, default=Mode.DIRECT_DEBIT.value, show_default=True)
@click.option("--label", default=None)
@as_of_option
@pass_app
@refuses
def instalment(app: App, customer, amount, due, mode, label, as_of) -> None:
    """Add an instalment (a payment line due on a date).

    \b
    Example:
      sepa-batch instalment C001 --amount 45.00 --due 2010-09-05 --mode CHEQUE
    """
    line = sales.add_instalment(
        app.db,
        customer,
        amount_cents=amount,
        due=due,
        mode=Mode(mode),
        label=label,
        today=as_of or today(),
        mandate_required=True,
        language=app.config.language,
    )
    stdout.print(f"instalment line {line} of {format_amount(amount)} due {due}")


@click.group()
def mandate() -> None:
    """Mandates: amend the account or the reference of a customer's mandate.

    \b
    Example:
      sepa-batch mandate update C001 --iban FR7630004000031234567890143 --bic BNPAFRPP
    """


@mandate.command("update")
@click.argument("customer")
@click.option("--iban", required=True)
@click.option("--bic", default=None)
@click.option("--reference", default=None, help="A new mandate reference (UMR).")
@as_of_option
@pass_app
@refuses
def mandate_update(app: App, customer, iban, bic, reference, as_of) -> None:
    """Amend a mandate: the next collection carries the amendment details.

    \b
    Example:
      sepa-batch mandate update C001 --iban FR7630004000031234567890143 --bic BNPAFRPP
    """
    updated = master_data.update_mandate(
        app.db, customer, iban=iban, bic=bic, reference=reference, today=as_of or today()
    )
    stdout.print(
        f"mandate {updated.reference} of {customer} amended; the next collection "
        f"carries the amendment"
    )
