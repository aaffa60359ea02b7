"""Writing a report: cell text, CSV (UTF-8, header row) and the one JSON document."""

from __future__ import annotations

import csv
from typing import TextIO

from sepa_batch.files import spreadsheet_row
from sepa_batch.money import format_amount
from sepa_batch.reports.model import Column, Report


def percent(points: int) -> str:
    """Basis points as a percentage with two decimals.

    >>> percent(1250), percent(10000), percent(3)
    ('12.50', '100.00', '0.03')
    """
    whole, part = divmod(points, 100)
    return f"{whole}.{part:02d}"


def cell(column: Column, value, *, decimal: str = ".") -> str:
    """The text of one cell; an empty cell for a missing value."""
    if value is None:
        return ""
    if column.kind == "amount":
        return format_amount(value).replace(".", decimal)
    if column.kind == "percent":
        return percent(value).replace(".", decimal)
    if column.kind == "date":
        return value.isoformat()
    return str(value)


def json_value(column: Column, value):
    """Counts stay numbers; amounts and percentages are decimal strings; dates ISO."""
    if value is None or column.kind == "count":
        return value
    return cell(column, value)


def write_csv(report: Report, out: TextIO, *, delimiter: str = ",", decimal: str = ".") -> None:
    """Stream the rows as CSV with a header row of column keys; a text a spreadsheet would run as
    a formula is neutralised (``sepa_batch.files.spreadsheet_cell``)."""
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow([column.key for column in report.columns])
    for row in report.rows:
        writer.writerow(
            spreadsheet_row(cell(c, row[c.key], decimal=decimal) for c in report.columns)
        )


def json_document(report: Report) -> dict:
    """``{"report", <heading>, "rows": [...], "totals": {...}}``."""
    rows = list(report.rows)
    by_key = {column.key: column for column in report.columns}
    document = {"report": report.name, **report.heading}
    document["rows"] = [{c.key: json_value(c, row[c.key]) for c in report.columns} for row in rows]
    if report.summarise is not None:
        totals = report.summarise(rows)
        document["totals"] = {key: json_value(by_key[key], value) for key, value in totals.items()}
    return document
