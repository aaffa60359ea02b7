"""How a screen answers: ``render`` (a page, or the fragment htmx swaps in), ``download``
(a file), ``refusal`` (a service's refusal in the user's words)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from sepa_batch.errors import SepaBatchError
from sepa_batch.services import master_data
from sepa_batch.web.guards import Principal, csrf_token
from sepa_batch.web.site import site_of
from sepa_batch.web.text import Text


def htmx(request: Request) -> bool:
    """The request comes from htmx, which swaps the answer into the page."""
    return request.headers.get("HX-Request") == "true"


def render(
    request: Request,
    template: str,
    user: Principal | None,
    status_code: int = 200,
    headers: dict | None = None,
    **context,
) -> HTMLResponse:
    """``template`` with ``context`` and what every page shows: the words of the user's
    language, the user, the CSRF token, the pinned day."""
    site = site_of(request)
    language = user.language if user else request.session.get("lang", site.config.web_language)
    context.update(
        t=Text(language),
        user=user,
        csrf=csrf_token(request),
        pinned=site.as_of,
        today=site.today(),
        partial=htmx(request),
        mask=mask,
    )
    return site.templates.TemplateResponse(
        request, template, context, status_code=status_code, headers=headers
    )


def mask(iban: str) -> str:
    return master_data.mask_iban(iban)


def refusal(text: Text, exc: SepaBatchError) -> str:
    """A service's refusal, as shown on the page."""
    return text("refused", message=str(exc))


def download(body: str, media_type: str, name: str) -> Response:
    """``body`` as a UTF-8 file the browser saves as ``name``."""
    return Response(
        body.encode("utf-8"),
        media_type=f"{media_type}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
