"""``report ageing``: what each customer owes on a day, by how long it has been overdue.

An instalment is overdue on day D when it is still open (SCHEDULED) and fell due before D —
the rule of the ledger and of the door (PRODUCT §2), read from each line's current state.
Days overdue = D − due date (an instalment due yesterday is 1 day overdue); buckets 0–30,
31–60, 61–90 and more than 90 days.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from sepa_batch.db.queries import overdue_on
from sepa_batch.db.schema import Customer, LedgerLine
from sepa_batch.reports.model import Column, Report, sum_columns

#: (column key, title, most days overdue in the bucket; None: no limit)
BUCKETS = (
    ("days_0_30", "0–30 days", 30),
    ("days_31_60", "31–60 days", 60),
    ("days_61_90", "61–90 days", 90),
    ("days_over_90", "> 90 days", None),
)
COLUMNS = (
    Column("customer", "customer"),
    Column("name", "name"),
    Column("oldest_due", "oldest due", "date"),
    Column("lines", "lines", "count"),
    *(Column(key, title, "amount") for key, title, _ in BUCKETS),
    Column("total", "total overdue", "amount"),
)
SUMMED = ("lines", *(key for key, _, _ in BUCKETS), "total")


def _bucket_sums(day: date) -> list:
    """One SUM per bucket: a line is in the first bucket whose limit it does not pass."""
    sums, newer_than = [], day  # due dates strictly before ``newer_than`` are left
    for _, _, limit in BUCKETS:
        oldest = None if limit is None else day - timedelta(days=limit)
        condition = LedgerLine.due_date < newer_than
        if oldest is not None:
            condition = condition & (LedgerLine.due_date >= oldest)
        sums.append(func.sum(case((condition, LedgerLine.amount_cents), else_=0)))
        newer_than = oldest
    return sums


def rows(session: Session, day: date) -> list[dict]:
    query = (
        select(
            Customer.code,
            Customer.name,
            func.min(LedgerLine.due_date),
            func.count(),
            func.sum(LedgerLine.amount_cents),
            *_bucket_sums(day),
        )
        .join(LedgerLine, LedgerLine.customer_id == Customer.id)
        .where(*overdue_on(day))
        .group_by(Customer.code, Customer.name)
        .order_by(Customer.code)
    )
    found = []
    for code, name, oldest, count, total, *buckets in session.execute(query):
        row = {"customer": code, "name": name, "oldest_due": oldest, "lines": count}
        row.update({key: int(value) for (key, _, _), value in zip(BUCKETS, buckets, strict=True)})
        row["total"] = int(total)
        found.append(row)
    return found


def build(session: Session, day: date) -> Report:
    return Report(
        name="ageing",
        title=f"Overdue instalments on {day.isoformat()}",
        columns=COLUMNS,
        rows=rows(session, day),
        heading={"as_of": day.isoformat()},
        summarise=lambda found: sum_columns(found, SUMMED),
    )
