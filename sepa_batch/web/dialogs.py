"""What the Impayer and Payer dialogs share: the line they act on, the dialog over the
Financier, and the Financier again after "Ok".

A dialog with errors is re-rendered with status 200 (htmx 2 does not swap 4xx responses) and
nothing changed; without JavaScript it is a whole page, the Financier under it.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from sepa_batch.domain.model import Mode
from sepa_batch.errors import SepaBatchError
from sepa_batch.services import articles as article_service
from sepa_batch.services import users as user_service
from sepa_batch.services.account_view import Account, account
from sepa_batch.web.financier import financier_context
from sepa_batch.web.forms import FormError
from sepa_batch.web.guards import Principal
from sepa_batch.web.pages import htmx, refusal, render
from sepa_batch.web.site import Site
from sepa_batch.web.text import Text


def dialog(
    request: Request,
    site: Site,
    user: Principal,
    name: str,
    found: Account,
    form: dict,
    errors: list[str],
) -> Response:
    """The dialog ``name`` (a template) for the line chosen in ``found``, with the form's
    values and its errors."""
    context = financier_context(found, Text(user.language))
    return render(
        request,
        name if htmx(request) else "financier.html",
        user,
        200,
        dialog=name,
        line=found.selected,
        form=form,
        errors=errors,
        articles=article_service.fee_articles(site.db),
        modes=[m.value for m in Mode],
        **context,
    )


def submit(
    request: Request,
    site: Site,
    user: Principal,
    action: str,
    found: Account,
    form: dict,
    act: Callable[[Text], str],
) -> Response:
    """The "Ok" of dialog ``action`` (``unpay``, ``pay``; its template is ``action.html``):
    ``act`` reads the form, calls the service and says what it did, which the audit trail
    records; a ``FormError`` or a service's refusal is shown in the dialog instead."""
    name = f"{action}.html"
    text = Text(user.language)
    try:
        detail = act(text)
    except FormError as exc:
        return dialog(request, site, user, name, found, form, [str(exc)])
    except SepaBatchError as exc:
        return dialog(request, site, user, name, found, form, [refusal(text, exc)])
    target = f"customer {found.card.code} line {found.selected.id}"
    user_service.record(site.db, site.clock(), user.name, action, target, detail)
    return done(request, site, user, found.card.code)


def done(request: Request, site: Site, user: Principal, code: str) -> Response:
    """After Ok: the Financier again (htmx: swapped in, the dialog removed)."""
    if not htmx(request):
        return RedirectResponse(f"/customers/{quote(code)}/ledger", status_code=303)
    return render(
        request,
        "_financier.html",
        user,
        headers={"HX-Retarget": "#financier", "HX-Reswap": "outerHTML"},
        close_dialog=True,
        **financier_context(account(site.db, code, None, site.today()), Text(user.language)),
    )
