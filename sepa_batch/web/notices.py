"""10. Relances: the dunning notices and pre-notifications, with their delivery, and each
notice as it was written."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from sepa_batch.services import notices_view
from sepa_batch.web.guards import reader
from sepa_batch.web.pages import render
from sepa_batch.web.site import Site, site_of

router = APIRouter()


@router.get("/notices", response_class=HTMLResponse)
def notices(request: Request, site: Site = Depends(site_of), user=Depends(reader)) -> Response:
    return render(request, "notices.html", user, rows=notices_view.notice_rows(site.db))


@router.get("/notices/{kind}/{notice_id}", response_class=HTMLResponse)
def notice(
    request: Request,
    kind: str,
    notice_id: int,
    site: Site = Depends(site_of),
    user=Depends(reader),
) -> Response:
    found = notices_view.written_notice(site.db, kind, notice_id)
    return render(
        request, "notice.html", user, kind=kind, notice=found.notice,
        subject=found.subject, to=found.to, text=found.text,
    )  # fmt: skip
