"""Validation of the messages we write against the official ISO 20022 XSDs.

The XSDs for pain.008.001.02 and pain.008.001.08 (and pain.001) ship inside the
``sepaxml`` package (``sepaxml/schemas/``). Validation is streaming: ``iterparse`` checks
the document against the schema while it reads it and every element is dropped once read,
so a 100 MB file validates in constant memory. The parser never resolves entities, never
touches the network and keeps libxml2's limits on huge documents.

libxml2's streaming validation reports schema errors without a line number (line 0). When
a document fails, a second, diagnostic pass finds the line: it validates the whole tree in
memory when the document is at most ``LOCATE_LIMIT_BYTES``; beyond that the error is
reported with its message only ("line ?"). Well-formedness errors always carry their line.

Caveat found with lxml 6.1 / libxml2 2.14: ``iterparse(schema=..., resolve_entities=False)``
raises nothing on a document cut short after a valid prefix. The validator therefore also
checks that the root element was closed, and reports a truncated document itself.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from functools import cache, partial
from importlib.resources import as_file, files
from typing import BinaryIO

from lxml import etree

from sepa_batch.errors import SepaBatchError

LOCATE_LIMIT_BYTES = 50 * 1024 * 1024
_PARSER_OPTIONS = {"huge_tree": False, "resolve_entities": False, "no_network": True}


@cache
def schema(version: str) -> etree.XMLSchema:
    """The official XSD of ``version`` (e.g. ``"pain.008.001.08"``), parsed once."""
    resource = files("sepaxml") / "schemas" / f"{version}.xsd"
    if not resource.is_file():
        raise ValueError(f"no XSD shipped for {version!r}")
    with as_file(resource) as path:
        return etree.XMLSchema(etree.parse(str(path)))


def validate_file(path: str | os.PathLike[str], version: str) -> None:
    """Validate the file at ``path``; raise SepaBatchError naming the line and the XSD message."""
    path = os.fspath(path)
    _validate(partial(open, path, "rb"), os.path.getsize(path), version, path)


def validate_bytes(data: bytes, version: str) -> None:
    """Validate a message held in memory (tests, small files)."""
    _validate(lambda: io.BytesIO(data), len(data), version, "message")


def _validate(open_source: Callable[[], BinaryIO], size: int, version: str, name: str) -> None:
    xsd = schema(version)
    closed, line = False, 0
    try:
        with open_source() as source:
            for _event, element in etree.iterparse(
                source, events=("end",), schema=xsd, **_PARSER_OPTIONS
            ):
                closed, line = element.getparent() is None, element.sourceline
                element.clear(keep_tail=True)
                while element.getprevious() is not None:
                    del element.getparent()[0]
    except etree.XMLSyntaxError as exc:
        line, message = _locate(open_source, size, xsd, exc)
        raise SepaBatchError(
            f"{name}: not a valid {version} message: line {line}: {message}"
        ) from exc
    if not closed:  # see the module docstring: lxml may stay silent on a truncated document
        raise SepaBatchError(
            f"{name}: not a valid {version} message: line {line}: the document is truncated"
        )


def _locate(
    open_source: Callable[[], BinaryIO], size: int, xsd: etree.XMLSchema, exc: etree.XMLSyntaxError
) -> tuple[int | str, str]:
    """The line and message of the first error (see the module docstring)."""
    if exc.lineno:
        return exc.lineno, exc.msg
    if size > LOCATE_LIMIT_BYTES:
        return "?", exc.msg
    try:
        with open_source() as source:
            tree = etree.parse(source, etree.XMLParser(**_PARSER_OPTIONS))
    except etree.XMLSyntaxError as malformed:
        return malformed.lineno or "?", malformed.msg
    try:
        if xsd.validate(tree):  # not expected: the streaming pass failed on the same bytes
            return "?", exc.msg
    except etree.LxmlError:  # e.g. an entity left unresolved on purpose
        return "?", exc.msg
    first = xsd.error_log[0]
    return first.line, first.message
