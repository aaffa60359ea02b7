"""11. Accès: the customers the door refuses today, and their CSV (the door's own JSON API is
``door.py``)."""

from __future__ import annotations

import csv
import io

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from sepa_batch.files import spreadsheet_cell
from sepa_batch.services import ledger as ledger_service
from sepa_batch.web.guards import reader
from sepa_batch.web.pages import download, render
from sepa_batch.web.site import Site, site_of

BLOCKED_COLUMNS = ["customer", "name", "overdue", "since"]

router = APIRouter()


@router.get("/access", response_class=HTMLResponse)
def access(request: Request, site: Site = Depends(site_of), user=Depends(reader)) -> Response:
    rows = ledger_service.blocked_customers(site.db, site.today())
    return render(request, "access.html", user, rows=rows)


@router.get("/access/blocked.csv")
def blocked_csv(site: Site = Depends(site_of), _user=Depends(reader)) -> Response:
    """As ``sepa-batch blocked --format csv``, byte for byte."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=BLOCKED_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in ledger_service.blocked_customers(site.db, site.today()):
        writer.writerow({k: spreadsheet_cell(v) for k, v in row.document().items()})
    return download(out.getvalue(), "text/csv", f"blocked-{site.today().isoformat()}.csv")
