"""The optional ``mandate_type`` column of customers.csv: RCUR (the default) or OOFF."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from collection.collect_cases import collect, instalment, mandate_of
from sqlalchemy import func, select

from sepa_batch.db.schema import Customer
from sepa_batch.errors import InvalidInputs
from sepa_batch.services.master_data import CUSTOMER_COLUMNS, import_customers

HEADER = ",".join([*CUSTOMER_COLUMNS, "mandate_type"])
ROW = (
    "{code},Anne Lévy,,Rue Neuve,2,69001,Lyon,FR,FR7630006000011234567890189,,"
    "M-{code},2010-01-10,{kind}"
)
TODAY = date(2010, 7, 1)


def customers(db) -> int:
    with db.reader() as session:
        return session.execute(select(func.count()).select_from(Customer)).scalar_one()


def test_one_off_recurrent_and_default(db):
    rows = [ROW.format(code="C201", kind="OOFF"), ROW.format(code="C202", kind="RCUR"),
            ROW.format(code="C203", kind=""), ROW.format(code="C204", kind="ooff")]  # fmt: skip
    result = import_customers(db, "\n".join([HEADER, *rows]), today=TODAY)
    assert (result.customers, result.mandates) == (4, 4)
    kinds = [mandate_of(db, code).one_off for code in ("C201", "C202", "C203", "C204")]
    assert kinds == [True, False, False, True]


def test_the_column_may_be_absent(db):
    header = ",".join(CUSTOMER_COLUMNS)
    row = ROW.format(code="C205", kind="").rsplit(",", 1)[0]
    import_customers(db, f"{header}\n{row}\n", today=TODAY)
    assert mandate_of(db, "C205").one_off is False


@pytest.mark.parametrize("kind", ["FRST", "ONE-OFF", "X"])
def test_an_unknown_type_is_refused_with_its_line_and_field(db, kind):
    text = "\n".join(
        [HEADER, ROW.format(code="C206", kind="RCUR"), ROW.format(code="C207", kind=kind)]
    )
    with pytest.raises(InvalidInputs) as caught:
        import_customers(db, text, today=TODAY)
    [problem] = caught.value.problems
    assert (problem.record, problem.field) == ("customers.csv line 3", "mandate_type")
    assert problem.reason == f"{kind!r} is not RCUR or OOFF"
    assert customers(db) == 0


def test_a_one_off_mandate_is_collected_as_ooff_once(club):
    config, db = club  # C013 signed a one-off mandate (collect_cases.ONE_OFF_CSV)
    first = instalment(db, "C013", 4250, date(2010, 7, 5))
    result = collect(db, config, datetime(2010, 7, 1, 9, 0))
    assert [(b.sequence_type, b.transactions) for b in result.blocks] == [("OOFF", 1)]
    assert mandate_of(db, "C013").first_used is True
    later = instalment(db, "C013", 4250, date(2010, 8, 5))
    again = collect(db, config, datetime(2010, 8, 1, 9, 0))
    assert [(s.line, s.reason) for s in again.skipped] == [(later, "one-off mandate already used")]
    assert first != later
