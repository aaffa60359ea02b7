"""``report journal``: the ledger as double-entry accounting, one balanced entry per event.

Events and their entries (account numbers from ``config.accounts``):

- a sale line, on its date (sales journal): customers (411, the customer's sub-account) debit;
  services (706) credit, or fees (7088) for a rejection or dunning fee;
- a payment received — a direct debit settled (on its collection date) or a payment at the
  desk (on its paid-on date) (bank journal): bank (512) debit, customers (411) credit;
- a settled payment returned or refunded, on the day it was marked unpaid (its negative
  compensating line): customers debit, bank credit. A direct debit rejected before settlement
  never reached the bank: neither it nor its compensating line is booked;
- bank charges on a return, on the bank's booking date: bank charges (627) debit, bank credit.

A negative amount swaps the two accounts. The difference between a block's expected and
credited amounts is shown by ``report batches``, not booked: its cause is for the accountant
to find.

Entries are numbered per journal in date order (``VE000001``, ``BQ000001``); the piece
reference names the ledger line (``L17``) or the return item (``R3``) behind the entry.
Events are read in one ordered, streamed query: the journal of a large club is never held in
memory when written as CSV or FEC.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, literal, null, select, union_all
from sqlalchemy.orm import Session, aliased

from sepa_batch import labels
from sepa_batch.db.schema import Article, Customer, LedgerLine, ReturnFile, ReturnItem
from sepa_batch.domain.model import ArticleKind, LineKind, Status
from sepa_batch.reports.model import Column, Period, Report, sum_columns

SALE, PAYMENT, RETURN, CHARGES = 1, 2, 3, 4
FEE_KINDS = frozenset({ArticleKind.REJECTION_FEE, ArticleKind.DUNNING_FEE})


@dataclass(frozen=True, slots=True)
class Event:
    """Something that moved money or a debt: a row of the events query."""

    day: date
    source: int  # SALE | PAYMENT | RETURN | CHARGES
    ref: int  # ledger line id, or return item id for CHARGES
    amount_cents: int  # signed as in the ledger
    customer: str | None
    name: str | None
    label: str
    detail: str | None  # the article kind of a sale, the reason code of bank charges


@dataclass(frozen=True, slots=True)
class Posting:
    account: str
    account_label: str
    debit_cents: int
    credit_cents: int
    customer: str | None = None
    customer_name: str | None = None


@dataclass(frozen=True, slots=True)
class Entry:
    journal: str
    journal_label: str
    number: str
    day: date
    piece: str
    label: str
    postings: tuple[Posting, ...]

    @property
    def balanced(self) -> bool:
        return sum(p.debit_cents for p in self.postings) == sum(
            p.credit_cents for p in self.postings
        )


def _posting(accounts: dict, key: str, debit: int, credit: int, event: Event | None = None):
    customer = event if key == "customers" else None
    return Posting(
        account=accounts[key],
        account_label=labels.ACCOUNT_LABELS[key],
        debit_cents=debit,
        credit_cents=credit,
        customer=customer.customer if customer else None,
        customer_name=customer.name if customer else None,
    )


#: For a positive amount: (journal, debited account, credited account). A negative amount —
#: the compensating line of a returned payment, a sale cancelled — swaps the two accounts.
RULES = {
    SALE: ("journal_sales", "customers", "services"),
    PAYMENT: ("journal_bank", "bank", "customers"),
    RETURN: ("journal_bank", "bank", "customers"),
    CHARGES: ("journal_bank", "bank_charges", "bank"),
}


def postings_for(event: Event, accounts: dict) -> tuple[str, str, tuple[Posting, ...]]:
    """(journal key, piece reference, the two postings) of one event."""
    journal, debit, credit = RULES[event.source]
    if event.source == SALE and event.detail in FEE_KINDS:
        credit = "fees"
    if event.amount_cents < 0:
        debit, credit = credit, debit
    amount = abs(event.amount_cents)
    piece = f"R{event.ref}" if event.source == CHARGES else f"L{event.ref}"
    return (
        journal,
        piece,
        (
            _posting(accounts, debit, amount, 0, event),
            _posting(accounts, credit, 0, amount, event),
        ),
    )


def entries(events: Iterable[Event], accounts: dict) -> Iterator[Entry]:
    """Number the events' entries per journal, in the order given (date order)."""
    numbers: dict[str, int] = {}
    for event in events:
        if event.amount_cents == 0:
            continue
        journal_key, piece, postings = postings_for(event, accounts)
        code = accounts[journal_key]
        numbers[code] = numbers.get(code, 0) + 1
        yield Entry(
            journal=code,
            journal_label=labels.JOURNAL_LABELS[journal_key],
            number=f"{code}{numbers[code]:06d}",
            day=event.day,
            piece=piece,
            label=event.label,
            postings=postings,
        )


# --- the events, from the database ------------------------------------------------------


