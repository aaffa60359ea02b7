"""The end of the story: the files written, one member's ledger, and whether it reconciles."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from sepa_batch.console import ledger_table
from sepa_batch.db.schema import BankFile, Customer, LedgerLine
from sepa_batch.demo.club import Club
from sepa_batch.demo.reconcile import reconciliation
from sepa_batch.domain.model import Status
from sepa_batch.money import format_amount
from sepa_batch.services.ledger_view import ledger_document

#: The reconciliation's lines: key of ``reconciliation``, label.
FIGURES = (
    ("submitted", "submitted in pain.008 files"),
    ("settled", "  settled (credited by the bank)"),
    ("rejected", "  rejected before settlement"),
    ("returned", "  returned or refunded after settlement"),
    ("in_flight", "  still in flight"),
)


def closing(club: Club, console: Console) -> dict:
    """Print the end of the story; returns the reconciliation's figures."""
    with club.db.reader() as session:
        written = [Path(p) for p in session.execute(select(BankFile.path)).scalars()]
    _files_written(club, console)
    _one_member(club, console)
    figures = reconciliation(club)
    console.rule("[bold]Does it reconcile?")
    table = Table()
    table.add_column("")
    table.add_column("EUR", justify="right")
    for key, label in FIGURES:
        table.add_row(label, format_amount(figures[key]))
    table.add_row("journal debits = credits", format_amount(figures["journal_debits"]))
    console.print(table)
    verdict = "[green]yes, to the cent[/]" if figures["reconciles"] else "[red]NO[/]"
    console.print(
        f"submitted = settled + rejected + returned + in flight, and the journal "
        f"balances: {verdict}  ({len(written)} bank file(s))"
    )
    return figures


def _files_written(club: Club, console: Console) -> None:
    folders = club.config.folders
    console.rule("[bold]Files written")
    for folder, what in (
        (folders.outbox, "pain.008 for the bank"),
        (folders.archive, "bank answers imported"),
        (folders.notices, "e-mail-ready notices"),
        (folders.exports, "blocked lists for the door"),
    ):
        files = sorted(p for p in folder.glob("*") if p.is_file())
        console.print(f"{folder} — {what}: {len(files)} file(s)")
        for path in files[:3]:
            console.print(f"    {path.name}")
        if len(files) > 3:
            console.print(f"    … and {len(files) - 3} more")


def _one_member(club: Club, console: Console) -> None:
    """The ledger of the first member whose payment came back unpaid: the procedure's story."""
    with club.db.reader() as session:
        code = session.execute(
            select(Customer.code)
            .join(LedgerLine, LedgerLine.customer_id == Customer.id)
            .where(LedgerLine.status == Status.UNPAID)
            .order_by(LedgerLine.id)
            .limit(1)
        ).scalar_one_or_none()
    if code is None:
        return
    document = ledger_document(club.db, code, club.last_day)
    console.rule(f"[bold]One member's ledger: {code}")
    console.print(ledger_table(document, title=""))
    state = "blocked" if document["blocked"] else "allowed at the door"
    console.print(f"balance {document['balance']} EUR on {document['as_of']}: {state}")
