"""New ledger lines inserted in bulk: each id returned is the id of its row."""

from datetime import date

from sqlalchemy import insert, select

from sepa_batch.db.lines import insert_lines, new_line
from sepa_batch.db.schema import Customer, LedgerLine
from sepa_batch.domain.model import LineKind

DAY = date(2010, 7, 20)


def _customer(session) -> int:
    session.execute(
        insert(Customer.__table__),
        [{"id": 1, "code": "C1", "name": "Ana", "street": "Rue", "building_number": "1",
          "postcode": "69003", "town": "Lyon", "country": "FR"}],
    )  # fmt: skip
    return 1


def test_ids_come_back_in_the_order_of_the_rows(db):
    with db.transaction() as session:
        customer = _customer(session)
        first = insert_lines(session, [new_line(customer, LineKind.SALE, DAY, "first", 100)])
        rows = [new_line(customer, LineKind.SALE, DAY, f"line {n}", n) for n in range(1, 1201)]
        ids = insert_lines(session, rows)
    assert ids == sorted(ids) and len(set(ids)) == 1200 and ids[0] > first[0]
    with db.reader() as session:
        stored = {
            row.id: row.label for row in session.execute(select(LedgerLine.id, LedgerLine.label))
        }
    assert [stored[id_] for id_ in ids] == [row["label"] for row in rows]
    # the database's own next id follows them
    with db.transaction() as session:
        line = LedgerLine(**new_line(customer, LineKind.SALE, DAY, "by the ORM", 1))
        session.add(line)
        session.flush()
        assert line.id > ids[-1]
