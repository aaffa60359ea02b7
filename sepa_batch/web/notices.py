"""10. Relances: the dunning notices and pre-notifications, with their delivery, and each
notice as it was written."""

from __future__ import annotations

import email
import email.policy

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from sepa_batch.db.schema import Customer, LedgerLine
from sepa_batch.errors import NotFound
from sepa_batch.services import delivery as delivery_service
from sepa_batch.web.guards import reader
from sepa_batch.web.pages import render
from sepa_batch.web.site import Site, site_of

router = APIRouter()


@router.get("/notices", response_class=HTMLResponse)
def notices(request: Request, site: Site = Depends(site_of), user=Depends(reader)) -> Response:
    return render(request, "notices.html", user, rows=notice_rows(site))


@router.get("/notices/{kind}/{notice_id}", response_class=HTMLResponse)
def notice(
    request: Request,
    kind: str,
    notice_id: int,
    site: Site = Depends(site_of),
    user=Depends(reader),
) -> Response:
    model = delivery_service.MODELS.get(kind)
    with site.db.reader() as session:
        found = session.get(model, notice_id) if model else None
    if found is None or found.body is None:
        raise NotFound(f"{kind} notice {notice_id}: not found")
    message = email.message_from_string(found.body, policy=email.policy.default)
    return render(
        request, "notice.html", user, kind=kind, notice=found,
        subject=message["Subject"], to=message["To"], text=message.get_content(),
    )  # fmt: skip


def notice_rows(site: Site) -> list[dict]:
    """Every notice of every kind, the latest first, with its customer and its delivery."""
    deliveries = {(d.kind, d.notice_id): d for d in delivery_service.list_deliveries(site.db)}
    rows = []
    with site.db.reader() as session:
        for kind, model in delivery_service.MODELS.items():
            query = select(model, Customer.code, Customer.name)
            if kind == "prenotification":
                query = query.join(LedgerLine, LedgerLine.id == model.line_id).join(
                    Customer, Customer.id == LedgerLine.customer_id
                )
            else:
                query = query.join(Customer, Customer.id == model.customer_id)
            for notice, code, name in session.execute(query):
                rows.append(
                    {
                        "kind": kind,
                        "id": notice.id,
                        "customer": code,
                        "name": name,
                        "issued_on": notice.issued_on,
                        "level": getattr(notice, "level", None),
                        "amount": getattr(notice, "overdue_cents", None),
                        "covered_by": getattr(notice, "covered_by", None),
                        "written": notice.written,
                        "viewable": notice.body is not None,
                        "delivery": deliveries.get((kind, notice.id)),
                    }
                )
    rows.sort(key=lambda r: (r["issued_on"], r["kind"], r["id"]), reverse=True)
    return rows
