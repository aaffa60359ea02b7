"""Cross-check with an independent writer: sepaxml must find the same collections in our files.

sepaxml (``SepaDD``) builds pain.008.001.02 and .08 from dicts; for the same payments both
files must hold the same (debtor, IBAN, amount, mandate, signature date, collection date,
sequence type) tuples.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from itertools import groupby

import pytest
from lxml import etree
from sepaxml import SepaDD

from sepa_batch.money import parse_amount
from sepa_batch.sepa.pain008 import (
    DirectDebit,
    MessageHeader,
    Party,
    PaymentBlock,
    PostalAddress,
    write_pain008,
)

CREDITOR = {
    "name": "Club de Tennis de Lyon",
    "IBAN": "FR7630006000011234567890189",
    "BIC": "AGRIFRPP",
    "batch": True,
    "creditor_id": "FR72ZZZ123456",
    "currency": "EUR",
    "instrument": "CORE",
}

PAYMENTS = [
    # (name, IBAN, BIC or None, cents, type, collection date, mandate id, mandate date)
    (
        "François Dupré",
        "FR1420041010050500013M02606",
        "PSSTFRPP",
        4500,
        "FRST",
        date(2026, 12, 4),
        "ABO-0001",
        date(2026, 10, 1),
    ),
    (
        "Jürgen Weiß",
        "DE89370400440532013000",
        "COBADEFFXXX",
        3000,
        "RCUR",
        date(2026, 12, 4),
        "ABO-0002",
        date(2024, 1, 15),
    ),
    (
        "Jan de Vries",
        "NL91ABNA0417164300",
        None,
        1999,
        "RCUR",
        date(2026, 12, 4),
        "ABO-0003",
        date(2023, 6, 30),
    ),
    (
        "Oliver O'Brien",
        "GB29NWBK60161331926819",
        "NWBKGB2L",
        12000,
        "RCUR",
        date(2026, 12, 7),
        "ABO-0004",
        date(2022, 2, 2),
    ),
    (
        "Conseil Général",
        "ES9121000418450200051332",
        "CAIXESBBXXX",
        25000,
        "OOFF",
        date(2026, 12, 10),
        "EVT-0005",
        date(2026, 11, 2),
    ),
]


def sepaxml_file(version: str) -> bytes:
    sepa = SepaDD(dict(CREDITOR), schema=version, clean=True)
    for number, (name, iban, bic, cents, seq, day, mandate, signed) in enumerate(PAYMENTS, 1):
        payment = {
            "name": name,
            "IBAN": iban,
            "amount": cents,
            "type": seq,
            "collection_date": day,
            "mandate_id": mandate,
            "mandate_date": signed,
            "description": f"Cotisation {number}",
            "endtoend_id": f"E2E-{number}",
        }
        if bic:
            payment["BIC"] = bic
        sepa.add_payment(payment)
    return sepa.export(validate=True)


def our_file(version: str) -> bytes:
    debits = [
        (
            seq,
            day,
            DirectDebit(f"E2E-{n}", cents, mandate, signed, name, iban, bic, f"Cotisation {n}"),
        )
        for n, (name, iban, bic, cents, seq, day, mandate, signed) in enumerate(PAYMENTS, 1)
    ]
    blocks = []
    for (seq, day), group in groupby(debits, key=lambda item: (item[0], item[1])):
        members = [d for _, _, d in group]
        block = PaymentBlock(
            f"PMT-{seq}-{day:%Y%m%d}", seq, day, len(members), sum(d.amount_cents for d in members)
        )
        blocks.append((block, members))
    header = MessageHeader(
        "MSG-CROSS", datetime(2026, 11, 20, 9, 0), len(PAYMENTS), sum(p[3] for p in PAYMENTS)
    )
    creditor = Party(
        CREDITOR["name"],
        CREDITOR["IBAN"],
        CREDITOR["BIC"],
        CREDITOR["creditor_id"],
        PostalAddress("Lyon", "FR"),
    )
    out = io.BytesIO()
    write_pain008(out, header, creditor, blocks, version=version)
    return out.getvalue()


def collections(data: bytes) -> set[tuple]:
    """Every transaction as (name, IBAN, cents, mandate, signed, collection date, type)."""
    root = etree.fromstring(data)

    def text(node, path: str) -> str:
        steps = "/".join(f"*[local-name()='{step}']" for step in path.split("/"))
        return node.xpath(f"string({steps})")

    found = set()
    for block in root.xpath("//*[local-name()='PmtInf']"):
        seq = text(block, "PmtTpInf/SeqTp")
        day = text(block, "ReqdColltnDt")
        for tx in block.xpath("*[local-name()='DrctDbtTxInf']"):
            found.add(
                (
                    text(tx, "Dbtr/Nm"),
                    text(tx, "DbtrAcct/Id/IBAN"),
                    parse_amount(text(tx, "InstdAmt")),
                    text(tx, "DrctDbtTx/MndtRltdInf/MndtId"),
                    text(tx, "DrctDbtTx/MndtRltdInf/DtOfSgntr"),
                    day,
                    seq,
                )
            )
    return found


@pytest.mark.parametrize("version", ["pain.008.001.02", "pain.008.001.08"])
def test_same_collections_as_sepaxml(version):
    ours = collections(our_file(version))
    theirs = collections(sepaxml_file(version))
    assert len(ours) == len(PAYMENTS)
    assert ours == theirs
    assert (
        "Jurgen Weiss",
        "DE89370400440532013000",
        3000,
        "ABO-0002",
        "2024-01-15",
        "2026-12-04",
        "RCUR",
    ) in ours


@pytest.mark.parametrize("version", ["pain.008.001.02", "pain.008.001.08"])
def test_same_blocks_as_sepaxml(version):
    """Both writers make one PmtInf per (sequence type, collection date), same totals."""

    def blocks(data: bytes) -> set[tuple]:
        root = etree.fromstring(data)
        return {
            tuple(
                block.xpath(f"string(*[local-name()='{tag}'])")
                for tag in ("NbOfTxs", "CtrlSum", "ReqdColltnDt")
            )
            for block in root.xpath("//*[local-name()='PmtInf']")
        }

    assert blocks(our_file(version)) == blocks(sepaxml_file(version))
