"""5. Impayer: the dialog that turns a paid or submitted instalment unpaid — its fee, its
reversal and its re-presentation (one date, or several instalments that must add up)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from sepa_batch import unpaid as unpaid_service
from sepa_batch.db.schema import LedgerLine
from sepa_batch.domain.unpaid import SplitPart, default_label
from sepa_batch.services import articles as article_service
from sepa_batch.services.account_view import account_line
from sepa_batch.web.dialogs import dialog, submit
from sepa_batch.web.forms import FormError, parse_day, parse_mode, parse_money
from sepa_batch.web.guards import Principal, csrf, writer
from sepa_batch.web.site import Site, site_of
from sepa_batch.web.text import Text

#: Rows of "plusieurs échéances" in the Impayer dialog.
SPLIT_ROWS = 4

router = APIRouter()


async def form_data(request: Request) -> FormData:
    return await request.form()


@router.get("/customers/{code}/lines/{line_id}/unpay", response_class=HTMLResponse)
def unpay_dialog(
    request: Request,
    code: str,
    line_id: int,
    site: Site = Depends(site_of),
    user: Principal = Depends(writer),
) -> Response:
    found = account_line(site.db, code, line_id, site.today())
    errors = [] if found.can_unpay else [Text(user.language)("cannot_unpay")]
    form = unpay_form(site, found.selected, Text(user.language))
    return dialog(request, site, user, "unpay.html", found, form, errors)


@router.post(
    "/customers/{code}/lines/{line_id}/unpay",
    response_class=HTMLResponse,
    dependencies=[Depends(csrf)],
)
def unpay(
    request: Request,
    code: str,
    line_id: int,
    data: FormData = Depends(form_data),
    site: Site = Depends(site_of),
    user: Principal = Depends(writer),
) -> Response:
    found = account_line(site.db, code, line_id, site.today())
    form = read_form(data)

    def act(text: Text) -> str:
        options = unpay_options(text, form)
        if not found.can_unpay:
            raise FormError(text("cannot_unpay"))
        outcome = unpaid_service.unpay(site.db, site.config, line_id, site.today(), options)
        return (
            f"on {site.today().isoformat()}: fee line {outcome.fee_line}, reversal line "
            f"{outcome.reversal_line}, re-presentation line(s) {outcome.representation_lines}"
        )

    return submit(request, site, user, "unpay", found, form, act)


def unpay_form(site: Site, line: LedgerLine, text: Text) -> dict:
    """The dialog's first values: re-presented today, by the default mode, with the default
    rejection fee at its price."""
    articles = article_service.fee_articles(site.db)
    default = next((a for a in articles if a.code == site.config.fee_article), None)
    return {
        "due": site.today().isoformat(),
        "label": default_label(line.label, line.due_date, site.config.language),
        "mode": site.config.default_mode.value,
        "fee_article": default.code if default else "",
        "fee_amount": text.amount_input(default.price_cents) if default else "",
        "split": [{"date": "", "amount": ""} for _ in range(SPLIT_ROWS)],
    }


def read_form(data: FormData) -> dict:
    """The posted fields, as typed (shown again with the errors)."""
    return {
        "due": str(data.get("due", "")),
        "label": str(data.get("label", "")),
        "mode": str(data.get("mode", "")),
        "fee_article": str(data.get("fee_article", "")),
        "fee_amount": str(data.get("fee_amount", "")),
        "split": [
            {
                "date": str(data.get(f"split_date_{n}", "")),
                "amount": str(data.get(f"split_amount_{n}", "")),
            }
            for n in range(1, SPLIT_ROWS + 1)
        ],
    }


def unpay_options(text: Text, form: dict) -> unpaid_service.UnpayOptions:
    """The dialog's fields as the service's options; a ``FormError`` names a bad field."""
    due = form["due"].strip()
    label = form["label"].strip()
    if not label:
        raise FormError(text("required", field=text("represent_label")))
    parts = split_parts(text, form["split"])
    article = form["fee_article"].strip()
    amount = form["fee_amount"].strip()
    fee_cents = parse_money(text, amount, text("amount")) if article and amount else None
    return unpaid_service.UnpayOptions(
        due_date=parse_day(text, due, text("represent_date")) if due else None,
        label=label,
        mode=parse_mode(text, form["mode"]) if form["mode"] else None,
        fee_article=article or None,
        no_fee=not article,
        fee_cents=fee_cents,
        split=parts,
    )


def split_parts(text: Text, rows: list[dict]) -> tuple[SplitPart, ...]:
    """The filled rows of "plusieurs échéances"; a half-filled row names its missing field."""
    parts = []
    for n, row in enumerate(rows, start=1):
        if not row["date"].strip() and not row["amount"].strip():
            continue
        if not row["date"].strip():
            raise FormError(text("required", field=text("instalment_date", n=n)))
        if not row["amount"].strip():
            raise FormError(text("required", field=text("instalment_amount", n=n)))
        parts.append(
            SplitPart(
                parse_day(text, row["date"], text("instalment_date", n=n)),
                parse_money(text, row["amount"], text("instalment_amount", n=n)),
            )
        )
    return tuple(parts)
