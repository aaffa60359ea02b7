"""The web back office (WEB.md screens 1–12): ``create_app`` builds it from the screens'
routers, one module per screen.

Every route checks the session's user and role on the server, and every POST the session's
CSRF token (``guards.py``). Pages are plain forms and links; htmx only swaps parts of them
(the Financier, the dialogs). A route reads the form, calls a service and renders a template;
the pages hold no rule, they show what the services return.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from datetime import date, datetime
from importlib import resources
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.middleware.sessions import SessionMiddleware

from sepa_batch.config import Config
from sepa_batch.db.session import Database
from sepa_batch.errors import NotFound
from sepa_batch.web import (
    access,
    articles,
    audit,
    collection,
    customers,
    door,
    financier,
    guards,
    login,
    notices,
    pay,
    reports,
    returns,
    unpay,
)
from sepa_batch.web.site import Site

PACKAGE = resources.files("sepa_batch") / "web"
SECRET_FILE = "web-session.key"

#: The screens, in WEB.md's order: 1 login, 2–3 customers, 4 financier, 5 unpay, 6 pay,
#: 7 articles, 11 door (its API), the audit trail, 8 collection, 9 returns, 10 notices,
#: 11 access, 12 reports.
SCREENS = (
    login, customers, financier, unpay, pay, articles, door, audit,
    collection, returns, notices, access, reports,
)  # fmt: skip


def create_app(
    config: Config,
    db: Database | None = None,
    *,
    as_of: date | None = None,
    clock: Callable[[], datetime] = datetime.now,
) -> FastAPI:
    """The back office on ``config``'s database; ``as_of`` pins "today" (shown in a banner)."""
    db = db or Database(config.database_url)
    templates = Jinja2Templates(directory=str(PACKAGE / "templates"))
    app = FastAPI(title="sepa-batch back office", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret(config.folders.data),
        session_cookie="sepa_batch_session",
        same_site="strict",
        https_only=False,
        max_age=12 * 3600,
    )
    app.mount("/static", StaticFiles(directory=str(PACKAGE / "static")), name="static")
    app.state.site = site = Site(db, config, templates, as_of, clock)
    app.state.db = db
    app.state.config = config
    app.state.collect_lock = site.collect_lock
    app.add_exception_handler(guards.LoginRequired, guards.login_required)
    app.add_exception_handler(guards.Forbidden, guards.forbidden)
    app.add_exception_handler(NotFound, not_found)
    app.add_exception_handler(door.DoorRefused, door.door_refused)
    app.add_exception_handler(door.DoorBadDay, door.door_bad_day)
    for screen in SCREENS:
        app.include_router(screen.router)
    return app


def not_found(_request: Request, exc: NotFound) -> Response:
    return HTMLResponse(f"<p>{exc}</p>", status_code=404)


def session_secret(folder: Path) -> str:
    """The cookie-signing secret, created once in the data folder, readable by its owner only."""
    path = folder / SECRET_FILE
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()
