"""12. Comptabilité: the accountant's reports (batches, ageing, returns by reason with a chart,
journal) for a period, and their downloads — the CLI's bytes, through
``sepa_batch.reports.render`` and the FEC through ``sepa_batch.reports.fec``."""

from __future__ import annotations

import io
import json
from datetime import date

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from sepa_batch.errors import NotFound, SepaBatchError
from sepa_batch.reports import fec, render
from sepa_batch.reports.model import Period, Report
from sepa_batch.services import reports as report_service
from sepa_batch.web import pages
from sepa_batch.web.forms import FormError, parse_day
from sepa_batch.web.guards import reader
from sepa_batch.web.site import Site, site_of
from sepa_batch.web.text import Text

REPORTS = ("batches", "ageing", "returns", "journal")

router = APIRouter()


@router.get("/reports", response_class=HTMLResponse)
def reports(
    request: Request,
    start: str = "",
    end: str = "",
    as_of: str = "",
    site: Site = Depends(site_of),
    user=Depends(reader),
) -> Response:
    text = Text(user.language)
    errors = []
    try:
        period = period_of(text, start, end)
        day = parse_day(text, as_of, text("as_of")) if as_of.strip() else site.today()
    except FormError as exc:
        errors, period, day = [str(exc)], Period(), site.today()
    tables = {name: table(site, text, name, period, day) for name in REPORTS}
    chart = reason_chart(tables["returns"])
    query = "&".join(f"{k}={v}" for k, v in (("start", start), ("end", end), ("as_of", as_of)) if v)
    return pages.render(
        request, "reports.html", user, tables=tables, errors=errors, start=start, end=end,
        as_of=as_of, query=query, chart=json.dumps(chart),
    )  # fmt: skip


@router.get("/reports/{name}.{fmt}")
def report_download(
    name: str,
    fmt: str,
    start: str = "",
    end: str = "",
    as_of: str = "",
    delimiter: str = ",",
    decimal_comma: bool = False,
    site: Site = Depends(site_of),
    user=Depends(reader),
) -> Response:
    text = Text(user.language)
    if name not in REPORTS or fmt not in ("csv", "json", "fec"):
        raise NotFound(f"report {name}.{fmt}: not found")
    if fmt == "fec" and name != "journal":
        raise NotFound(f"report {name}.fec: only the journal has a FEC")
    try:
        period = period_of(text, start, end)
        day = parse_day(text, as_of, text("as_of")) if as_of.strip() else site.today()
    except FormError as exc:
        return Response(str(exc), status_code=400, media_type="text/plain")
    if delimiter not in (",", ";", "\t"):
        return Response("delimiter: one of , ; or tab", status_code=400)
    out = io.StringIO()
    if fmt == "fec":
        with report_service.journal_entries(site.db, site.config, period) as entries:
            fec.write_fec(entries, out)
        return pages.download(out.getvalue(), "text/plain", "FEC.txt")
    with report_service.open_report(site.db, site.config, name, period, day) as report:
        if fmt == "csv":
            decimal = "," if decimal_comma else "."
            render.write_csv(report, out, delimiter=delimiter, decimal=decimal)
            return pages.download(out.getvalue(), "text/csv", f"{name}.csv")
        document = render.json_document(report)
    return pages.download(
        json.dumps(document, ensure_ascii=False, indent=2) + "\n",
        "application/json",
        f"{name}.json",
    )


def period_of(text: Text, start: str, end: str) -> Period:
    """The ``from`` and ``to`` fields as a period (either may be empty)."""
    first = parse_day(text, start, text("from")) if start.strip() else None
    last = parse_day(text, end, text("to")) if end.strip() else None
    try:
        return Period(first, last)
    except SepaBatchError as exc:
        raise FormError(pages.refusal(text, exc)) from None


def table(site: Site, text: Text, name: str, period: Period, day: date) -> dict:
    """Report ``name`` as a page's table, in the user's formats."""
    with report_service.open_report(site.db, site.config, name, period, day) as report:
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


def reason_chart(returns_table: dict) -> dict:
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
