"""Sales and instalments: what the back office bills."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from sepa_batch import labels
from sepa_batch.db.lines import new_line
from sepa_batch.db.schema import Customer, LedgerLine
from sepa_batch.db.session import Database
from sepa_batch.domain.model import ArticleKind, LineKind, MandateStatus, Mode, Status
from sepa_batch.domain.unpaid import MAX_LABEL, fit_label
from sepa_batch.errors import InvalidInput
from sepa_batch.identifiers import text_problem
from sepa_batch.services.common import article_by_code, current_mandate, customer_by_code

#: Articles that only the unpaid and dunning workflows bill.
FEE_KINDS = frozenset({ArticleKind.REJECTION_FEE, ArticleKind.DUNNING_FEE})


def check_label(label: str | None, record: str, field: str = "--label") -> str | None:
    """A label given by the back office: not blank, and fits a ledger line."""
    if label is None:
        return None
    if not label.strip():
        raise InvalidInput(record, field, "must not be empty")
    problem = text_problem(label, MAX_LABEL)
    if problem:
        raise InvalidInput(record, field, problem)
    return label


def require_mandate(session: Session, customer: Customer, record: str) -> None:
    """A direct debit needs a mandate that can be collected: refuse it at the door rather
    than skip it at the collection a month later."""
    mandate = current_mandate(session, customer.id)
    if mandate is None:
        raise InvalidInput(
            record, "--mode", "DIRECT_DEBIT needs a mandate, and the customer has none"
        )
    if mandate.status != MandateStatus.ACTIVE:
        raise InvalidInput(
            record,
            "--mode",
            f"DIRECT_DEBIT needs an active mandate; mandate {mandate.reference} is "
            f"{mandate.status.lower()}",
        )


def monthly_due_dates(start: date, months: int, day: int) -> list[date]:
    """``months`` dates on ``day`` of each month, the first on or after ``start``.

    >>> monthly_due_dates(date(2010, 6, 20), 3, 5)
    [datetime.date(2010, 7, 5), datetime.date(2010, 8, 5), datetime.date(2010, 9, 5)]
    """
    year, month = start.year, start.month
    if start.day > day:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    dates = []
    for _ in range(months):
        dates.append(date(year, month, day))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return dates


def sale_line(
    customer: Customer, *, article_id: int | None, day: date, label: str, amount_cents: int
) -> LedgerLine:
    return LedgerLine(
        **new_line(customer.id, LineKind.SALE, day, label, amount_cents, article_id=article_id)
    )


def payment_line(
    customer: Customer,
    *,
    day: date,
    label: str,
    amount_cents: int,
    mode: Mode,
    due: date,
    status: Status = Status.SCHEDULED,
    paid_on: date | None = None,
    represents_id: int | None = None,
) -> LedgerLine:
    return LedgerLine(
        **new_line(
            customer.id,
            LineKind.PAYMENT,
            day,
            label,
            amount_cents,
            mode=mode,
            due_date=due,
            status=status,
            paid_on=paid_on,
            represents_id=represents_id,
        )
    )


@dataclass(frozen=True, slots=True)
class Subscription:
    sale_line: int
    instalments: list[int]


def subscribe(
    db: Database,
    customer_code: str,
    *,
    article: str,
    start: date,
    months: int,
    day: int,
    mode: Mode = Mode.DIRECT_DEBIT,
    today: date,
    mandate_required: bool = False,
) -> Subscription:
    """One sale line of ``months`` × the article's price and ``months`` monthly instalments.

    With ``mandate_required`` (the CLI), a direct debit for a customer without an active
    mandate is refused; the collection still skips one whose mandate went away later."""
    record = f"customer {customer_code}"
    if not 1 <= months <= 120:
        raise InvalidInput(record, "months", f"must be between 1 and 120, got {months}")
    if not 1 <= day <= 28:
        raise InvalidInput(record, "day", f"must be between 1 and 28, got {day}")
    with db.transaction() as session:
        customer = customer_by_code(session, customer_code)
        item = article_by_code(session, article)
        if item.kind in FEE_KINDS:
            raise InvalidInput(
                record,
                "--article",
                f"{article} is a {item.kind} article: only the unpaid and dunning workflows "
                "bill it",
            )
        if item.price_cents <= 0:
            raise InvalidInput(f"article {article}", "price", "a subscription needs a price")
        if mandate_required and Mode(mode) is Mode.DIRECT_DEBIT:
            require_mandate(session, customer, record)
        sale = sale_line(
            customer,
            article_id=item.id,
            day=start,
            label=item.label,
            amount_cents=item.price_cents * months,
        )
        session.add(sale)
        lines = []
        for due in monthly_due_dates(start, months, day):
            line = payment_line(
                customer,
                day=today,
                label=fit_label(item.label, f" {due:%m/%Y}"),
                amount_cents=item.price_cents,
                mode=mode,
                due=due,
            )
            session.add(line)
            lines.append(line)
        session.flush()
        return Subscription(sale.id, [line.id for line in lines])


def sell(
    db: Database,
    customer_code: str,
    *,
    article: str,
    day: date,
    amount_cents: int | None = None,
    label: str | None = None,
) -> int:
    check_label(label, f"customer {customer_code}")
    with db.transaction() as session:
        customer = customer_by_code(session, customer_code)
        item = article_by_code(session, article)
        amount = item.price_cents if amount_cents is None else amount_cents
        if amount <= 0:
            raise InvalidInput(f"customer {customer_code}", "amount", "a sale must be positive")
        line = sale_line(
            customer, article_id=item.id, day=day, label=label or item.label, amount_cents=amount
        )
        session.add(line)
        session.flush()
        return line.id


def add_instalment(
    db: Database,
    customer_code: str,
    *,
    amount_cents: int,
    due: date,
    mode: Mode,
    label: str | None,
    today: date,
    mandate_required: bool = False,
    language: str = "fr",
) -> int:
    record = f"customer {customer_code}"
    if amount_cents <= 0:
        raise InvalidInput(record, "amount", "an instalment must be positive")
    check_label(label, record)
    with db.transaction() as session:
        customer = customer_by_code(session, customer_code)
        if mandate_required and Mode(mode) is Mode.DIRECT_DEBIT:
            require_mandate(session, customer, record)
        line = payment_line(
            customer,
            day=today,
            label=label or labels.instalment(due, language),
            amount_cents=amount_cents,
            mode=mode,
            due=due,
        )
        session.add(line)
        session.flush()
        return line.id
