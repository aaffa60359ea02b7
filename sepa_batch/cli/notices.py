"""``sepa-batch notices send|list|resolve``: the notices e-mailed over SMTP (``[smtp]``)."""

from __future__ import annotations

from datetime import datetime

import click
from rich.table import Table

from sepa_batch import clock
from sepa_batch.cli.context import (
    App,
    as_of_option,
    club_zone,
    json_option,
    pass_app,
    print_json,
    refuses,
    stdout,
)
from sepa_batch.services import delivery


def _now(as_of) -> datetime:
    """The real time, read here at the edge; ``--as-of`` keeps the time of day."""
    now = clock.club_now(club_zone())
    return datetime.combine(as_of, now.time()) if as_of else now


@click.group()
def notices() -> None:
    """Notices (pre-notifications, dunning letters) sent by e-mail over SMTP.

    \b
    Example:
      sepa-batch notices send
      sepa-batch notices list --failed
      sepa-batch notices resolve 12 --sent
    """


@notices.command("send")
@as_of_option
@json_option
@pass_app
@refuses
def notices_send(app: App, as_of, as_json: bool) -> None:
    """Send by e-mail the notices not sent yet ([smtp] in the configuration).

    Each notice is sent once: claimed (its Message-ID recorded) before it is sent, marked sent
    with the server's answer after. A temporary failure is retried later (5, 10, 20, 40 min),
    a refusal is failed. Members without an e-mail address: see `notices list --print`.

    \b
    Example:
      sepa-batch notices send
      sepa-batch notices send --json
    """
    result = delivery.send_notices(app.db, app.config, _now(as_of))
    if as_json:
        print_json(result.document())
        return
    stdout.print(result.summary())


FILTERS = {"failed": ("failed",), "sent": ("sent",), "print": ("print",)}


@notices.command("list")
@click.option("--failed", "only", flag_value="failed", help="Only the notices that failed.")
@click.option("--sent", "only", flag_value="sent", help="Only the notices sent.")
@click.option(
    "--print", "only", flag_value="print", help="Only the notices to print (no e-mail address)."
)
@json_option
@pass_app
@refuses
def notices_list(app: App, only: str | None, as_json: bool) -> None:
    """The notices' deliveries: status, attempts, the server's answer or the reason.

    Statuses: queued, claimed (being sent), sent, failed, sent_unknown (its sender stopped
    while sending: check, then `notices resolve`), print (no e-mail address: print the file).

    \b
    Example:
      sepa-batch notices list
      sepa-batch notices list --print --json
    """
    rows = delivery.list_deliveries(app.db, FILTERS.get(only, ()))
    if as_json:
        print_json([row.document() for row in rows])
        return
    table = Table(title="Notices")
    for column in ("id", "kind", "customer", "recipient", "status", "tries", "when", "detail"):
        table.add_column(column, justify="right" if column in ("id", "tries") else "left")
    for row in rows:
        when = row.sent_at or row.next_attempt_at
        if row.status == "print":
            detail = row.path
        elif row.status == "sent":
            detail = row.smtp_response or ""
        else:
            detail = row.last_error or ""
        table.add_row(
            str(row.id),
            row.kind,
            row.customer,
            row.recipient or "-",
            row.status,
            str(row.attempts),
            when.isoformat(sep=" ", timespec="seconds") if when else "",
            detail,
        )
    stdout.print(table)
    stdout.print(f"{len(rows)} notice(s)")


@notices.command("resolve")
@click.argument("delivery_id", type=int)
@click.option("--sent", "sent", flag_value=True, default=None, help="It did arrive: mark sent.")
@click.option("--resend", "sent", flag_value=False, help="It did not: send it again.")
@as_of_option
@pass_app
@refuses
def notices_resolve(app: App, delivery_id: int, sent: bool | None, as_of) -> None:
    """Settle a notice whose sending is uncertain (sent_unknown) or failed, after checking.

    \b
    Example:
      sepa-batch notices resolve 12 --sent
      sepa-batch notices resolve 12 --resend
    """
    if sent is None:
        raise click.UsageError("say --sent or --resend")
    row = delivery.resolve(app.db, delivery_id, sent=sent, now=_now(as_of))
    stdout.print(f"notice {row.id} ({row.kind}, {row.recipient}): {row.status}")
