"""Validation of the messages we write against the official ISO 20022 XSDs.

The XSDs for pain.008.001.02 and pain.008.001.08 (and pain.001) ship inside the
``sepaxml`` package (``sepaxml/schemas/``). Validation is streaming: a pull parser checks
the document against the schema as it is fed — by the writer itself, in the same pass
(:class:`ValidatingWriter`), or from a file — and hands back to Python only the transactions,
dropped once read, so a 100 MB file validates in constant memory. The parser never resolves
entities, never touches the network and keeps libxml2's limits on huge documents.

libxml2's streaming validation reports schema errors without a line number (line 0). When
a document fails, a second, diagnostic pass finds the line: it validates the whole tree in
memory when the document is at most ``LOCATE_LIMIT_BYTES``; beyond that the error is
reported with its message only ("line ?"). Well-formedness errors always carry their line.

Caveat found with lxml 6.1 / libxml2 2.14: ``iterparse`` and ``XMLPullParser`` with
``schema=...`` raise nothing on a document cut short after a valid prefix. The validator
therefore also checks that the root element was closed, and reports a truncated document
itself.
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
READ_BYTES = 1024 * 1024
#: The elements handed back to Python (to be dropped once read); libxml2 validates them all.
_DROPPED = ("{*}DrctDbtTxInf", "{*}PmtInf", "{*}Document")
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
    checker = Validator(version)
    with open_source() as source:
        for piece in iter(partial(source.read, READ_BYTES), b""):
            checker.feed(piece)
    checker.finish(open_source, size, name)


class ValidatingWriter:
    """A binary file that validates what is written to it, in the same pass: each piece goes
    to ``out`` and to a :class:`Validator`. ``finish()`` raises when the message is not
    valid (after ``out`` is closed: the diagnostic pass reads the file at ``path``)."""

    def __init__(self, out: BinaryIO, path: str | os.PathLike[str], version: str):
        self._out = out
        self._path = os.fspath(path)
        self._checker = Validator(version)

    def write(self, data: bytes) -> int:
        self._checker.feed(data)
        return self._out.write(data)

    def finish(self) -> None:
        size = os.path.getsize(self._path)
        self._checker.finish(partial(open, self._path, "rb"), size, self._path)


class Validator:
    """Streaming validation of a message fed piece by piece: libxml2 checks every element
    against the XSD as it parses; only the transactions (and blocks, and the root) come back
    to Python, to be dropped once read, so memory stays constant."""

    def __init__(self, version: str):
        self.version = version
        self._parser = etree.XMLPullParser(
            events=("end",), tag=_DROPPED, schema=schema(version), **_PARSER_OPTIONS
        )
        self._closed, self._line = False, 0
        self._error: etree.XMLSyntaxError | None = None

    def feed(self, data: bytes) -> None:
        if self._error is None:
            try:
                self._parser.feed(data)
                self._drop()
            except etree.XMLSyntaxError as exc:
                self._error = exc

    def _drop(self) -> None:
        for _event, element in self._parser.read_events():
            parent = element.getparent()
            self._closed, self._line = parent is None, element.sourceline
            element.clear(keep_tail=True)
            if parent is not None:
                while element.getprevious() is not None:
                    del parent[0]

    def finish(self, open_source: Callable[[], BinaryIO], size: int, name: str) -> None:
        """Raise SepaBatchError naming the line and the XSD message, unless the message fed
        was complete and valid (``open_source`` reads it again to locate an error)."""
        if self._error is None:
            try:
                self._parser.close()
                self._drop()
            except etree.XMLSyntaxError as exc:
                self._error = exc
        if self._error is not None:
            line, message = _locate(open_source, size, schema(self.version), self._error)
            raise SepaBatchError(
                f"{name}: not a valid {self.version} message: line {line}: {message}"
            ) from self._error
        if not self._closed:  # see the module docstring: lxml may stay silent on a truncation
            raise SepaBatchError(
                f"{name}: not a valid {self.version} message: line {self._line}: "
                "the document is truncated"
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
