"""pain.008 inputs for the simulated-bank tests: files built with ``sepaxml`` and real samples.

The sepaxml files are made reproducible by pinning the two values sepaxml takes from the
clock and a random generator (``MsgId`` and ``CreDtTm``; the PmtInfIds stay random).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from schwifty import IBAN
from sepaxml import SepaDD

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "samples"
CREATED = "2026-11-20T10:00:00"
FIRST_DAY = date(2026, 12, 1)  # a Tuesday
SECOND_DAY = date(2026, 12, 22)  # a Tuesday just before the TARGET2 Christmas closing


def build_pain008(schema: str, count: int = 200, msg_id: str = "CLUB-2026-12") -> bytes:
    """``count`` debits in four PmtInf blocks (FRST/RCUR x two collection dates)."""
    creditor = {
        "name": "Club Sportif de Test",
        "IBAN": str(IBAN.generate("FR", bank_code="30006", account_code="12345678901")),
        "BIC": "AGRIFRPP",
        "batch": True,
        "creditor_id": "FR72ZZZ123456",
        "currency": "EUR",
    }
    document = SepaDD(creditor, schema=schema, clean=True)
    for number in range(count):
        document.add_payment(
            {
                "name": f"Membre Numero {number}",
                "IBAN": str(IBAN.generate("DE", bank_code="37040044", account_code=str(number))),
                "BIC": "COBADEFFXXX",
                "amount": 1000 + (number * 737) % 9000,
                "type": "FRST" if number % 5 == 0 else "RCUR",
                "collection_date": FIRST_DAY if number % 2 == 0 else SECOND_DAY,
                "mandate_id": f"MANDATE-{number:05d}",
                "mandate_date": date(2024, 1, 15),
                "description": f"Cotisation {number}",
                "endtoend_id": f"E2E-{number:05d}",
            }
        )
    xml = document.export(validate=True).decode()
    xml = re.sub(r"<MsgId>[^<]*</MsgId>", f"<MsgId>{msg_id}</MsgId>", xml, count=1)
    xml = re.sub(r"<CreDtTm>[^<]*</CreDtTm>", f"<CreDtTm>{CREATED}</CreDtTm>", xml, count=1)
    return xml.encode()


def sample_pain008(name_part: str) -> bytes:
    """A real pain.008 sample from the shared folder (skip when it is not there)."""
    folder = SAMPLES / "pain008"
    found = sorted(folder.glob(f"*{name_part}*")) if folder.is_dir() else []
    if not found:
        pytest.skip(f"shared pain.008 sample *{name_part}* not available")
    return found[0].read_bytes()
