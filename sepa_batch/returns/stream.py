"""Reading a camt file from disk entry by entry, so memory does not grow with its size.

A statement or notification of 100,000 returns is a 35 MB file whose whole lxml tree takes
about 370 MB; read here, each ``Ntry`` is turned into items as soon as it is complete, then
cleared. The same safety rules as :func:`sepa_batch.returns.xmlsafe.parse_xml` apply: no
DOCTYPE or entity declaration (the bytes are scanned before parsing, the document information
checked after it), no network, no DTD, a size limit, and a truncated file refused whole.
The same entry rules apply too: :func:`sepa_batch.returns.camt_common.entry_items`.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from sepa_batch.errors import RefusedFile
from sepa_batch.returns.camt_common import EntryTally, entry_items
from sepa_batch.returns.records import ParsedFile, ReturnItem
from sepa_batch.returns.xmlsafe import DOCTYPE, any_namespace, check_start, local, text

CHUNK = 1 << 20
#: camt message element → the element that holds one account's entries
CONTAINERS = {"BkToCstmrDbtCdtNtfctn": "Ntfctn", "BkToCstmrStmt": "Stmt", "BkToCstmrAcctRpt": "Rpt"}
#: the elements whose end :func:`stream_camt` acts on (the others are not even reported)
_READ = tuple(any_namespace(name) for name in ("Ntry", "Acct", "GrpHdr", *CONTAINERS.values()))


def _scan(path: Path, source: str) -> None:
    """Refuse a file that is not XML or declares a DOCTYPE / entities, before parsing it."""
    with path.open("rb") as handle:
        check_start(handle.read(CHUNK), source)
        handle.seek(0)
        tail = b""
        while chunk := handle.read(CHUNK):
            if DOCTYPE.search(tail + chunk):
                raise RefusedFile(
                    f"{source}: refused: the file declares a DOCTYPE or entities "
                    "(DTDs and entities are never processed in bank files)"
                )
            tail = chunk[-16:]


def _iterparse(path: Path, event: str, tags: tuple[str, ...] | None = None) -> etree.iterparse:
    """lxml's incremental parser with the hardened settings: no entities, DTD or network;
    events only for the elements named ``tags`` (lxml tag filters, e.g. ``{*}Ntry``)."""
    return etree.iterparse(
        str(path),
        events=(event,),
        tag=tags,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def message_of(path: Path) -> str | None:
    """The local name of the message element (the root's first child), read from the start."""
    context = _iterparse(path, "start")
    depth = 0
    try:
        for _, element in context:
            depth += 1
            if depth == 2 or local(element) in CONTAINERS:
                return local(element)
    except etree.XMLSyntaxError:
        return None
    return None


def stream_camt(path: Path, *, format: str, source: str) -> ParsedFile:
    """The items of a camt.052/053/054 file, read entry by entry."""
    _scan(path, source)
    items: list[ReturnItem] = []
    tally = EntryTally()
    message_id = iban = None
    context = _iterparse(path, "end", _READ)
    try:
        for _, element in context:
            name = local(element)
            if name == "Ntry":
                found = entry_items(element, account_iban=iban, source=source)
                items.extend(tally.count(element, found))
                element.clear()
                while element.getprevious() is not None:
                    del element.getparent()[0]
            elif name == "Acct" and local(element.getparent()) in CONTAINERS.values():
                iban = text(element, "Id", "IBAN")
            elif name == "GrpHdr" and message_id is None:
                message_id = text(element, "MsgId")
            elif name in CONTAINERS.values():
                iban = None
                element.clear()
    except etree.XMLSyntaxError as exc:
        raise RefusedFile(f"{source}: truncated or malformed XML: {exc.msg}") from None
    docinfo = context.root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise RefusedFile(f"{source}: refused: the file declares a DOCTYPE")
    return ParsedFile(
        format=format,
        message_id=message_id,
        items=tuple(items),
        entries=tally.entries,
        ignored=tally.ignored(),
    )
