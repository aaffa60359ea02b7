"""What every report is made of: a period, typed columns, rows of raw values, totals."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from sepa_batch.errors import InvalidInput

#: Column kinds: how a raw value is written. Amounts are int cents, percentages are basis
#: points (1/100 of a percent), dates are ``date``.
KINDS = ("text", "count", "amount", "date", "percent")


@dataclass(frozen=True, slots=True)
class Period:
    """``--from`` / ``--to``, both included; None means unbounded."""

    start: date | None = None
    end: date | None = None

    def __post_init__(self) -> None:
        if self.start and self.end and self.start > self.end:
            raise InvalidInput(
                "report", "from", f"{self.start.isoformat()} is after --to {self.end.isoformat()}"
            )

    def clauses(self, column) -> list:
        """SQL conditions putting ``column`` inside the period."""
        found = []
        if self.start is not None:
            found.append(column >= self.start)
        if self.end is not None:
            found.append(column <= self.end)
        return found

    def document(self) -> dict:
        return {
            "from": self.start.isoformat() if self.start else None,
            "to": self.end.isoformat() if self.end else None,
        }


@dataclass(frozen=True, slots=True)
class Column:
    key: str  # CSV header and JSON key
    title: str  # table heading
    kind: str = "text"
    in_table: bool = True  # shown by ``--format table`` (CSV and JSON have every column)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")


@dataclass(slots=True)
class Report:
    """A report ready to be written: ``rows`` may be a stream (the journal of a big club)."""

    name: str
    title: str
    columns: tuple[Column, ...]
    rows: Iterable[dict]
    heading: dict = field(default_factory=dict)  # from / to / as_of, first in the JSON
    summarise: Callable[[list[dict]], dict] | None = None  # totals of the materialised rows


def sum_columns(rows: list[dict], keys: Iterable[str]) -> dict:
    """Totals of the given columns; None cells (e.g. a batch not yet credited) are skipped."""
    return {key: sum(row[key] for row in rows if row[key] is not None) for key in keys}


def basis_points(part: int, whole: int) -> int | None:
    """``part / whole`` in basis points, rounded half up; None when ``whole`` is 0.

    >>> basis_points(1, 3), basis_points(1, 8), basis_points(0, 0)
    (3333, 1250, None)
    """
    if whole == 0:
        return None
    return (part * 20_000 + whole) // (2 * whole)
