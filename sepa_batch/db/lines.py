"""A new ledger line: every column, its defaults written once, for the ORM and for bulk inserts.

Sales, payments, rejection fees, reversals and re-presentations are all rows of
``ledger_lines``; whoever adds one — a sale by hand, a ledger import, the unpaid workflow for
thousands of returns — builds it here, so that no path forgets a column's default.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

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

    Thousands of lines at a time (the unpaid workflow), so both paths skip SQLAlchemy's
    per-row work and talk to the driver on the session's own connection (same transaction):

    - PostgreSQL: the ids are taken from the table's sequence in one round trip (so that
      later inserts by the ORM go on after them), then the rows are sent by ``COPY``: no
      statement text growing with the rows, which psycopg would have to convert uncached.
    - SQLite: a new row gets the largest id + 1 and the transaction holds the only write lock
      (``BEGIN IMMEDIATE``): the ids are given here, the very ones SQLite would give, and the
      rows inserted with the driver's ``executemany``.
    """
    if not rows:
        return []
    connection = session.connection()
    driver = connection.connection.driver_connection
    names = ", ".join(connection.dialect.identifier_preparer.quote(c) for c in COLUMNS)
    if connection.dialect.name == "sqlite":
        return _insert_sqlite(session, driver, names, rows)
    return _insert_postgresql(driver, names, rows)


#: Every column of a new line, in the order the bulk inserts send them.
COLUMNS = ("id", "customer_id", "kind", "date", "label", "amount_cents", *DEFAULTS)
_TABLE = LedgerLine.__tablename__
_DATES = tuple(COLUMNS.index(c) for c in ("date", "due_date", "paid_on", "collection_date"))


def _insert_postgresql(driver, names: str, rows: list[dict]) -> list[int]:
    with driver.cursor() as cursor:
        cursor.execute(
            f"SELECT nextval(pg_get_serial_sequence('{_TABLE}', 'id')) FROM generate_series(1, %s)",
            (len(rows),),
        )
        ids = sorted(id_ for (id_,) in cursor.fetchall())
        with cursor.copy(f"COPY {_TABLE} ({names}) FROM STDIN") as copy:
            for id_, row in zip(ids, rows, strict=True):
                copy.write_row((id_, *[row[c] for c in COLUMNS[1:]]))
    return ids


def _insert_sqlite(session: Session, driver, names: str, rows: list[dict]) -> list[int]:
    table = LedgerLine.__table__
    first = (session.execute(select(func.max(table.c.id))).scalar_one() or 0) + 1
    ids = list(range(first, first + len(rows)))
    marks = ", ".join("?" * len(COLUMNS))
    cursor = driver.cursor()
    try:
        cursor.executemany(
            f"INSERT INTO {_TABLE} ({names}) VALUES ({marks})",
            (_sqlite_values(id_, row) for id_, row in zip(ids, rows, strict=True)),
        )
    finally:
        cursor.close()
    return ids


def _sqlite_values(id_: int, row: dict) -> list:
    """A row as SQLAlchemy would send it to SQLite: dates as ISO text (``2010-07-20``)."""
    values = [id_, *[row[c] for c in COLUMNS[1:]]]
    for i in _DATES:
        if values[i] is not None:
            values[i] = values[i].isoformat()
    return values
