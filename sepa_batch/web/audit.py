"""The audit trail (admin): who changed what, and when."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from sepa_batch.services import users as user_service
from sepa_batch.web.guards import Principal, admin
from sepa_batch.web.pages import render
from sepa_batch.web.site import Site, site_of

router = APIRouter()


@router.get("/audit", response_class=HTMLResponse)
def audit(
    request: Request, site: Site = Depends(site_of), user: Principal = Depends(admin)
) -> Response:
    return render(request, "audit.html", user, entries=user_service.audit_trail(site.db))
