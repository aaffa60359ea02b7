"""The table the demo prints at the end of each month: what was collected, what came back,
what was paid at the desk, who is blocked at the door."""

from __future__ import annotations

from datetime import date

from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sepa_batch.db.schema import BankFile, DunningNotice, LedgerLine, ReturnFile, ReturnItem
from sepa_batch.demo.club import Club
from sepa_batch.domain.model import Mode, Status
from sepa_batch.money import format_amount
from sepa_batch.services.ledger import blocked_customers

#: The bank's answers counted in the table: label, return item kinds.
RETURNED = (
    ("rejected before settlement (pain.002)", ("reject",)),
    ("returned or refunded after settlement (camt.054)", ("return", "refund")),
)


def month_table(club: Club, first: date, last: date) -> Table:
    table = Table(title=f"{first:%B %Y}")
    for column in ("what", "count", "amount (EUR)"):
        table.add_column(column, justify="left" if column == "what" else "right")
    with club.db.reader() as session:
        _collected(session, table, first, last)
        _came_back(session, table, first, last)
        _paid_and_dunned(session, table, first, last)
    blocked = blocked_customers(club.db, last)
    table.add_row(
        f"blocked at the door on {last}",
        str(len(blocked)),
        format_amount(sum(b.overdue_cents for b in blocked)),
    )
    return table


def _collected(session: Session, table: Table, first: date, last: date) -> None:
    files, instalments, total = session.execute(
        select(
            func.count(), func.sum(BankFile.transactions), func.sum(BankFile.control_sum_cents)
        ).where(func.date(BankFile.created_at).between(first, last))
    ).one()
    table.add_row("pain.008 files written", str(files), "")
    table.add_row("instalments collected", str(instalments or 0), format_amount(total or 0))


def _came_back(session: Session, table: Table, first: date, last: date) -> None:
    for label, kinds in RETURNED:
        count, total = session.execute(
            select(func.count(), func.sum(ReturnItem.amount_cents))
            .join(ReturnFile, ReturnFile.id == ReturnItem.return_file_id)
            .where(
                ReturnItem.kind.in_(kinds),
                ReturnItem.outcome == "applied",
                ReturnItem.level == "transaction",
                ReturnFile.imported_on.between(first, last),
            )
        ).one()
        table.add_row(label, str(count), format_amount(total or 0))
    count, total = session.execute(
        select(func.count(), func.sum(LedgerLine.amount_cents)).where(
            LedgerLine.represents_id.is_not(None), LedgerLine.date.between(first, last)
        )
    ).one()
    table.add_row("re-presentations (amount + fee)", str(count), format_amount(total or 0))


def _paid_and_dunned(session: Session, table: Table, first: date, last: date) -> None:
    count, total = session.execute(
        select(func.count(), func.sum(LedgerLine.amount_cents)).where(
            LedgerLine.mode == Mode.CHEQUE,
            LedgerLine.status == Status.PAID,
            LedgerLine.amount_cents > 0,
            LedgerLine.paid_on.between(first, last),
        )
    ).one()
    table.add_row("paid at the desk (cheque)", str(count), format_amount(total or 0))
    notices = session.execute(
        select(func.count())
        .select_from(DunningNotice)
        .where(DunningNotice.issued_on.between(first, last), DunningNotice.covered_by.is_(None))
    ).scalar_one()
    table.add_row("dunning notices sent", str(notices), "")
