"""The string-formatting pain.008 writer: escaping, lxml-like refusals, chunked writes."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sepa.pain008_cases import CREATED_AT, CREDITOR

from sepa_batch.sepa.pain008 import DirectDebit, MessageHeader, PaymentBlock, write_pain008
from sepa_batch.sepa.xsd import validate_bytes


def debit(number: int = 1, **kw) -> DirectDebit:
    values = {
        "end_to_end_id": f"E2E-{number}",
        "amount_cents": 1000,
        "mandate_id": f"MND-{number}",
        "mandate_signed_on": date(2025, 1, 15),
        "debtor_name": f"Debtor {number}",
        "debtor_iban": "DE89370400440532013000",
        "debtor_bic": "COBADEFFXXX",
        "remittance": "Subscription",
    }
    values.update(kw)
    return DirectDebit(**values)


class CountingOutput(io.BytesIO):
    def __init__(self) -> None:
        super().__init__()
        self.sizes: list[int] = []

    def write(self, data) -> int:
        self.sizes.append(len(data))
        return super().write(data)


def write(debits, out=None, version="pain.008.001.08") -> bytes:
    debits = list(debits)
    total = 1000 * len(debits)
    block = PaymentBlock("PMT-1", "RCUR", date(2026, 12, 4), len(debits), total)
    header = MessageHeader("MSG-1", CREATED_AT, len(debits), total)
    out = out if out is not None else io.BytesIO()
    write_pain008(out, header, CREDITOR, [(block, debits)], version=version)
    return out.getvalue()


def test_markup_characters_of_an_iban_and_a_bic_are_escaped():
    data = write([debit(debtor_iban="de89<3704&00>", debtor_bic="ab<c&d")])
    assert b"<IBAN>DE89&lt;3704&amp;00&gt;</IBAN>" in data
    assert b"<BICFI>AB&lt;C&amp;D</BICFI>" in data


def test_amount_keeps_its_currency_attribute_and_the_document_its_form():
    data = write([debit()], version="pain.008.001.02")
    assert data.startswith(
        b"<?xml version='1.0' encoding='UTF-8'?>\n"
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.008.001.02">\n'
        b"  <CstmrDrctDbtInitn>\n    <GrpHdr>\n      <MsgId>MSG-1</MsgId>\n"
    )
    assert b'\n        <InstdAmt Ccy="EUR">10.00</InstdAmt>\n' in data
    assert data.endswith(b"    </PmtInf>\n  </CstmrDrctDbtInitn>\n</Document>\n")
    validate_bytes(data, "pain.008.001.02")


@pytest.mark.parametrize("iban", ["DE89\x00370400", "DE89\x07370400"])
def test_control_characters_are_refused_as_lxml_refused_them(iban):
    with pytest.raises(ValueError, match="XML compatible"):
        write([debit(debtor_iban=iban)])


def test_transactions_are_written_in_bounded_chunks():
    out = CountingOutput()
    data = write((debit(number) for number in range(1, 1201)), out)
    # header, block head, two chunks of 512, then the last 176 with the block's end, the end
    assert len(out.sizes) == 6
    assert max(out.sizes) < len(data) / 2
    assert data.count(b"<DrctDbtTxInf>") == 1200
    validate_bytes(data, "pain.008.001.08")
