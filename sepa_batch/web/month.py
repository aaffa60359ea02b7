"""The back office's month (WEB.md screens 8–12): Prélèvements, Retours banque, Relances,
Accès and Comptabilité, over the same services as the CLI and the scheduler.

Routes are added to the part-1 application by ``register`` with its guards (``reader``,
``writer``, ``csrf``) and its ``render``; the pages hold no rule, they show what the services
return. Downloads are the CLI's bytes: the outbox file as written, the reports through
``sepa_batch.reports.render`` and the FEC through ``sepa_batch.reports.fec``.
"""

from __future__ import annotations

import csv
import email
import email.policy
import io
import json
import re
import threading
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from fastapi import Depends, FastAPI, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool

from sepa_batch.config import Config
from sepa_batch.db.schema import BankFile, Customer, JobLock, LedgerLine, ReturnFile
from sepa_batch.db.session import Database
from sepa_batch.domain.model import LineKind, Status
from sepa_batch.errors import NotFound, SepaBatchError
from sepa_batch.files import spreadsheet_cell
from sepa_batch.matching import review as review_service
from sepa_batch.matching.apply import FileOutcome
from sepa_batch.reports import fec, render
from sepa_batch.reports.model import Period, Report
from sepa_batch.services import collection as collection_service
from sepa_batch.services import delivery as delivery_service
from sepa_batch.services import inbox as inbox_service
from sepa_batch.services import ledger as ledger_service
from sepa_batch.services import reports as report_service
from sepa_batch.services import users as user_service
from sepa_batch.web.text import FormError, Text, parse_day, parse_money

#: The most return files one upload form takes.
MAX_UPLOAD_FILES = 20
#: The largest return file the browser may upload (bigger files go through the inbox or CLI).
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
#: Where uploaded return files are kept (in the data folder), as the CLI reads its arguments.
UPLOADS = "uploads"
REPORTS = ("batches", "ageing", "returns", "journal")
BLOCKED_COLUMNS = ["customer", "name", "overdue", "since"]


class CollectionRunning(Exception):
    pass


