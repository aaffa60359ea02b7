"""11 (part): the door's JSON API — ``GET /api/access/{customer}`` and ``GET /api/blocked`` —
for a ``door`` user's bearer token; shapes as ``sepa-batch access`` / ``blocked --format json``.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse, Response

from sepa_batch.errors import NotFound
from sepa_batch.services import ledger as ledger_service
from sepa_batch.services import users as user_service
from sepa_batch.web.site import Site, site_of

router = APIRouter()


class DoorRefused(Exception):
    pass


class DoorBadDay(Exception):
    pass


def door(authorization: str = Header(""), site: Site = Depends(site_of)) -> user_service.UserInfo:
    """The ``door`` user of the bearer token; else ``DoorRefused`` (401)."""
    scheme, _, token = authorization.partition(" ")
    user = None
    if scheme.lower() == "bearer" and token.strip():
        user = user_service.user_for_token(site.db, token.strip())
    if user is None or user.role != "door":
        raise DoorRefused()
    return user


def door_day(site: Site, as_of: str) -> date:
    """``?as_of=YYYY-MM-DD`` as on the CLI's ``--as-of``; today without it."""
    try:
        return date.fromisoformat(as_of) if as_of else site.today()
    except ValueError:
        raise DoorBadDay(as_of) from None


@router.get("/api/access/{code}")
def api_access(
    code: str, as_of: str = "", site: Site = Depends(site_of), _door=Depends(door)
) -> Response:
    day = door_day(site, as_of)
    try:
        return JSONResponse(ledger_service.access(site.db, code, day).document())
    except NotFound as exc:
        return JSONResponse({"error": str(exc)}, status_code=404)


@router.get("/api/blocked")
def api_blocked(as_of: str = "", site: Site = Depends(site_of), _door=Depends(door)) -> Response:
    day = door_day(site, as_of)
    rows = [row.document() for row in ledger_service.blocked_customers(site.db, day)]
    return JSONResponse({"as_of": day.isoformat(), "blocked": rows})


def door_refused(_request: Request, _exc: DoorRefused) -> Response:
    return JSONResponse(
        {"error": "a valid bearer token of a door user is required"},
        status_code=401,
        headers={"WWW-Authenticate": "Bearer"},
    )


def door_bad_day(_request: Request, exc: DoorBadDay) -> Response:
    return JSONResponse(
        {"error": f"as_of: {exc.args[0]!r} is not a date (YYYY-MM-DD)"}, status_code=400
    )
