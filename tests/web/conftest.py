"""Fixtures of the web back office: the seed's member on a migrated database, three users, and
a logged-in TestClient per role."""

from __future__ import annotations

import os
import re
import threading
import time
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from web.web_support import CODES, CSRF, NOW, seed_club

from sepa_batch.web.app import create_app


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


# --- real-browser tests: Debian's Chromium driven by Playwright, a live uvicorn server ----------

CHROMIUM = Path(os.environ.get("SEPA_BATCH_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(os.environ.get("SEPA_BATCH_ARTIFACTS", "/tmp/sepa-batch-artifacts"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


class LiveServer:
    """uvicorn in a thread on 127.0.0.1, port 0 (the system picks a free one)."""

    def __init__(self, app):
        import uvicorn

        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the live server did not start")
            time.sleep(0.05)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def live(db, config, club):
    """``live(as_of)``: a server on the seed's database with "today" pinned to ``as_of``."""
    servers = []

    def start(as_of: date) -> LiveServer:
        server = LiveServer(create_app(config, db, as_of=as_of))
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def require_chromium(path: Path) -> None:
    """Skip without Chromium, except under ``CI=true``, where its absence fails the test."""
    if not path.exists():
        message = f"{path} is missing: apt-get install -y chromium"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {message}")
        pytest.skip(message)


@pytest.fixture(scope="session")
def chromium():
    require_chromium(CHROMIUM)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, request):
    """A fresh browser page; a screenshot is saved when the test fails."""
    context = chromium.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        print(f"screenshot: {path}")
    context.close()
