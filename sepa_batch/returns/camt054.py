"""camt.054 — Bank to Customer Debit/Credit Notification (``BkToCstmrDbtCdtNtfctn``).

The message French banks use to deliver unpaid direct debits (CFONB camt.054 guide, version
.001.02); .04 and .08 read the same way. Each ``Ntfctn`` reports one account; its entries are
read by :mod:`sepa_batch.returns.camt_common`.
"""

from __future__ import annotations

from sepa_batch.returns.camt_common import parse_camt
from sepa_batch.returns.records import ParsedFile
from sepa_batch.returns.xmlsafe import Element

MESSAGE = "BkToCstmrDbtCdtNtfctn"
CONTAINER = "Ntfctn"


def parse(message: Element, *, format: str, source: str) -> ParsedFile:
    """Items of a ``BkToCstmrDbtCdtNtfctn`` element."""
    return parse_camt(message, container=CONTAINER, format=format, source=source)
