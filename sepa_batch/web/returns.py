"""9. Retours banque: upload the bank's files (what each applied, left unmatched, found twice
or refused, and why), the files the scheduled import refused, and the review queue ("À
traiter"): apply an item to a line, or dismiss it with a note."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from sepa_batch.config import Config
from sepa_batch.errors import NotFound, SepaBatchError
from sepa_batch.matching import review as review_service
from sepa_batch.matching.apply import FileOutcome
from sepa_batch.services import bank_files
from sepa_batch.services import inbox as inbox_service
from sepa_batch.services import users as user_service
from sepa_batch.services.review_candidates import candidate_lines
from sepa_batch.web.forms import FormError, parse_day, parse_money
from sepa_batch.web.guards import csrf, reader, writer
from sepa_batch.web.pages import refusal, render
from sepa_batch.web.site import Site, site_of
from sepa_batch.web.text import Text

#: The most return files one upload form takes.
MAX_UPLOAD_FILES = 20
#: The largest return file the browser may upload (bigger files go through the inbox or CLI).
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
#: Where uploaded return files are kept (in the data folder), as the CLI reads its arguments.
UPLOADS = "uploads"

router = APIRouter()


@router.get("/returns", response_class=HTMLResponse)
def returns(request: Request, site: Site = Depends(site_of), user=Depends(reader)) -> Response:
    return returns_page(request, site, user)


@router.post("/returns", response_class=HTMLResponse, dependencies=[Depends(csrf)])
async def upload_returns(
    request: Request,
    files: list[UploadFile] | None = None,
    site: Site = Depends(site_of),
    user=Depends(writer),
) -> Response:
    text = Text(user.language)
    uploads = [f for f in (files or []) if f.filename]
    if not uploads:
        return returns_page(request, site, user, errors=[text("no_file")])
    if len(uploads) > MAX_UPLOAD_FILES:
        return returns_page(
            request, site, user, errors=[text("too_many_files", n=MAX_UPLOAD_FILES)]
        )
    saved_files = []
    for upload in uploads:
        name = safe_name(upload.filename)
        saved_files.append((name, await save(upload, site.config, name, upload_limit(site))))
        await upload.close()
    # the imports and the page touch the database: off the event loop
    return await run_in_threadpool(import_uploads, request, site, user, saved_files)


def import_uploads(request, site: Site, user, saved_files: list[tuple[str, Path | None]]):
    """Each saved upload imported as the CLI would, audited; one file's error hides no other."""
    outcomes = []
    for name, saved in saved_files:
        if saved is None:
            outcomes.append(
                FileOutcome(name, error=f"{name}: larger than {upload_limit(site)} bytes: refused")
            )
            continue
        try:
            [outcome] = inbox_service.import_returns(site.db, site.config, [saved], site.today())
        except SepaBatchError as exc:
            outcome = FileOutcome(name, error=str(exc))
        except Exception as exc:  # an error applying one file must not hide the others
            outcome = FileOutcome(name, error=f"{name}: {exc}")
        outcome.path = name
        outcome.error = outcome.error and as_uploaded(outcome.error, saved, name)
        outcomes.append(outcome)
        user_service.record(
            site.db, site.clock(), user.name, "returns import", name,
            outcome.error or (
                f"applied {outcome.applied}, unmatched {outcome.unmatched}, review "
                f"{outcome.review}, duplicates {outcome.duplicates}"
            ),
        )  # fmt: skip
    return returns_page(request, site, user, outcomes=outcomes)


