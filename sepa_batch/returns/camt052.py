"""camt.052 — Bank to Customer Account Report (``BkToCstmrAcctRpt``), the intraday report.

Intraday reports hold many pending (``PDNG``) entries; only booked ones give items (see
:mod:`sepa_batch.returns.camt_common`). Each ``Rpt`` reports one account.
"""

from __future__ import annotations

from sepa_batch.returns.camt_common import parse_camt
from sepa_batch.returns.records import ParsedFile
from sepa_batch.returns.xmlsafe import Element

MESSAGE = "BkToCstmrAcctRpt"
CONTAINER = "Rpt"


def parse(message: Element, *, format: str, source: str) -> ParsedFile:
    """Items of a ``BkToCstmrAcctRpt`` element."""
    return parse_camt(message, container=CONTAINER, format=format, source=source)
