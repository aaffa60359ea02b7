"""A new ledger line: every column, its defaults written once, for the ORM and for bulk inserts.

Sales, payments, rejection fees, reversals and re-presentations are all rows of
``ledger_lines``; whoever adds one — a sale by hand, a ledger import, the unpaid workflow for
thousands of returns — builds it here, so that no path forgets a column's default.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sepa_batch.db.bulk import insert_rows
from sepa_batch.db.schema import LedgerLine
from sepa_batch.domain.model import LineKind

#: The columns a new line may be given, and what it gets when it is not.
DEFAULTS = {
    "article_id": None,
    "mode": None,
    "due_date": None,
    "status": None,
    "paid_on": None,
    "represents_id": None,
    "reverses_id": None,
    "batch_id": None,
    "mandate_id": None,
    "end_to_end_id": None,
    "collection_date": None,
    "reason_code": None,
    "direct_debit_tries": 0,
    "presentations": 0,
    "needs_review": False,
}


def new_line(
    customer_id: int, kind: LineKind, day: date, label: str, amount_cents: int, **columns
) -> dict:
    """Every column of a new ledger line of the customer, as one row for one INSERT.

    >>> row = new_line(7, LineKind.SALE, date(2010, 7, 20), "Frais de rejet", 500)
    >>> row["kind"], row["amount_cents"], row["presentations"], row["status"]
    ('sale', 500, 0, None)
    >>> new_line(7, LineKind.SALE, date(2010, 7, 20), "x", 1, colour="red")
    Traceback (most recent call last):
    ...
    TypeError: a ledger line has no column colour
    """
    unknown = sorted(set(columns) - set(DEFAULTS))
    if unknown:
        raise TypeError(f"a ledger line has no column {', '.join(unknown)}")
    return {
        "customer_id": customer_id,
        "kind": LineKind(kind).value,
        "date": day,
        "label": label,
        "amount_cents": amount_cents,
        **DEFAULTS,
        **columns,
    }


def insert_lines(session: Session, rows: list[dict]) -> list[int]:
    """Insert ledger lines (rows of :func:`new_line`) in order; their ids, in the same order.

    The ids are taken first, ascending — the very ids the database would give the rows one
    after the other — and the rows inserted with them (``COPY`` on PostgreSQL, see
    :func:`sepa_batch.db.bulk.insert_rows`): several times faster than an INSERT ...
    RETURNING of many rows, whose ids must come back in the order of the rows."""
    ids = _new_ids(session, len(rows))
    with_ids = [{**row, "id": id_} for row, id_ in zip(rows, ids, strict=True)]
    insert_rows(session, LedgerLine.__table__, with_ids)
    return ids


def _new_ids(session: Session, count: int) -> list[int]:
    """``count`` new ids of ``ledger_lines``, ascending. PostgreSQL: from the table's sequence,
    in one round trip (never given twice, also to a concurrent transaction). SQLite gives a
    new row the largest id + 1, and the transaction holds the only write lock (``BEGIN
    IMMEDIATE``): the next ``count`` ids are this transaction's."""
    table = LedgerLine.__table__
    if session.get_bind().dialect.name != "sqlite":
        sequence = func.pg_get_serial_sequence(table.name, table.c.id.name)
        taken = select(func.nextval(sequence)).select_from(func.generate_series(1, count))
        return sorted(session.execute(taken).scalars())
    first = (session.execute(select(func.max(table.c.id))).scalar_one() or 0) + 1
    return list(range(first, first + count))
