"""A tiny lxml builder shared by the simulated bank's writers (pain.002, camt.054, camt.053).

Every element lives in the message's ISO 20022 namespace
(``urn:iso:std:iso:20022:tech:xsd:<message>``), written as the default namespace. Callers add
children in the order the XSD's ``xs:sequence`` demands; the builder only saves typing.
"""

from __future__ import annotations

from datetime import date, datetime

from lxml import etree

from sepa_batch.money import format_amount

ISO_NS = "urn:iso:std:iso:20022:tech:xsd:"


class MessageBuilder:
    """Build one ISO 20022 document: ``<Document><root>...</root></Document>``."""

    def __init__(self, message: str, root: str):
        self.ns = ISO_NS + message
        self.document = etree.Element(self._qname("Document"), nsmap={None: self.ns})
        self.root = self.add(self.document, root)

    def _qname(self, tag: str) -> str:
        return f"{{{self.ns}}}{tag}"

    def add(self, parent: etree._Element, path: str, text: str | None = None) -> etree._Element:
        """Append the chain of elements named by ``path`` ("A/B/C"); the last one gets ``text``."""
        element = parent
        for tag in path.split("/"):
            element = etree.SubElement(element, self._qname(tag))
        if text is not None:
            element.text = text
        return element

    def amount(self, parent: etree._Element, path: str, cents: int, currency: str) -> None:
        """An ``ActiveOrHistoricCurrencyAndAmount``: ``<Amt Ccy="EUR">12.34</Amt>``."""
        self.add(parent, path, format_amount(cents)).set("Ccy", currency)

    def day(self, parent: etree._Element, path: str, value: date) -> None:
        """An ``ISODate``."""
        self.add(parent, path, value.isoformat())

    def moment(self, parent: etree._Element, path: str, value: datetime) -> None:
        """An ``ISODateTime`` without offset (local banking time), to the second."""
        self.add(parent, path, value.replace(microsecond=0).isoformat())

    def tobytes(self) -> bytes:
        """The document as indented UTF-8 with an XML declaration (deterministic)."""
        body = etree.tostring(self.document, encoding="UTF-8", pretty_print=True)
        return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body