def _sales(period: Period):
    return (
        select(
            LedgerLine.date.label("day"),
            literal(SALE).label("source"),
            LedgerLine.id.label("ref"),
            LedgerLine.amount_cents.label("amount"),
            Customer.code.label("customer"),
            Customer.name.label("name"),
            LedgerLine.label.label("label"),
            Article.kind.label("detail"),
        )
        .join(Customer, Customer.id == LedgerLine.customer_id)
        .outerjoin(Article, Article.id == LedgerLine.article_id)
        .where(
            LedgerLine.kind == LineKind.SALE,
            LedgerLine.status.is_(None),  # a cancelled sale was never owed
            *period.clauses(LedgerLine.date),
        )
    )


def _payments(period: Period):
    """Money received (or paid back): every paid payment line that is not a compensating
    line. A line settled and later returned (UNPAID) was received all the same."""
    return (
        select(
            LedgerLine.paid_on,
            literal(PAYMENT),
            LedgerLine.id,
            LedgerLine.amount_cents,
            Customer.code,
            Customer.name,
            LedgerLine.label,
            LedgerLine.mode,
        )
        .join(Customer, Customer.id == LedgerLine.customer_id)
        .where(
            LedgerLine.kind == LineKind.PAYMENT,
            LedgerLine.status.in_((Status.PAID, Status.UNPAID)),
            LedgerLine.paid_on.is_not(None),
            LedgerLine.reverses_id.is_(None),
            *period.clauses(LedgerLine.paid_on),
        )
    )


def _returns(period: Period):
    """Compensating lines of payments that had been received (their original has a paid-on
    date); those of direct debits rejected before settlement book nothing."""
    original = aliased(LedgerLine)
    return (
        select(
            LedgerLine.paid_on,
            literal(RETURN),
            LedgerLine.id,
            LedgerLine.amount_cents,
            Customer.code,
            Customer.name,
            LedgerLine.label,
            original.reason_code,
        )
        .join(Customer, Customer.id == LedgerLine.customer_id)
        .join(original, original.id == LedgerLine.reverses_id)
        .where(
            LedgerLine.kind == LineKind.PAYMENT,
            LedgerLine.paid_on.is_not(None),
            original.paid_on.is_not(None),
            *period.clauses(LedgerLine.paid_on),
        )
    )


def _charges(period: Period):
    day = func.coalesce(ReturnItem.booking_date, ReturnFile.imported_on)
    return (
        select(
            day,
            literal(CHARGES),
            ReturnItem.id,
            ReturnItem.charges_cents,
            null(),
            null(),
            func.coalesce(ReturnItem.end_to_end_id, ReturnFile.name),
            ReturnItem.reason_code,
        )
        .join(ReturnFile, ReturnFile.id == ReturnItem.return_file_id)
        .where(
            ReturnItem.charges_cents > 0,
            ReturnItem.outcome != "duplicate",
            ReturnItem.kind != "credit",  # a credit's charges are inside its difference
            *period.clauses(day),
        )
    )


def _label(source: int, label: str, detail: str | None) -> str:
    if source == CHARGES:
        return labels.bank_charges(label, detail, "fr")  # the journal is French, as the FEC
    if source == RETURN and detail:
        return f"{label} ({detail})"
    return label


def events(session: Session, period: Period) -> Iterator[Event]:
    """Every event of the period in date order, streamed."""
    union = union_all(_sales(period), _payments(period), _returns(period), _charges(period))
    ordered = union.subquery()
    query = select(*ordered.c).order_by(ordered.c.day, ordered.c.source, ordered.c.ref)
    for day, source, ref, amount, customer, name, label, detail in session.execute(
        query.execution_options(yield_per=10_000)
    ):
        yield Event(
            day, source, ref, int(amount), customer, name, _label(source, label, detail), detail
        )


# --- as a report -----------------------------------------------------------------------

COLUMNS = (
    Column("journal", "journal"),
    Column("entry", "entry"),
    Column("date", "date", "date"),
    Column("account", "account"),
    Column("account_label", "account label"),
    Column("customer", "customer"),
    Column("customer_name", "customer name"),
    Column("piece", "piece"),
    Column("label", "label"),
    Column("debit", "debit", "amount"),
    Column("credit", "credit", "amount"),
)


def posting_rows(found: Iterable[Entry]) -> Iterator[dict]:
    for entry in found:
        for posting in entry.postings:
            yield {
                "journal": entry.journal,
                "entry": entry.number,
                "date": entry.day,
                "account": posting.account,
                "account_label": posting.account_label,
                "customer": posting.customer,
                "customer_name": posting.customer_name,
                "piece": entry.piece,
                "label": entry.label,
                "debit": posting.debit_cents,
                "credit": posting.credit_cents,
            }


def build(session: Session, period: Period, accounts: dict) -> Report:
    return Report(
        name="journal",
        title="Accounting journal",
        columns=COLUMNS,
        rows=posting_rows(entries(events(session, period), accounts)),
        heading=period.document(),
        summarise=lambda found: sum_columns(found, ("debit", "credit")),
    )