@router.get("/returns/review/{item_id}", response_class=HTMLResponse)
def review_item(
    request: Request,
    item_id: int,
    customer: str = "",
    amount: str = "",
    day: str = "",
    site: Site = Depends(site_of),
    user=Depends(writer),
) -> Response:
    text = Text(user.language)
    item = next((i for i in review_service.review_items(site.db) if i["id"] == item_id), None)
    if item is None:
        raise NotFound(f"return item {item_id}: not open for review")
    errors = []
    try:
        cents = parse_money(text, amount, text("amount")) if amount.strip() else None
        when = parse_day(text, day, text("date")) if day.strip() else None
    except FormError as exc:
        errors, cents, when = [str(exc)], None, None
    if not (customer.strip() or amount.strip() or day.strip()) and item["amount"]:
        cents = parse_money(text, item["amount"], text("amount"))
    found = candidate_lines(site.db, customer.strip(), cents, when)
    return returns_page(
        request, site, user, errors=errors,
        candidates={"item": item, "lines": found, "customer": customer,
                    "amount": amount or (item["amount"] or ""), "day": day},
    )  # fmt: skip


@router.post("/returns/review/{item_id}", response_class=HTMLResponse, dependencies=[Depends(csrf)])
def resolve_item(
    request: Request,
    item_id: int,
    action: str = Form(""),
    line: str = Form(""),
    note: str = Form(""),
    site: Site = Depends(site_of),
    user=Depends(writer),
) -> Response:
    text = Text(user.language)
    apply_to = None
    if action == "apply":
        if not line.strip().isdigit():
            return returns_page(request, site, user, errors=[text("line_required")])
        apply_to = int(line)
    elif action != "dismiss":
        return returns_page(request, site, user, errors=[text("refused", message=action)])
    try:
        document = review_service.resolve(
            site.db, site.config, item_id, apply_to=apply_to, note=note, by=user.name,
            at=site.clock(), today=site.today(),
        )  # fmt: skip
    except SepaBatchError as exc:
        return returns_page(request, site, user, errors=[refusal(text, exc)])
    user_service.record(
        site.db, site.clock(), user.name, f"returns {document['status']}",
        f"return item {item_id}",
        f"line {document['applied_line']}: {note}" if apply_to else note,
    )  # fmt: skip
    return RedirectResponse("/returns", status_code=303)


def returns_page(
    request, site: Site, user, outcomes=None, errors=None, candidates=None
) -> HTMLResponse:
    return render(
        request,
        "returns.html",
        user,
        failed=bank_files.refused_return_files(site.config),
        outcomes=outcomes,
        errors=errors or [],
        queue=review_service.review_items(site.db),
        imports=bank_files.return_files(site.db),
        candidates=candidates,
        limit=upload_limit(site),
    )


def upload_limit(site: Site) -> int:
    """The largest file the browser may upload: the import's limit, at most 20 MB."""
    return min(site.config.max_return_file_bytes, MAX_UPLOAD_BYTES)


def as_uploaded(message: str, saved: Path, name: str) -> str:
    """A message about the upload kept at ``saved``, naming it as uploaded (``name``): the
    browser is not told where the server keeps its files.

    >>> kept = Path("/data/uploads/20100705T1-a.xml")
    >>> as_uploaded(f"{kept}: not XML", kept, "a.xml")
    'a.xml: not XML'
    """
    return message.replace(str(saved), name).replace(saved.name, name)


def safe_name(name: str) -> str:
    """The upload's file name without folders, in safe characters.

    >>> safe_name("..\\\\..\\\\evil name.xml"), safe_name("/etc/.passwd"), safe_name("")
    ('evil_name.xml', 'passwd', 'upload.xml')
    """
    base = re.split(r"[\\/]", name or "")[-1]
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", base).lstrip(".")
    return cleaned[:120] or "upload.xml"


async def save(upload: UploadFile, config: Config, name: str, limit: int) -> Path | None:
    """The upload in the data folder, or None (nothing kept) when larger than ``limit``."""
    folder = config.folders.data / UPLOADS
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S%f")
    path = folder / f"{stamp}-{name}"
    size = 0
    with path.open("wb") as handle:
        while chunk := await upload.read(1 << 20):
            size += len(chunk)
            if size > limit:
                break
            handle.write(chunk)
    if size > limit:
        path.unlink()
        return None
    return path
