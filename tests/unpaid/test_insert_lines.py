"""Bulk inserts of new ledger lines (``db.lines.insert_lines``), on SQLite and PostgreSQL:
ids in the rows' order, every column as given, and the ORM's next line after them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from sepa_batch.db.lines import insert_lines, new_line
from sepa_batch.db.schema import Customer, LedgerLine
from sepa_batch.domain.model import LineKind, Mode

COLUMNS = ("customer_id", "kind", "date", "label", "amount_cents", "mode", "due_date", "status")
COLUMNS += ("paid_on", "represents_id", "end_to_end_id", "direct_debit_tries", "needs_review")


def _rows(customer_id: int, represents_id: int) -> list[dict]:
    return [
        new_line(customer_id, LineKind.SALE, date(2010, 7, 20), "Frais de rejet", 500),
        new_line(
            customer_id,
            LineKind.PAYMENT,
            date(2010, 7, 20),
            "Représentation",
            5500,
            mode=Mode.DIRECT_DEBIT,
            due_date=date(2010, 8, 5),
            status="SCHEDULED",
            represents_id=represents_id,
            direct_debit_tries=1,
            needs_review=True,
        ),
        new_line(
            customer_id,
            LineKind.PAYMENT,
            date(2010, 7, 21),
            "Contre-passation",
            -5000,
            status="PAID",
            paid_on=date(2010, 7, 21),
            end_to_end_id="E2E-BULK-1",
        ),
    ]


def test_bulk_lines_keep_their_order_and_columns_then_the_orm_goes_on(club, july):
    with club.transaction() as session:
        customer_id = session.scalars(select(Customer.id).order_by(Customer.id)).first()
        rows = _rows(customer_id, july[0])
        ids = insert_lines(session, rows)
        assert insert_lines(session, []) == []
        later = LedgerLine(
            customer_id=customer_id, kind="sale", date=date(2010, 7, 22), label="Après",
            amount_cents=100,
        )  # fmt: skip
        session.add(later)
        session.flush()
        later_id = later.id
    assert ids == sorted(ids) and len(set(ids)) == 3
    assert later_id > max(ids)
    with club.transaction() as session:
        stored = {line.id: line for line in session.scalars(select(LedgerLine))}
    for id_, row in zip(ids, rows, strict=True):
        assert {c: getattr(stored[id_], c) for c in COLUMNS} == {c: row[c] for c in COLUMNS}
        assert stored[id_].presentations == 0 and stored[id_].batch_id is None
    assert stored[later_id].label == "Après"