def register(
    app: FastAPI,
    *,
    db: Database,
    config: Config,
    today: Callable[[], date],
    clock: Callable[[], datetime],
    render_page: Callable[..., HTMLResponse],
    reader,
    writer,
    csrf,
) -> None:
    #: One collection at a time from this server: a second click is told, not queued. The
    #: service's job lock (``lock_job``) still serialises it with the scheduler and the CLI.
    app.state.collect_lock = collect_lock = threading.Lock()
    upload_limit = min(config.max_return_file_bytes, MAX_UPLOAD_BYTES)

    def elsewhere() -> bool:
        """A collection runs in another process — the scheduler or the CLI — holding the
        ``collect`` job lock (PostgreSQL: asked without waiting). On SQLite another process's
        run is not seen here: "Générer" then waits for it and finds nothing more to collect."""
        if db.is_sqlite:
            return False
        try:
            with db.transaction() as session:
                session.execute(
                    select(JobLock.name)
                    .where(JobLock.name == "collect")
                    .with_for_update(nowait=True)
                ).all()
        except OperationalError:
            return True
        return False

    def created_at() -> datetime:
        return datetime.combine(today(), clock().time()).replace(microsecond=0)

    # --- 8. Prélèvements ------------------------------------------------------------------
    def collections_page(request, user, outcome=None, error=None) -> HTMLResponse:
        preview = None
        if not collect_lock.locked() and not elsewhere():  # else the dry run would wait
            preview = collection_service.collect_due(
                db, config, today=today(), created_at=created_at(), dry_run=True
            )
        with db.reader() as session:
            files = list(session.execute(select(BankFile).order_by(BankFile.id.desc())).scalars())
        text = Text(user.language)
        batches = table(text, "batches", Period(), today())
        return render_page(
            request,
            "collections.html",
            user,
            statuses={f.id: file_status(f, batches["raw"]) for f in files},
            preview=preview,
            preview_total=sum(f.control_sum_cents for f in preview.files) if preview else 0,
            files=files,
            batches=batches,
            outcome=outcome,
            outcome_total=sum(f.control_sum_cents for f in outcome.files) if outcome else 0,
            error=error,
        )

    @app.get("/collections", response_class=HTMLResponse)
    def collections(request: Request, user=Depends(reader)) -> Response:
        return collections_page(request, user)

    @app.post("/collections", response_class=HTMLResponse, dependencies=[Depends(csrf)])
    def generate(request: Request, user=Depends(writer)) -> Response:
        text = Text(user.language)
        if not collect_lock.acquire(blocking=False):
            return collections_page(request, user, error=text("collection_running"))
        result, error = None, None
        try:
            if elsewhere():
                error = text("collection_running")
            else:
                config.folders.outbox.mkdir(parents=True, exist_ok=True)
                result = collection_service.collect_due(
                    db, config, today=today(), created_at=created_at()
                )
        except SepaBatchError as exc:
            error = text("refused", message=str(exc))
        finally:
            collect_lock.release()
        if result is None:
            return collections_page(request, user, error=error)
        user_service.record(
            db, clock(), user.name, "collect", f"collection of {today().isoformat()}",
            f"{result.collected} line(s), {len(result.files)} file(s): "
            + ", ".join(f.message_id for f in result.files),
        )  # fmt: skip
        return collections_page(request, user, outcome=result)

    @app.get("/collections/files/{file_id}")
    def download_file(file_id: int, _user=Depends(reader)) -> Response:
        with db.reader() as session:
            found = session.get(BankFile, file_id)
        path = Path(found.path) if found else None
        if path is None or not path.is_file():
            raise NotFound(f"bank file {file_id}: not found in the outbox")
        return Response(
            path.read_bytes(),
            media_type="application/xml",
            headers={"Content-Disposition": f'attachment; filename="{path.name}"'},
        )

    # --- 9. Retours banque ------------------------------------------------------------------
    def returns_page(request, user, outcomes=None, errors=None, candidates=None) -> HTMLResponse:
        with db.reader() as session:
            imports = list(
                session.execute(
                    select(ReturnFile).order_by(ReturnFile.id.desc()).limit(50)
                ).scalars()
            )
        failed_dir = config.folders.failed
        reasons = sorted(failed_dir.glob("*.error.txt")) if failed_dir.is_dir() else []
        failed = [
            (path.name.removesuffix(".error.txt"), path.read_text(encoding="utf-8").strip())
            for path in reasons[-50:]
        ]
        return render_page(
            request,
            "returns.html",
            user,
            failed=failed,
            outcomes=outcomes,
            errors=errors or [],
            queue=review_service.review_items(db),
            imports=imports,
            candidates=candidates,
            limit=upload_limit,
        )

    @app.get("/returns", response_class=HTMLResponse)
    def returns(request: Request, user=Depends(reader)) -> Response:
        return returns_page(request, user)

    @app.post("/returns", response_class=HTMLResponse, dependencies=[Depends(csrf)])
    async def upload_returns(
        request: Request, files: list[UploadFile] | None = None, user=Depends(writer)
    ) -> Response:
        text = Text(user.language)
        uploads = [f for f in (files or []) if f.filename]
        if not uploads:
            return returns_page(request, user, errors=[text("no_file")])
        if len(uploads) > MAX_UPLOAD_FILES:
            return returns_page(request, user, errors=[text("too_many_files", n=MAX_UPLOAD_FILES)])
        saved_files = []
        for upload in uploads:
            name = _safe_name(upload.filename)
            saved_files.append((name, await _save(upload, config, name, upload_limit)))
            await upload.close()
        # the imports and the page touch the database: off the event loop
        return await run_in_threadpool(import_uploads, request, user, saved_files)

    def import_uploads(request, user, saved_files: list[tuple[str, Path | None]]) -> Response:
        outcomes = []
        for name, saved in saved_files:
            if saved is None:
                outcomes.append(
                    FileOutcome(
                        name,
                        error=f"{name}: larger than {upload_limit} bytes: refused",
                    )
                )
                continue
            try:
                [outcome] = inbox_service.import_returns(db, config, [saved], today())
            except SepaBatchError as exc:
                outcome = FileOutcome(name, error=str(exc))
            except Exception as exc:  # an error applying one file must not hide the others
                outcome = FileOutcome(name, error=f"{name}: {exc}")
            outcome.path = name
            outcomes.append(outcome)
            user_service.record(
                db, clock(), user.name, "returns import", name,
                outcome.error or (
                    f"applied {outcome.applied}, unmatched {outcome.unmatched}, review "
                    f"{outcome.review}, duplicates {outcome.duplicates}"
                ),
            )  # fmt: skip
        return returns_page(request, user, outcomes=outcomes)

    @app.get("/returns/review/{item_id}", response_class=HTMLResponse)
    def review_item(
        request: Request,
        item_id: int,
        customer: str = "",
        amount: str = "",
        day: str = "",
        user=Depends(writer),
    ) -> Response:
        text = Text(user.language)
        item = next((i for i in review_service.review_items(db) if i["id"] == item_id), None)
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
        found = candidate_lines(customer.strip(), cents, when)
        return returns_page(
            request, user, errors=errors,
            candidates={"item": item, "lines": found, "customer": customer,
                        "amount": amount or (item["amount"] or ""), "day": day},
        )  # fmt: skip

    def candidate_lines(customer: str, cents: int | None, when: date | None) -> list[dict]:
        query = (
            select(LedgerLine, Customer.code, Customer.name)
            .join(Customer, Customer.id == LedgerLine.customer_id)
            .where(
                LedgerLine.kind == LineKind.PAYMENT,
                LedgerLine.status.in_((Status.SUBMITTED, Status.PAID)),
            )
            .order_by(LedgerLine.due_date.desc(), LedgerLine.id)
            .limit(50)
        )
        if customer:
            query = query.where(Customer.code == customer)
        if cents is not None:
            query = query.where(LedgerLine.amount_cents == cents)
        if when is not None:
            query = query.where(LedgerLine.due_date == when)
        with db.reader() as session:
            return [
                {"line": line, "customer": code, "name": name}
                for line, code, name in session.execute(query)
            ]

    @app.post(
        "/returns/review/{item_id}", response_class=HTMLResponse, dependencies=[Depends(csrf)]
    )
    def resolve_item(
        request: Request,
        item_id: int,
        action: str = Form(""),
        line: str = Form(""),
        note: str = Form(""),
        user=Depends(writer),
    ) -> Response:
        text = Text(user.language)
        apply_to = None
        if action == "apply":
            if not line.strip().isdigit():
                return returns_page(request, user, errors=[text("line_required")])
            apply_to = int(line)
        elif action != "dismiss":
            return returns_page(request, user, errors=[text("refused", message=action)])
        try:
            document = review_service.resolve(
                db, config, item_id, apply_to=apply_to, note=note, by=user.name, at=clock(),
                today=today(),
            )  # fmt: skip
        except SepaBatchError as exc:
            return returns_page(request, user, errors=[text("refused", message=str(exc))])
        user_service.record(
            db, clock(), user.name, f"returns {document['status']}", f"return item {item_id}",
            f"line {document['applied_line']}: {note}" if apply_to else note,
        )  # fmt: skip
        return RedirectResponse("/returns", status_code=303)

    # --- 10. Relances -------------------------------------------------------------------------
    @app.get("/notices", response_class=HTMLResponse)
    def notices(request: Request, user=Depends(reader)) -> Response:
        deliveries = {(d.kind, d.notice_id): d for d in delivery_service.list_deliveries(db)}
        rows = []
        with db.reader() as session:
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
        return render_page(request, "notices.html", user, rows=rows)

    @app.get("/notices/{kind}/{notice_id}", response_class=HTMLResponse)
    def notice(request: Request, kind: str, notice_id: int, user=Depends(reader)) -> Response:
        model = delivery_service.MODELS.get(kind)
        with db.reader() as session:
            found = session.get(model, notice_id) if model else None
        if found is None or found.body is None:
            raise NotFound(f"{kind} notice {notice_id}: not found")
        message = email.message_from_string(found.body, policy=email.policy.default)
        return render_page(
            request, "notice.html", user, kind=kind, notice=found,
            subject=message["Subject"], to=message["To"], text=message.get_content(),
        )  # fmt: skip

    # --- 11. Accès ----------------------------------------------------------------------------
    @app.get("/access", response_class=HTMLResponse)
    def access(request: Request, user=Depends(reader)) -> Response:
        rows = ledger_service.blocked_customers(db, today())
        return render_page(request, "access.html", user, rows=rows)

    @app.get("/access/blocked.csv")
    def blocked_csv(_user=Depends(reader)) -> Response:
        """As ``sepa-batch blocked --format csv``, byte for byte."""
        out = io.StringIO()
        writer_ = csv.DictWriter(out, fieldnames=BLOCKED_COLUMNS, lineterminator="\n")
        writer_.writeheader()
        for row in ledger_service.blocked_customers(db, today()):
            writer_.writerow({k: spreadsheet_cell(v) for k, v in row.document().items()})
        return _download(out.getvalue(), "text/csv", f"blocked-{today().isoformat()}.csv")

    # --- 12. Comptabilité ---------------------------------------------------------------------
    def period_of(text: Text, start: str, end: str) -> Period:
        first = parse_day(text, start, text("from")) if start.strip() else None
        last = parse_day(text, end, text("to")) if end.strip() else None
        try:
            return Period(first, last)
        except SepaBatchError as exc:
            raise FormError(text("refused", message=str(exc))) from None

    @app.get("/reports", response_class=HTMLResponse)
    def reports(
        request: Request, start: str = "", end: str = "", as_of: str = "", user=Depends(reader)
    ) -> Response:
        text = Text(user.language)
        errors = []
        try:
            period = period_of(text, start, end)
            day = parse_day(text, as_of, text("as_of")) if as_of.strip() else today()
        except FormError as exc:
            errors, period, day = [str(exc)], Period(), today()
        tables = {name: table(text, name, period, day) for name in REPORTS}
        chart = _reason_chart(tables["returns"])
        query = "&".join(
            f"{k}={v}" for k, v in (("start", start), ("end", end), ("as_of", as_of)) if v
        )
        return render_page(
            request, "reports.html", user, tables=tables, errors=errors, start=start, end=end,
            as_of=as_of, query=query, chart=json.dumps(chart),
        )  # fmt: skip

    @app.get("/reports/{name}.{fmt}")
    def report_download(
        name: str,
        fmt: str,
        start: str = "",
        end: str = "",
        as_of: str = "",
        delimiter: str = ",",
        decimal_comma: bool = False,
        user=Depends(reader),
    ) -> Response:
        text = Text(user.language)
        if name not in REPORTS or fmt not in ("csv", "json", "fec"):
            raise NotFound(f"report {name}.{fmt}: not found")
        if fmt == "fec" and name != "journal":
            raise NotFound(f"report {name}.fec: only the journal has a FEC")
        try:
            period = period_of(text, start, end)
            day = parse_day(text, as_of, text("as_of")) if as_of.strip() else today()
        except FormError as exc:
            return Response(str(exc), status_code=400, media_type="text/plain")
        if delimiter not in (",", ";", "\t"):
            return Response("delimiter: one of , ; or tab", status_code=400)
        out = io.StringIO()
        if fmt == "fec":
            with report_service.journal_entries(db, config, period) as entries:
                fec.write_fec(entries, out)
            return _download(out.getvalue(), "text/plain", "FEC.txt")
        with report_service.open_report(db, config, name, period, day) as report:
            if fmt == "csv":
                decimal = "," if decimal_comma else "."
                render.write_csv(report, out, delimiter=delimiter, decimal=decimal)
                return _download(out.getvalue(), "text/csv", f"{name}.csv")
            document = render.json_document(report)
        return _download(
            json.dumps(document, ensure_ascii=False, indent=2) + "\n",
            "application/json",
            f"{name}.json",
        )

    def table(text: Text, name: str, period: Period, day: date) -> dict:
        with report_service.open_report(db, config, name, period, day) as report:
            return _table(text, report)


