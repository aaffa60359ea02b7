"""1. Identification: log in with a name and a code (throttled), log out."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sepa_batch.services import users as user_service
from sepa_batch.web.guards import csrf
from sepa_batch.web.pages import render
from sepa_batch.web.site import Site, site_of

router = APIRouter()


@router.get("/", include_in_schema=False)
def home() -> Response:
    return RedirectResponse("/customers", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/customers", lang: str = "") -> Response:
    if lang in user_service.LANGUAGES:
        request.session["lang"] = lang
    return render(request, "login.html", None, next=safe_next(next), error=None, name="")


@router.post("/login", response_class=HTMLResponse, dependencies=[Depends(csrf)])
def login(
    request: Request,
    name: str = Form(""),
    code: str = Form(""),
    next: str = Form("/customers"),
    site: Site = Depends(site_of),
) -> Response:
    address = request.client.host if request.client else "?"
    try:
        user = user_service.authenticate(site.db, name.strip(), code, address, site.clock())
    except user_service.Throttled:
        return render(
            request, "login.html", None, 429, next=safe_next(next), error="throttled", name=name
        )
    except PermissionError:
        return render(
            request, "login.html", None, 401, next=safe_next(next), error="wrong_code", name=name
        )
    request.session.clear()
    request.session.update(uid=user.id, csrf=secrets.token_urlsafe(32))
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout", dependencies=[Depends(csrf)])
def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


def safe_next(target: str) -> str:
    """Only a path of this site (no ``//host``) is followed after log-in.

    >>> safe_next("/returns"), safe_next("//evil.example"), safe_next("https://evil.example")
    ('/returns', '/customers', '/customers')
    """
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/customers"
    return target
