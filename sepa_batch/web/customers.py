"""2. Clients (the search) and 3. Fiche client, with the mandate screen."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from sepa_batch.services import customers as customer_service
from sepa_batch.services.account_view import card_view
from sepa_batch.web.guards import Principal, reader
from sepa_batch.web.pages import render
from sepa_batch.web.site import Site, site_of

router = APIRouter()


@router.get("/customers", response_class=HTMLResponse)
def customers(
    request: Request,
    q: str = "",
    site: Site = Depends(site_of),
    user: Principal = Depends(reader),
) -> Response:
    found = customer_service.search_customers(site.db, q, site.today())
    name = "_results.html" if request.headers.get("HX-Target") == "results" else None
    return render(request, name or "customers.html", user, q=q, found=found)


@router.get("/customers/{code}", response_class=HTMLResponse)
def card(
    request: Request, code: str, site: Site = Depends(site_of), user: Principal = Depends(reader)
) -> Response:
    view, standing = card_view(site.db, code, site.today())
    return render(request, "card.html", user, card=view, position=standing)


@router.get("/customers/{code}/mandate", response_class=HTMLResponse)
def mandate(
    request: Request, code: str, site: Site = Depends(site_of), user: Principal = Depends(reader)
) -> Response:
    view = customer_service.customer_card(site.db, code)
    return render(request, "mandate.html", user, card=view, full_iban=user.writes)
