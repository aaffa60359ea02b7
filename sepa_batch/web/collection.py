"""8. Prélèvements: the next collection previewed (the dry run), "Générer", the bank files with
their download, and the batches report.

One collection at a time from this server (``Site.collect_lock``); a run in another process
is seen on PostgreSQL through the ``collect`` job lock (``sepa_batch.services.job_locks``).
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from sepa_batch.errors import SepaBatchError
from sepa_batch.reports.model import Period
from sepa_batch.services import bank_files
from sepa_batch.services import collection as collection_service
from sepa_batch.services import users as user_service
from sepa_batch.services.job_locks import held_elsewhere
from sepa_batch.web.guards import csrf, reader, writer
from sepa_batch.web.pages import refusal, render
from sepa_batch.web.reports import table
from sepa_batch.web.site import Site, site_of
from sepa_batch.web.text import Text

router = APIRouter()


@router.get("/collections", response_class=HTMLResponse)
def collections(request: Request, site: Site = Depends(site_of), user=Depends(reader)) -> Response:
    return collections_page(request, site, user)


@router.post("/collections", response_class=HTMLResponse, dependencies=[Depends(csrf)])
def generate(request: Request, site: Site = Depends(site_of), user=Depends(writer)) -> Response:
    text = Text(user.language)
    if not site.collect_lock.acquire(blocking=False):
        return collections_page(request, site, user, error=text("collection_running"))
    result, error = None, None
    try:
        if held_elsewhere(site.db, "collect"):
            error = text("collection_running")
        else:
            site.config.folders.outbox.mkdir(parents=True, exist_ok=True)
            result = collection_service.collect_due(
                site.db, site.config, today=site.today(), created_at=created_at(site)
            )
    except SepaBatchError as exc:
        error = refusal(text, exc)
    finally:
        site.collect_lock.release()
    if result is None:
        return collections_page(request, site, user, error=error)
    user_service.record(
        site.db, site.clock(), user.name, "collect", f"collection of {site.today().isoformat()}",
        f"{result.collected} line(s), {len(result.files)} file(s): "
        + ", ".join(f.message_id for f in result.files),
    )  # fmt: skip
    return collections_page(request, site, user, outcome=result)


@router.get("/collections/files/{file_id}")
def download_file(file_id: int, site: Site = Depends(site_of), _user=Depends(reader)) -> Response:
    path = bank_files.bank_file_path(site.db, file_id)
    return Response(
        path.read_bytes(),
        media_type="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{path.name}"'},
    )


def collections_page(request, site: Site, user, outcome=None, error=None) -> HTMLResponse:
    preview = None
    # while a collection runs, the dry run would wait for it
    if not site.collect_lock.locked() and not held_elsewhere(site.db, "collect"):
        preview = collection_service.collect_due(
            site.db, site.config, today=site.today(), created_at=created_at(site), dry_run=True
        )
    files = bank_files.bank_files(site.db)
    batches = table(site, Text(user.language), "batches", Period(), site.today())
    return render(
        request,
        "collections.html",
        user,
        statuses=bank_files.file_statuses(files, batches["raw"]),
        preview=preview,
        preview_total=sum(f.control_sum_cents for f in preview.files) if preview else 0,
        files=files,
        batches=batches,
        outcome=outcome,
        outcome_total=sum(f.control_sum_cents for f in outcome.files) if outcome else 0,
        error=error,
    )


def created_at(site: Site) -> datetime:
    """The files' creation time: the working day at the clock's time."""
    return datetime.combine(site.today(), site.clock().time()).replace(microsecond=0)
