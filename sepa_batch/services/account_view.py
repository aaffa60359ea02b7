"""A customer's account as the back office shows it (the card and the Financier): the lines,
the standing (balance, blocked, what is overdue since when), and which line may be paid or
unpaid (``sepa_batch.domain.transitions``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sepa_batch.db.schema import LedgerLine
from sepa_batch.db.session import Database
from sepa_batch.domain.transitions import may_pay, may_unpay
from sepa_batch.errors import NotFound
from sepa_batch.services.customers import Card, customer_card
from sepa_batch.services.ledger import customer_lines, lines_position, overdue_among


@dataclass(frozen=True, slots=True)
class Standing:
    """The balance on a day, whether the customer is blocked, and the ``count`` overdue
    instalments (``overdue`` cents, the oldest due ``since``)."""

    balance: int
    blocked: bool
    count: int
    overdue: int
    since: date | None


@dataclass(frozen=True, slots=True)
class Account:
    """The Financier of a customer: the card, the lines, the line chosen and what it allows."""

    card: Card
    lines: list[LedgerLine]
    overdue: frozenset[int]  # the ids of the overdue lines
    selected: LedgerLine | None
    can_unpay: bool
    can_pay: bool
    standing: Standing


def standing(rows: list[LedgerLine], day: date) -> Standing:
    """The standing on ``day`` of a customer's lines already read."""
    position = lines_position(rows, day)
    oldest = overdue_among(rows, day)[:1]
    return Standing(
        balance=position.balance_cents,
        blocked=position.blocked,
        count=position.overdue_lines,
        overdue=position.overdue_cents,
        since=oldest[0].due_date if oldest else None,
    )


def card_view(db: Database, code: str, day: date) -> tuple[Card, Standing]:
    """Customer ``code``'s card and standing on ``day``."""
    card = customer_card(db, code)
    with db.reader() as session:
        rows = customer_lines(session, card.id)
    return card, standing(rows, day)


def account(db: Database, code: str, selected: int | None, day: date) -> Account:
    """Customer ``code``'s account on ``day``, line ``selected`` chosen (if theirs)."""
    card = customer_card(db, code)
    with db.reader() as session:
        rows = customer_lines(session, card.id)
    chosen = next((line for line in rows if line.id == selected), None)
    return Account(
        card=card,
        lines=rows,
        overdue=frozenset(line.id for line in overdue_among(rows, day)),
        selected=chosen,
        can_unpay=chosen is not None and may_unpay(chosen),
        can_pay=chosen is not None and may_pay(chosen),
        standing=standing(rows, day),
    )


def account_line(db: Database, code: str, line_id: int, day: date) -> Account:
    """Customer ``code``'s account with its line ``line_id`` chosen; ``NotFound`` if the
    line is not theirs."""
    found = account(db, code, line_id, day)
    if found.selected is None:
        raise NotFound(f"line {line_id}: not found for customer {code}")
    return found
