"""``sepa-batch mandate add|revoke|show`` and ``sepa-batch report mandates``."""

from __future__ import annotations

import click
from rich.markup import escape
from rich.table import Table

from sepa_batch.cli.context import (
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
from sepa_batch.mandate_form import write_pdf
from sepa_batch.services import mandates


@click.command("add")
@click.argument("customer")
@click.option("--id", "reference", required=True, help="The unique mandate reference (UMR).")
@click.option("--signed-on", type=DATE, required=True, help="The date the debtor signed.")
@click.option("--iban", required=True)
@click.option("--bic", default=None)
@click.option(
    "--type",
    "kind",
    type=click.Choice(["RCUR", "OOFF"], case_sensitive=False),
    default="RCUR",
    show_default=True,
    help="Recurrent or one-off.",
)
@as_of_option
@json_option
@pass_app
@refuses
def mandate_add(app: App, customer, reference, signed_on, iban, bic, kind, as_of, as_json) -> None:
    """Record a newly signed mandate; it replaces the customer's current one.

    \b
    Example:
      sepa-batch mandate add C001 --id CLUB-C001-2011 --signed-on 2011-01-10 \\
          --iban FR7630004000031234567890143 --bic BNPAFRPP
    """
    added = mandates.add_mandate(
        app.db,
        customer,
        reference=reference,
        signed_on=signed_on,
        iban=iban,
        bic=bic,
        one_off=kind.upper() == "OOFF",
        today=as_of or today(),
    )
    if as_json:
        print_json({"customer": customer, "mandate": added.reference, "type": kind.upper()})
    else:
        stdout.print(f"mandate {added.reference} of {customer} recorded")


@click.command("revoke")
@click.argument("customer")
@click.option("--reason", default=None, help="Why (cancelled by the debtor, by the club...).")
@as_of_option
@json_option
@pass_app
@refuses
def mandate_revoke(app: App, customer, reason, as_of, as_json) -> None:
    """Revoke the customer's mandate: it is never collected again.

    Open direct-debit instalments are listed: switch them to another mode.

    \b
    Example:
      sepa-batch mandate revoke C001 --reason "cancelled by the debtor"
    """
    result = mandates.revoke_mandate(app.db, customer, reason=reason, today=as_of or today())
    if as_json:
        print_json(result.document())
        return
    stdout.print(f"mandate {result.reference} of {customer} revoked")
    if result.open_lines:
        stdout.print(
            f"{len(result.open_lines)} open direct-debit instalment(s) will not be collected; "
            "switch them to another mode:"
        )
        for line in result.open_lines:
            stdout.print(f"  line {line['line']} due {line['due_date']}: {line['amount']} EUR")


@click.command("show")
@click.argument("customer")
@json_option
@pass_app
@refuses
def mandate_show(app: App, customer, as_json) -> None:
    """A customer's mandates and their history: signed, amended, collected, returned.

    \b
    Example:
      sepa-batch mandate show C001 --json
    """
    document = mandates.mandate_history(app.db, customer)
    if as_json:
        print_json(document)
        return
    if not document["mandates"]:
        stdout.print(f"{customer} has no mandate")
    for found in document["mandates"]:
        reason = f" ({found['reason']})" if found["reason"] else ""
        table = Table(
            title=f"Mandate {found['mandate']} of {customer}: {found['type']}, "
            f"{found['status']}{reason}, IBAN {found['iban']}"
        )
        for heading in ("date", "event", "detail"):
            table.add_column(heading)
        for event in found["history"]:
            table.add_row(event["date"], event["event"], escape(event["detail"] or ""))
        stdout.print(table)


@click.command("mandates")
@click.option(
    "--expiring-within",
    "days",
    type=click.IntRange(min=0),
    required=True,
    help="Days ahead: mandates that will have gone 36 months without a collection by then.",
)
@as_of_option
@json_option
@pass_app
@refuses
def report_mandates(app: App, days: int, as_of, as_json) -> None:
    """Mandates about to expire (no collection for 36 months), so the club can act first.

    Already expired mandates are listed too.

    \b
    Example:
      sepa-batch report mandates --expiring-within 60 --json
    """
    day = as_of or today()
    found = mandates.expiring_mandates(
        app.db, today=day, within_days=days, void_months=app.config.mandate_void_months
    )
    if as_json:
        print_json(
            {"as_of": str(day), "within_days": days, "mandates": [m.document() for m in found]}
        )
        return
    table = Table(title=f"Mandates expiring by {days} day(s) after {day}")
    for heading in ("customer", "mandate", "last collected", "expires on"):
        table.add_column(heading)
    for item in found:
        document = item.document()
        table.add_row(
            item.customer,
            item.mandate,
            document["last_collected_on"] or "never",
            document["expires_on"],
        )
    stdout.print(table)


@click.command("form")
@click.argument("customer", required=False)
@click.option("--blank", is_flag=True, help="A blank form for a new member.")
@click.option(
    "--out", type=click.Path(dir_okay=False, writable=True), required=True, help="The PDF file."
)
@click.option(
    "--language",
    type=click.Choice(["fr", "en"]),
    default=None,
    help="Default: the club's language ([dunning] language).",
)
@pass_app
@refuses
def mandate_form(app: App, customer, blank: bool, out: str, language) -> None:
    """Write the mandate form (PDF) for the debtor to sign, with every element the
    SDD Core rulebook requires.

    \b
    Example:
      sepa-batch mandate form C001 --out C001-mandate.pdf
      sepa-batch mandate form --blank --out mandate.pdf --language en
    """
    if blank == bool(customer):
        raise click.UsageError("name a CUSTOMER or give --blank, not both")
    form = (
        mandates.blank_form(app.config)
        if blank
        else mandates.customer_form(app.db, app.config, customer)
    )
    write_pdf(form, out, language or app.config.dunning_language)
    stdout.print(f"mandate form written to {escape(out)}")
