"""Fixtures of the web back office: the seed's member on a migrated database, three users, and
a logged-in TestClient per role."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
from fastapi.testclient import TestClient
from support import FIXTURES

from sepa_batch.db.schema import LedgerLine
from sepa_batch.services import collection, master_data, sales
from sepa_batch.services import users as user_service
from sepa_batch.web.app import create_app

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


@pytest.fixture
def club(db, config):
    return seed_club(db, config)


class Browser:
    """A TestClient that logs in as a person would and knows the page's CSRF token."""

    def __init__(self, client: TestClient):
        self.client = client
        self.csrf = ""

    def get(self, url: str, **kwargs):
        response = self.client.get(url, **kwargs)
        match = CSRF.search(response.text)
        if match:
            self.csrf = match.group(1)
        return response

    def post(self, url: str, data: dict | None = None, *, csrf: bool = True, **kwargs):
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.csrf)
        return self.client.post(url, data=data, follow_redirects=False, **kwargs)

    def login(self, name: str, code: str | None = None):
        self.get("/login")
        return self.post("/login", {"name": name, "code": code or CODES[name]})


@pytest.fixture
def web(db, config, club):
    """``web(as_of=..., user=...)``: a Browser on the app, logged in as ``user`` if given."""
    clients = []

    def make(as_of: date = date(2010, 7, 20), user: str | None = None, clock=lambda: NOW):
        client = TestClient(create_app(config, db, as_of=as_of, clock=clock))
        clients.append(client)
        browser = Browser(client)
        if user:
            response = browser.login(user)
            assert response.status_code == 303, response.text
            browser.get("/customers")
        return browser

    yield make
    for client in clients:
        client.close()
