"""The returns a simulated bank sends for a file our collection wrote, kept as fixtures.

``fixtures/returns/simulated/`` holds the pain.008 the collection writes for the fixture club
on 1 July 2010 and the simulated bank's answer to it (pain.002 rejects the day before the
collection date, camt.053 crediting the batch, camt.054 returns a few days later). The test
rebuilds the club, collects, checks that both the file and the bank's answer come out byte for
byte the same (``UPDATE_GOLDEN=1`` rewrites them), then imports the answer day by day.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from support import FIXTURES

from sepa_batch.bank.simulator import simulate
from sepa_batch.collection import collect_due
from sepa_batch.db.schema import PaymentBatch
from sepa_batch.returns import parse_file
from sepa_batch.services import master_data, sales
from sepa_batch.services.inbox import import_returns
from sepa_batch.services.settlement import settle

FOLDER = FIXTURES / "returns" / "simulated"
CUSTOMERS = [f"C{n:03d}" for n in range(1, 12)]  # C012 has no mandate


def same_as_fixture(name: str, data: bytes) -> None:
    path = FOLDER / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_bytes(data)
    assert path.exists(), f"{path} missing: run once with UPDATE_GOLDEN=1"
    assert data == path.read_bytes(), f"{name} differs from the fixture"


@pytest.fixture
def collected(config, db):
    master_data.import_articles(db, (FIXTURES / "articles.csv").read_text("utf-8"))
    master_data.import_customers(
        db, (FIXTURES / "customers.csv").read_text("utf-8"), today=date(2010, 6, 30)
    )
    for code in CUSTOMERS:
        sales.subscribe(
            db,
            code,
            article="SUB_MONTH",
            start=date(2010, 7, 1),
            months=2,
            day=5,
            today=date(2010, 6, 20),
        )
    result = collect_due(
        db, config, today=date(2010, 7, 1), created_at=datetime(2010, 7, 1, 6, 0, 0)
    )
    [written] = result.files
    return config, db, written


def test_the_simulated_bank_answers_our_file_and_the_import_applies_it(collected, tmp_path):
    config, db, written = collected
    pain008 = Path(written.path).read_bytes()
    same_as_fixture("collection.pain008.xml", pain008)
    answer = simulate(pain008, reject_rate=0.2, return_rate=0.2, seed=5)
    assert answer.pain002 and answer.camt054, "the seed must give both rejects and returns"
    for name, data in (
        ("answer.pain002.xml", answer.pain002),
        ("answer.camt053.xml", answer.camt053),
        ("answer.camt054.xml", answer.camt054),
    ):
        same_as_fixture(name, data)

    rejects = import_returns(db, config, [FOLDER / "answer.pain002.xml"], date(2010, 7, 2))
    assert (rejects[0].applied, rejects[0].unmatched) == (len(answer.rejected), 0)
    settle(db, date(2010, 7, 6))
    credits = import_returns(db, config, [FOLDER / "answer.camt053.xml"], date(2010, 7, 6))
    assert (credits[0].applied, credits[0].unmatched) == (1, 0)
    returns = import_returns(db, config, [FOLDER / "answer.camt054.xml"], date(2010, 7, 12))
    assert (returns[0].applied, returns[0].unmatched) == (len(answer.returned), 0)

    credited = parse_file(FOLDER / "answer.camt053.xml").items
    with db.reader() as session:
        [batch] = session.execute(select(PaymentBatch)).scalars()
    [credit] = [item for item in credited if item.kind == "credit"]
    assert (batch.credited_cents, batch.credited_on) == (credit.amount_cents, credit.booking_date)
    assert batch.credited_cents == written.control_sum_cents - 5000 * len(answer.rejected)
