"""What every screen shares: the application's ``Site`` (database, settings, "today").

``create_app`` keeps one ``Site`` in ``app.state.site``; a route asks for it with
``Depends(site_of)``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from fastapi import Request
from fastapi.templating import Jinja2Templates

from sepa_batch.config import Config
from sepa_batch.db.session import Database


@dataclass(frozen=True, slots=True)
class Site:
    """One back office: its database and settings; ``as_of`` pins "today" (shown in a banner)."""

    db: Database
    config: Config
    templates: Jinja2Templates
    as_of: date | None
    clock: Callable[[], datetime]
    #: One collection at a time from this server: a second click is told, not queued. The
    #: service's job lock (``lock_job``) still serialises it with the scheduler and the CLI.
    collect_lock: threading.Lock = field(default_factory=threading.Lock)

    def today(self) -> date:
        return self.as_of or self.clock().date()


def site_of(request: Request) -> Site:
    """The ``Site`` of the application serving ``request`` (a FastAPI dependency)."""
    return request.app.state.site
