"""Read any bank return file: find which message it is, then hand it to its parser.

The message is known by the first child of the root ``Document`` (ISO 20022 message
definitions), the version by the namespace when it names one:

>>> parse_bytes(b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02">'
...             b'<BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>M1</MsgId></GrpHdr>'
...             b'</BkToCstmrDbtCdtNtfctn></Document>').format
'camt.054.001.02'

Namespaces that name no recognisable version of the expected message (no namespace, or
``...:other.054.001.02``) give the bare message name, e.g. ``camt.054``; the file is still read
by element names. Anything else — an XML file of another kind, a pain.008 — is refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from lxml import etree

from sepa_batch.errors import RefusedFile
from sepa_batch.returns import camt052, camt053, camt054, pain002
from sepa_batch.returns.records import ParsedFile
from sepa_batch.returns.stream import CONTAINERS, message_of, stream_camt
from sepa_batch.returns.xmlsafe import Element, local, parse_xml

DEFAULT_MAX_BYTES = 50_000_000

Parser = Callable[..., ParsedFile]

#: message element → (message name, parser)
MESSAGES: dict[str, tuple[str, Parser]] = {
    pain002.MESSAGE: ("pain.002", pain002.parse),
    camt054.MESSAGE: ("camt.054", camt054.parse),
    camt053.MESSAGE: ("camt.053", camt053.parse),
    camt052.MESSAGE: ("camt.052", camt052.parse),
}

_NAMESPACE = re.compile(rb'xmlns(?::\w+)?="([^"]*(?:camt)\.\d{3}[^"]*)"')
_VERSION = re.compile(r"(?P<name>[a-z]{4}\.\d{3})\.(?P<version>\d{3}\.\d{2}(?:\.[a-z]{2}\.\d{2})?)")


def message_format(name: str, namespace: str | None) -> str:
    """``name`` with the version its namespace gives, e.g. ``camt.054.001.02``.

    >>> message_format("pain.002", "http://www.six-interbank-clearing.com/de/pain.002.001.03.ch.02.xsd")
    'pain.002.001.03.ch.02'
    >>> message_format("pain.002", "urn:iso:std:iso:20022:tech:xsd:other.002.001.03")
    'pain.002'
    """
    for match in _VERSION.finditer(namespace or ""):
        if match["name"] == name:
            return f"{name}.{match['version']}"
    return name


def _message_element(root: Element, source: str) -> tuple[Element, str, Parser]:
    candidates = [root]
    if local(root) == "Document":
        candidates = [c for c in root if isinstance(c.tag, str)][:1]
    for element in candidates:
        if local(element) in MESSAGES:
            name, parser = MESSAGES[local(element)]
            return element, name, parser
    found = local(root) + "".join(f"/{local(c)}" for c in candidates if c is not root)
    expected = ", ".join(f"{element} ({name})" for element, (name, _) in MESSAGES.items())
    raise RefusedFile(
        f"{source}: not a bank return message: the root element is <{found}>, "
        f"expected <Document> holding one of {expected}"
    )


def parse_bytes(
    data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, source: str = "<bytes>"
) -> ParsedFile:
    """Parse a pain.002 / camt.052 / camt.053 / camt.054 file held in memory.

    Raises :class:`~sepa_batch.errors.RefusedFile` for anything that cannot be read safely
    and completely; then nothing of the file is returned.
    """
    root = parse_xml(data, max_bytes=max_bytes, source=source)
    message, name, parser = _message_element(root, source)
    namespace = etree.QName(message).namespace
    return parser(message, format=message_format(name, namespace), source=source)


def parse_file(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ParsedFile:
    """Parse the bank file at ``path``; its size is checked before it is read.

    camt files are read entry by entry (:mod:`sepa_batch.returns.stream`), so a large
    statement does not need its whole tree in memory; the rest is parsed in memory.
    """
    path = Path(path)
    size = path.stat().st_size
    if size > max_bytes:
        raise RefusedFile(f"{path}: file is {size} bytes, more than the {max_bytes} allowed")
    message = message_of(path)
    if message in CONTAINERS:
        with path.open("rb") as handle:
            namespace = _NAMESPACE.search(handle.read(4096))
        name = MESSAGES[message][0]
        found = namespace.group(1).decode() if namespace else None
        return stream_camt(path, format=message_format(name, found), source=str(path))
    with path.open("rb") as handle:
        data = handle.read(max_bytes + 1)
    return parse_bytes(data, max_bytes=max_bytes, source=str(path))
