"""Reading the CSV files people give the product: one function every importer uses.

What a spreadsheet writes is read as it is: ``,`` or ``;`` between cells (Excel in French
writes ``;``), UTF-8 with or without a byte-order mark, CRLF or LF line ends. The delimiter is
the one that splits the header into the most expected column names. A file in another
encoding (Excel's "CSV" is Windows-1252, "ANSI") is refused with a sentence that says so and
how to fix it, unless the caller names the encoding (``--encoding cp1252``).

>>> rows = parse_csv("\\ufeffcode;label\\r\\nA;Été\\r\\n", ["code", "label"], "a.csv")
>>> rows
[(2, {'code': 'A', 'label': 'Été'})]
"""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

from sepa_batch.errors import InvalidInput

DELIMITERS = (",", ";", "\t")


def read_text(path: str | Path, encoding: str | None = None) -> str:
    """The text of ``path``: UTF-8 (a BOM is dropped) unless ``encoding`` is given.

    A file that is not UTF-8 is refused with the line and the byte that gave it away.
    """
    data = Path(path).read_bytes()
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InvalidInput(str(path), "--encoding", f"unknown encoding {encoding!r}") from None
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise InvalidInput(
                f"{path} line {line}",
                "encoding",
                f"byte 0x{data[exc.start]:02X} is not {encoding}",
            ) from None
        return text.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InvalidInput(
            f"{path} line {line}",
            "encoding",
            f"the file is not UTF-8 (byte 0x{data[exc.start]:02X}); it is probably Windows "
            "'ANSI' (cp1252) from Excel: save it as 'CSV UTF-8', or pass --encoding cp1252",
        ) from None


def _delimiter(header: str, columns: list[str]) -> str:
    """The delimiter that splits ``header`` into the most expected column names."""

    def known(delimiter: str) -> int:
        cells = next(csv.reader([header], delimiter=delimiter), [])
        return sum(1 for cell in cells if cell.strip() in columns)

    return max(DELIMITERS, key=lambda d: (known(d), header.count(d)))


def parse_csv(text: str, columns: list[str], what: str) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) for every data row of ``text``; cells are stripped.

    Refuses a header without one of ``columns``, naming the missing ones.

    >>> parse_csv("code,price\\n", ["code", "label"], "a.csv")
    Traceback (most recent call last):
    ...
    sepa_batch.errors.InvalidInput: a.csv line 1: header: missing column(s): label
    >>> parse_csv("code,label\\nA,Dupont, Jean\\n", ["code", "label"], "a.csv")
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sepa_batch.errors.InvalidInput: a.csv line 2: row: 3 cells for 2 columns: a cell that ...
    """
    text = text.removeprefix("\ufeff")
    header = text.split("\n", 1)[0].rstrip("\r")
    delimiter = _delimiter(header, columns)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    names = [name.strip() for name in reader.fieldnames or []]
    reader.fieldnames = names
    missing = [c for c in columns if c not in names]
    if missing:
        raise InvalidInput(f"{what} line 1", "header", f"missing column(s): {', '.join(missing)}")
    rows = []
    for row in reader:
        extra = [value for value in row.get(None) or [] if value.strip()]
        if extra:
            raise InvalidInput(
                f"{what} line {reader.line_num}",
                "row",
                f"{len(names) + len(extra)} cells for {len(names)} columns: a cell that holds "
                f"the delimiter {delimiter!r} must be in double quotes",
            )
        if not any((value or "").strip() for key, value in row.items() if key):
            continue  # an empty line, or one of only delimiters (Excel writes those)
        rows.append((reader.line_num, {k: (v or "").strip() for k, v in row.items() if k}))
    return rows


def read_csv(
    path: str | Path, columns: list[str], *, encoding: str | None = None, what: str | None = None
) -> list[tuple[int, dict[str, str]]]:
    """``parse_csv`` of the file at ``path`` (see ``read_text`` for the encoding)."""
    return parse_csv(read_text(path, encoding), columns, what or str(path))
