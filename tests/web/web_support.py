"""The seed's member and the back office's users, shared by the web tests."""

from __future__ import annotations

import re
from datetime import date, datetime

from support import FIXTURES

from sepa_batch import collection
from sepa_batch.db.schema import LedgerLine
from sepa_batch.services import master_data, sales
from sepa_batch.services import users as user_service

CODES = {"admin": "admin-code-1", "desk": "desk-code-22", "compta": "compta-code-3"}
ROLES = {"admin": "admin", "desk": "backoffice", "compta": "accountant"}
NOW = datetime(2010, 7, 20, 10, 0)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def seed_club(db, config) -> list[int]:
    """C001 pays 50.00 a month by direct debit from July 2010; the July instalment (due
    05/07/2010) is collected and paid on 05/07/2010. Returns the 3 instalment ids."""
    master_data.import_articles(db, (FIXTURES / "articles.csv").read_text(encoding="utf-8"))
    master_data.import_customers(
        db, (FIXTURES / "customers.csv").read_text(encoding="utf-8"), today=date(2010, 7, 1)
    )
    subscription = sales.subscribe(
        db, "C001", article="SUB_MONTH", start=date(2010, 7, 1), months=3, day=5,
        today=date(2010, 7, 1),
    )  # fmt: skip
    result = collection.collect_due(
        db, config, today=date(2010, 7, 1), created_at=datetime(2010, 7, 1, 9, 0)
    )
    assert result.collected == 1
    with db.transaction() as session:
        line = session.get(LedgerLine, subscription.instalments[0])
        line.status, line.paid_on = "PAID", date(2010, 7, 5)
    for name, role in ROLES.items():
        user_service.add_user(db, name, role, CODES[name], NOW)
    return subscription.instalments
