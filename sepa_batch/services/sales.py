"""Sales and instalments: what the back office bills."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sepa_batch.db.schema import Customer, LedgerLine
from sepa_batch.db.session import Database
from sepa_batch.domain.model import LineKind, Mode, Status
from sepa_batch.errors import InvalidInput
from sepa_batch.services.common import article_by_code, customer_by_code


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
        customer_id=customer.id,
        kind=LineKind.SALE,
        date=day,
        label=label,
        amount_cents=amount_cents,
        article_id=article_id,
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
        customer_id=customer.id,
        kind=LineKind.PAYMENT,
        date=day,
        label=label,
        amount_cents=amount_cents,
        mode=mode,
        due_date=due,
        status=status,
        paid_on=paid_on,
        represents_id=represents_id,
        direct_debit_tries=0,
        presentations=0,
        needs_review=False,
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
) -> Subscription:
    """One sale line of ``months`` × the article's price and ``months`` monthly instalments."""
    record = f"customer {customer_code}"
    if not 1 <= months <= 120:
        raise InvalidInput(record, "months", f"must be between 1 and 120, got {months}")
    if not 1 <= day <= 28:
        raise InvalidInput(record, "day", f"must be between 1 and 28, got {day}")
    with db.transaction() as session:
        customer = customer_by_code(session, customer_code)
        item = article_by_code(session, article)
        if item.price_cents <= 0:
            raise InvalidInput(f"article {article}", "price", "a subscription needs a price")
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
                label=f"{item.label} {due:%m/%Y}",
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
) -> int:
    if amount_cents <= 0:
        raise InvalidInput(f"customer {customer_code}", "amount", "an instalment must be positive")
    with db.transaction() as session:
        customer = customer_by_code(session, customer_code)
        line = payment_line(
            customer,
            day=today,
            label=label or f"Instalment {due:%d/%m/%Y}",
            amount_cents=amount_cents,
            mode=mode,
            due=due,
        )
        session.add(line)
        session.flush()
        return line.id
