"""camt.053 — Bank to Customer Statement (``BkToCstmrStmt``), the booked end-of-day statement.

Returns may be reported here instead of (or as well as) in camt.054, and the statement shows
the credit of each collected batch. Each ``Stmt`` reports one account; its entries are read
by :mod:`sepa_batch.returns.camt_common`.
"""

from __future__ import annotations

from sepa_batch.returns.camt_common import parse_camt
from sepa_batch.returns.records import ParsedFile
from sepa_batch.returns.xmlsafe import Element

MESSAGE = "BkToCstmrStmt"
CONTAINER = "Stmt"


def parse(message: Element, *, format: str, source: str) -> ParsedFile:
    """Items of a ``BkToCstmrStmt`` element."""
    return parse_camt(message, container=CONTAINER, format=format, source=source)
