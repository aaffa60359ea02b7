"""Who is asking: the session's user and role, and the CSRF token of every POST.

Every route checks the session's user and role on the server (``reader``, ``writer``,
``admin``); every POST checks the session's CSRF token (``csrf``: form field ``csrf_token`` or
header ``X-CSRF-Token``, which htmx sends). ``LoginRequired`` and ``Forbidden`` become the
answers of ``login_required`` and ``forbidden``.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from urllib.parse import quote

from fastapi import Depends, Form, Header, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sepa_batch.services import users as user_service
from sepa_batch.web.site import site_of
from sepa_batch.web.text import Text

WRITERS = ("admin", "backoffice")


class LoginRequired(Exception):
    pass


class Forbidden(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Principal:
    id: int
    name: str
    role: str
    language: str

    @property
    def writes(self) -> bool:
        return self.role in WRITERS


def principal(request: Request) -> Principal:
    """The session's user, active and of a back-office role; else log in first."""
    site = site_of(request)
    user_id = request.session.get("uid")
    user = user_service.get_user(site.db, user_id) if isinstance(user_id, int) else None
    if user is None or not user.active or user.role not in user_service.WEB_ROLES:
        request.session.clear()
        raise LoginRequired()
    return Principal(user.id, user.name, user.role, user.language or site.config.web_language)


def reader(user: Principal = Depends(principal)) -> Principal:
    return user


def writer(user: Principal = Depends(principal)) -> Principal:
    if user.role not in WRITERS:
        raise Forbidden()
    return user


def admin(user: Principal = Depends(principal)) -> Principal:
    if user.role != "admin":
        raise Forbidden()
    return user


def csrf(
    request: Request,
    csrf_token: str = Form(""),
    x_csrf_token: str = Header(""),
) -> None:
    expected = request.session.get("csrf", "")
    given = csrf_token or x_csrf_token
    if not expected or not given or not hmac.compare_digest(expected, given):
        raise Forbidden()


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on its first page."""
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def login_required(request: Request, _exc: LoginRequired) -> Response:
    if request.headers.get("HX-Request") == "true":
        return Response(status_code=401, headers={"HX-Redirect": "/login"})
    if request.method == "GET":
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
    return Response("Log in first.", status_code=401)


def forbidden(request: Request, _exc: Forbidden) -> Response:
    site = site_of(request)
    uid = request.session.get("uid")
    user = user_service.get_user(site.db, uid) if isinstance(uid, int) else None
    text = Text((user.language if user else None) or site.config.web_language)
    return HTMLResponse(f"<p>{text('forbidden')}</p>", status_code=403)
