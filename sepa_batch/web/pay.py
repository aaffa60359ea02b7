"""6. Payer: the dialog that records an open instalment paid (date, payment mode)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from sepa_batch.services import payment as payment_service
from sepa_batch.services.account_view import account_line
from sepa_batch.web.dialogs import dialog, submit
from sepa_batch.web.forms import FormError, parse_day, parse_mode
from sepa_batch.web.guards import Principal, csrf, writer
from sepa_batch.web.site import Site, site_of
from sepa_batch.web.text import Text

router = APIRouter()


@router.get("/customers/{code}/lines/{line_id}/pay", response_class=HTMLResponse)
def pay_dialog(
    request: Request,
    code: str,
    line_id: int,
    site: Site = Depends(site_of),
    user: Principal = Depends(writer),
) -> Response:
    found = account_line(site.db, code, line_id, site.today())
    errors = [] if found.can_pay else [Text(user.language)("cannot_pay")]
    mode = found.selected.mode or site.config.default_mode.value
    form = {"day": site.today().isoformat(), "mode": mode}
    return dialog(request, site, user, "pay.html", found, form, errors)


@router.post(
    "/customers/{code}/lines/{line_id}/pay",
    response_class=HTMLResponse,
    dependencies=[Depends(csrf)],
)
def pay(
    request: Request,
    code: str,
    line_id: int,
    day: str = Form(""),
    mode: str = Form(""),
    site: Site = Depends(site_of),
    user: Principal = Depends(writer),
) -> Response:
    found = account_line(site.db, code, line_id, site.today())
    form = {"day": day, "mode": mode}

    def act(text: Text) -> str:
        paid_on = parse_day(text, day, text("payment_date")) if day.strip() else site.today()
        chosen = parse_mode(text, mode) if mode else None
        if not found.can_pay:
            raise FormError(text("cannot_pay"))
        payment = payment_service.pay(site.db, line_id, paid_on, mode=chosen)
        return f"paid on {payment.paid_on.isoformat()} by {payment.mode}"

    return submit(request, site, user, "pay", found, form, act)
