"""Hardened XML reading for bank files, and small helpers that find elements by local name.

Bank files arrive from outside and are read before anyone looks at them, so the parser
refuses anything that could make it do more than read bytes: a document type declaration
(the carrier of entity bombs such as "billion laughs" and of external entities such as
``file:///etc/passwd``), network access, huge trees. Entities are never expanded and no DTD is
ever loaded, so the content of a local file can never find its way into a result or a message.

ISO 20022 namespaces vary between versions and banks (``urn:iso:std:iso:20022:tech:xsd:
camt.054.001.02``, the Swiss ``six-interbank-clearing`` ones, none at all), so every lookup
below is by *local* element name:

>>> root = parse_xml(b"<Document xmlns='urn:x'><A><B> 7 </B></A></Document>",
...                  max_bytes=1000, source="demo.xml")
>>> local(root), text(root, "A", "B")
('Document', '7')
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from functools import lru_cache

from lxml import etree

from sepa_batch.errors import RefusedFile
from sepa_batch.money import to_cents

Element = etree._Element  # the type of a parsed element, for annotations

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
#: The largest amount an ISO 20022 SEPA message carries (EPC rulebooks: 999,999,999.99):
#: anything larger is refused when the file is read, far below what the database stores.
MAX_AMOUNT_CENTS = 99_999_999_999
_AMOUNT = re.compile(r"^\d{1,18}(\.\d+)?$")


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def check_start(data: bytes, source: str) -> bytes:
    """The document without its byte-order mark and leading white space; refuses an empty
    file or one that does not start like XML. UTF-16 files are kept whole (rare, allowed by
    XML; their DOCTYPE check follows parsing)."""
    if data.startswith(_UTF16_BOMS):
        return data
    body = data.removeprefix(_UTF8_BOM).lstrip(b" \t\r\n")
    if not body:
        raise RefusedFile(f"{source}: file is empty")
    if not body.startswith(b"<"):
        raise RefusedFile(f"{source}: not an XML document (it does not start with '<')")
    return body


def parse_xml(data: bytes, *, max_bytes: int, source: str) -> Element:
    """Parse ``data`` safely and return the root element, or raise :class:`RefusedFile`.

    Refused: more than ``max_bytes`` bytes (checked before parsing), an empty file, a file that
    is not XML, a truncated or malformed one, any DOCTYPE / DTD / entity declaration.
    Leading white space before the XML declaration (seen in real bank files) is tolerated.
    """
    if len(data) > max_bytes:
        raise RefusedFile(f"{source}: file is {len(data)} bytes, more than the {max_bytes} allowed")
    body = check_start(data, source)
    if DOCTYPE.search(body):
        raise RefusedFile(
            f"{source}: refused: the file declares a DOCTYPE or entities "
            "(DTDs and entities are never processed in bank files)"
        )
    try:
        root = etree.fromstring(body, _parser())
    except etree.XMLSyntaxError as exc:
        raise RefusedFile(f"{source}: truncated or malformed XML: {exc.msg}") from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:  # e.g. a UTF-16 file
        raise RefusedFile(f"{source}: refused: the file declares a DOCTYPE")
    return root


# --- lookups by local name ---------------------------------------------------------------


@lru_cache(maxsize=1024)
def _local_name(tag: str) -> str:
    return tag.rpartition("}")[2]


def local(el: Element) -> str:
    """The element's name without its namespace (``{urn:x}Ntry`` → ``Ntry``); a file has a
    few dozen distinct tags, each split once."""
    return _local_name(el.tag)


@lru_cache(maxsize=256)
def any_namespace(name: str) -> str:
    """lxml's tag filter for ``name`` in any namespace or none (``{*}Ntry``): elements only,
    matched in C rather than by splitting every child's name in Python.

    >>> any_namespace("Ntry")
    '{*}Ntry'
    """
    return "{*}" + name


def children(el: Element | None, name: str) -> list[Element]:
    """Direct children of ``el`` whose local name is ``name`` (empty when ``el`` is None)."""
    if el is None:
        return []
    return list(el.iterchildren(any_namespace(name)))


def child(el: Element | None, *path: str) -> Element | None:
    """The first element found by following ``path`` (local names) down from ``el``."""
    for name in path:
        if el is None:
            return None
        el = next(el.iterchildren(any_namespace(name)), None)
    return el


def all_at(el: Element | None, *path: str) -> list[Element]:
    """Every element reached by ``path``, each step fanning out over repeated elements."""
    current = [el] if el is not None else []
    for name in path:
        current = [c for parent in current for c in children(parent, name)]
    return current


def value(el: Element | None) -> str | None:
    """The stripped text of ``el``, or None when it is absent or blank."""
    if el is None or el.text is None:
        return None
    stripped = el.text.strip()
    return stripped or None


def text(el: Element | None, *path: str) -> str | None:
    """The stripped text at ``path`` below ``el``, or None."""
    return value(child(el, *path))


def texts(el: Element | None, *path: str) -> list[str]:
    """The non-blank texts of every element reached by ``path``."""
    return [t for t in (value(e) for e in all_at(el, *path)) if t is not None]


# --- values ------------------------------------------------------------------------------


def amount(el: Element, *, source: str) -> tuple[int, str | None]:
    """An ISO 20022 amount element (``<Amt Ccy="EUR">49.90</Amt>``) as (cents, currency).

    Exact: read as a Decimal, never a float. More than two decimals, a sign, an amount above
    999,999,999.99 or anything that is not a plain decimal number refuses the whole file.
    """
    raw = value(el)
    parent = el.getparent()
    name = local(el) if parent is None else f"{local(parent)}/{local(el)}"
    where = f"{source}: {name} {raw!r}"
    if raw is None or not _AMOUNT.match(raw):
        raise RefusedFile(f"{where}: not an amount like 49.90")
    if "." in raw and len(raw.split(".")[1]) > 2:
        raise RefusedFile(f"{where}: an amount has more than 2 decimals")
    currency = (el.get("Ccy") or "").strip() or None
    cents = to_cents(Decimal(raw), record=source, field=local(el))
    if cents > MAX_AMOUNT_CENTS:
        raise RefusedFile(
            f"{where}: more than 999999999.99, the largest amount a SEPA message carries"
        )
    return cents, currency


def iso_date(el: Element | None, *, source: str) -> date | None:
    """A date element holding ``Dt`` (2016-10-08) or ``DtTm`` (2016-10-08T20:49:00+02:00)."""
    raw = text(el, "Dt") or text(el, "DtTm")
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        raise RefusedFile(f"{source}: {local(el)} {raw!r} is not a date") from None
