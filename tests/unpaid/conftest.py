"""Fixtures for the unpaid and dunning service tests: the seed's member on a migrated database."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from support import FIXTURES

from sepa_batch import collection
from sepa_batch.db.schema import LedgerLine
from sepa_batch.services import master_data, sales


@pytest.fixture
def club(db, config):
    """Articles and customers imported on 2010-07-01."""
    master_data.import_articles(db, (FIXTURES / "articles.csv").read_text(encoding="utf-8"))
    master_data.import_customers(
        db, (FIXTURES / "customers.csv").read_text(encoding="utf-8"), today=date(2010, 7, 1)
    )
    return db


@pytest.fixture
def july(club, config):
    """C001 pays SUB_MONTH (50.00 on the 5th) by direct debit for 3 months; the July instalment
    is collected on 2010-07-01 (SUBMITTED, a FRST). Returns the 3 instalment ids."""
    subscription = sales.subscribe(
        club, "C001", article="SUB_MONTH", start=date(2010, 7, 1), months=3, day=5,
        today=date(2010, 7, 1),
    )  # fmt: skip
    result = collection.collect_due(
        club, config, today=date(2010, 7, 1), created_at=datetime(2010, 7, 1, 9, 0)
    )
    assert result.collected == 1
    return subscription.instalments


@pytest.fixture
def july_paid(club, july):
    """The same, the July direct debit settled on 2010-07-05."""
    with club.transaction() as session:
        line = session.get(LedgerLine, july[0])
        line.status, line.paid_on = "PAID", date(2010, 7, 5)
    return july