def _table(text: Text, report: Report) -> dict:
    rows = list(report.rows)
    columns = [c for c in report.columns if c.in_table]

    def shown(column, value) -> str:
        if value is None:
            return ""
        if column.kind == "amount":
            return text.money(value)
        if column.kind == "date":
            return text.day(value)
        cell = render.cell(column, value)
        return (
            cell.replace(".", ",") if column.kind == "percent" and text.language == "fr" else cell
        )

    totals = None
    if report.summarise is not None and rows:
        summed = report.summarise(rows)
        totals = [shown(c, summed[c.key]) if c.key in summed else "" for c in columns]
    return {
        "title": report.title,
        "columns": [(c.title, c.kind) for c in columns],
        "rows": [[shown(c, row[c.key]) for c in columns] for row in rows],
        "raw": rows,
        "totals": totals,
    }


def file_status(found: BankFile, batch_rows: list[dict]) -> str:
    """written (recorded, not in the outbox), published (in the outbox), settled (no line in
    flight any more), credited (every block credited by the bank)."""
    rows = [row for row in batch_rows if row["file"] == found.message_id]
    if rows and all(row["credited"] is not None for row in rows):
        return "credited"
    if rows and not any(row["in_flight_count"] for row in rows):
        return "settled"
    return "published" if Path(found.path).is_file() else "written"


def _reason_chart(returns_table: dict) -> dict:
    """Unpaid amount (in euros, for the chart's axis) and count per reason code."""
    by_code: dict[str, list[int]] = {}
    for row in returns_table["raw"]:
        figures = by_code.setdefault(row["reason_code"] or "?", [0, 0])
        figures[0] += row["count"] or 0
        figures[1] += row["amount"] or 0
    codes = sorted(by_code)
    return {
        "labels": codes,
        "counts": [by_code[c][0] for c in codes],
        "amounts": [by_code[c][1] / 100 for c in codes],
    }


def _download(body: str, media_type: str, name: str) -> Response:
    return Response(
        body.encode("utf-8"),
        media_type=f"{media_type}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _safe_name(name: str) -> str:
    """The upload's file name without folders, in safe characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", base).lstrip(".")
    return cleaned[:120] or "upload.xml"


async def _save(upload: UploadFile, config: Config, name: str, limit: int) -> Path | None:
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
