"""4. Financier: a customer's ledger lines, the balance, and which line allows Impayer or
Payer (the dialogs are ``unpay.py`` and ``pay.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from sepa_batch.db.schema import LedgerLine
from sepa_batch.domain import transitions
from sepa_batch.domain.model import LineKind, Status
from sepa_batch.services import customers as customer_service
from sepa_batch.services import ledger as ledger_service
from sepa_batch.web.guards import Principal, reader
from sepa_batch.web.pages import render
from sepa_batch.web.site import Site, site_of
from sepa_batch.web.text import Text

router = APIRouter()


@router.get("/customers/{code}/ledger", response_class=HTMLResponse)
def financier(
    request: Request,
    code: str,
    line: int | None = None,
    site: Site = Depends(site_of),
    user: Principal = Depends(reader),
) -> Response:
    context = financier_context(site, code, line, Text(user.language))
    name = "_financier.html" if request.headers.get("HX-Target") == "financier" else None
    return render(request, name or "financier.html", user, **context)


def financier_context(site: Site, code: str, selected: int | None, text: Text) -> dict:
    """What the Financier shows of customer ``code``, line ``selected`` chosen."""
    view = customer_service.customer_card(site.db, code)
    with site.db.reader() as session:
        lines = ledger_service.customer_lines(session, view.id)
    chosen = next((line for line in lines if line.id == selected), None)
    return {
        "card": view,
        "rows": ledger_rows(lines, chosen, text, site.today(), f"/customers/{quote(code)}"),
        "selected": chosen,
        "can_unpay": chosen is not None and may_unpay(chosen),
        "can_pay": chosen is not None and may_pay(chosen),
        "position": position(site, view.id, lines),
    }


def position(site: Site, customer_id: int, rows: list[LedgerLine] | None = None) -> dict:
    """The balance, whether the customer is blocked, and what is overdue since when."""
    day = site.today()
    if rows is None:
        with site.db.reader() as session:
            rows = ledger_service.customer_lines(session, customer_id)
    balance = ledger_service.lines_position(rows, day)
    overdue = ledger_service.overdue_among(rows, day)
    return {
        "balance": balance.balance_cents,
        "blocked": balance.blocked,
        "count": len(overdue),
        "overdue": sum(line.amount_cents for line in overdue),
        "since": overdue[0].due_date if overdue else None,
    }


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the Financier, formatted (200 lines render in a few milliseconds)."""

    id: int
    url: str
    css: str
    selected: bool
    date: str
    kind: str
    due: str
    label: str
    amount: str
    mode: str
    status: str
    payment: bool
    paid: bool
    reason: str


def ledger_rows(
    lines: list[LedgerLine], chosen: LedgerLine | None, text: Text, day: date, base: str
) -> list[Row]:
    overdue = {line.id for line in ledger_service.overdue_among(lines, day)}
    rows = []
    for line in lines:
        payment = line.kind == LineKind.PAYMENT
        selected = chosen is not None and chosen.id == line.id
        css = (
            line.kind
            + (" selected" if selected else "")
            + (" overdue" if line.id in overdue else "")
        )
        rows.append(
            Row(
                id=line.id,
                url=f"{base}/ledger?line={line.id}",
                css=css,
                selected=selected,
                date=text.day(line.date),
                kind=text(line.kind),
                due=text.day(line.due_date),
                label=line.label,
                amount=text.money(line.amount_cents),
                mode=text(line.mode) if payment and line.mode else "",
                status=text(line.status) if payment and line.status else "",
                payment=payment,
                paid=line.status == Status.PAID,
                reason=line.reason_code or "",
            )
        )
    return rows


def may_unpay(line: LedgerLine) -> bool:
    """Impayer is offered for a positive payment line the transitions let become unpaid."""
    return _may(line, Status.UNPAID, "unpay")


def may_pay(line: LedgerLine) -> bool:
    """Payer is offered for a positive open instalment."""
    return _may(line, Status.PAID, "pay")


def _may(line: LedgerLine, target: Status, action: str) -> bool:
    if line.kind != LineKind.PAYMENT or line.amount_cents <= 0 or not line.status:
        return False
    return transitions.ALLOWED.get((Status(line.status), target)) == action
