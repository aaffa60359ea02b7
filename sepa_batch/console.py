"""Terminal tables (rich) shared by the commands and the demo."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

#: (heading, key in the ledger document's line)
LEDGER_COLUMNS = (
    ("id", "id"),
    ("kind", "kind"),
    ("date", "date"),
    ("due", "due_date"),
    ("label", "label"),
    ("amount", "amount"),
    ("mode", "mode"),
    ("status", "status"),
    ("paid on", "paid_on"),
    ("re-presents", "represents"),
    ("reason", "reason_code"),
)
#: Shown only when a line of the ledger is held by a return waiting for review.
HELD_COLUMN = ("held", "held")


def _cell(line: dict, key: str) -> str:
    if key == "held":  # a return waiting for review holds the line
        return f"HELD: {line['review_reason']}" if line.get("held") else ""
    return "" if line[key] is None else str(line[key])


def ledger_table(document: dict, title: str | None = None) -> Table:
    """A customer's ledger (the ``ledger --json`` document) as a table."""
    table = Table(title=title or f"Ledger of {document['customer']} on {document['as_of']}")
    columns = LEDGER_COLUMNS
    if any(line.get("held") for line in document["lines"]):
        columns = (*LEDGER_COLUMNS, HELD_COLUMN)
    for heading, key in columns:
        table.add_column(heading, justify="right" if key in ("id", "amount") else "left")
    for line in document["lines"]:
        table.add_row(*(_cell(line, key) for _, key in columns))
    return table


def ledger_summary(document: dict) -> Text:
    state = ("BLOCKED", "bold red") if document["blocked"] else ("allowed", "green")
    return Text.assemble(
        f"balance {document['balance']} EUR · overdue {document['overdue']} EUR · ", state
    )
