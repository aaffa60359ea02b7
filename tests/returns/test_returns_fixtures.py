"""The project's own hand-written return files (fixtures/returns/), read item by item."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from lxml import etree

from sepa_batch.returns import ReturnItem, inspect_document, parse_file

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "returns"
XSD = Path(__file__).resolve().parents[2] / ".." / "shared" / "samples" / "xsd"

CREDITOR_IBAN = "FR7630004008210001234567849"
NOV_FILE = "SEPA-20261105-0001"
NOV_RCUR = "SEPA-20261105-0001-RCUR-20261110"
DEC_FILE = "SEPA-20261205-0001"
DEC_RCUR = "SEPA-20261205-0001-RCUR-20261210"


def _item(**fields) -> dict:
    """An item of the ``returns inspect --json`` document; unnamed fields are null."""
    names = (
        "kind", "level", "end_to_end_id", "original_message_id",
        "original_payment_information_id", "mandate_id", "amount", "currency", "reason_code",
        "reason_text", "booking_date", "charges",
    )  # fmt: skip
    return {name: fields.get(name) for name in names}


def test_pain002_001_10_transaction_and_batch_rejects() -> None:
    parsed = parse_file(FIXTURES / "pain002_001_10_transaction_rejects.xml")
    common = dict(level="transaction", original_message_id=NOV_FILE,
                  original_payment_information_id=NOV_RCUR, currency="EUR")  # fmt: skip
    assert inspect_document(parsed) == {
        "format": "pain.002.001.10",
        "message_id": "BNPP-PSR-20261109-000123",
        "items": [
            _item(kind="reject", end_to_end_id="E2E-20261105-L00017", mandate_id="RUM-C001-01",
                  amount="49.90", reason_code="AM04", reason_text="Provision insuffisante",
                  charges="2.50", **common),
            _item(kind="reject", end_to_end_id="E2E-20261105-L00018", mandate_id="RUM-C002-01",
                  amount="57.00", reason_code="AC04", reason_text="Compte clos", **common),
            # two AddtlInf lines joined
            _item(kind="reject", end_to_end_id="E2E-20261105-L00019", mandate_id="RUM-C003-01",
                  amount="35.50", reason_code="MD01",
                  reason_text="Absence de mandat ou mandat revoque", **common),
            # ACCP transaction; the PDNG one after it and the PART statuses give nothing
            _item(kind="accepted", end_to_end_id="E2E-20261105-L00020", mandate_id="RUM-C004-01",
                  amount="45.00", **common),
            _item(kind="reject", level="batch", original_message_id=NOV_FILE,
                  original_payment_information_id="SEPA-20261105-0001-FRST-20261110",
                  reason_code="FF01", reason_text="Format de fichier invalide"),
        ],
    }  # fmt: skip


def test_pain002_001_03_file_level_reject() -> None:
    parsed = parse_file(FIXTURES / "pain002_001_03_file_reject.xml")
    assert inspect_document(parsed) == {
        "format": "pain.002.001.03",
        "message_id": "CEPA-PSR-20261006-0042",
        "items": [
            _item(kind="reject", level="file", original_message_id="SEPA-20261005-0001",
                  reason_code="FF01",
                  reason_text="Fichier non conforme au schema pain.008.001.02"),
        ],
    }  # fmt: skip


def test_camt054_001_02_batched_entry_with_a_charged_refund() -> None:
    parsed = parse_file(FIXTURES / "camt054_001_02_batched_returns.xml")
    assert inspect_document(parsed) == {
        "format": "camt.054.001.02",
        "message_id": "BNPP-NTF-20261216-0007",
        "items": [
            # 53.00 debited = 50.00 instructed + 3.00 charge, kept apart
            _item(kind="refund", level="transaction", end_to_end_id="E2E-20261105-L00022",
                  original_message_id=NOV_FILE, original_payment_information_id=NOV_RCUR,
                  mandate_id="RUM-C005-01", amount="50.00", currency="EUR", reason_code="MD06",
                  reason_text="Remboursement demande par le debiteur",
                  booking_date="2026-12-15", charges="3.00"),
            _item(kind="return", level="transaction", end_to_end_id="E2E-20261205-L00031",
                  original_message_id=DEC_FILE, original_payment_information_id=DEC_RCUR,
                  mandate_id="RUM-C006-01", amount="30.00", currency="EUR", reason_code="AM04",
                  booking_date="2026-12-15"),
        ],
    }  # fmt: skip
    refund = parsed.items[0]
    assert refund.account_iban == CREDITOR_IBAN
    assert refund.references[:3] == ("E2E-20261105-L00022", "RUM-C005-01", "L00022")
    assert "BNPP20261215IMP0001" in refund.references  # the entry's bank reference
    assert "Cotisation novembre 2026" in refund.references  # Ustrd


def test_camt054_001_08_return_with_included_charge_reversal_and_credit() -> None:
    parsed = parse_file(FIXTURES / "camt054_001_08_return_reversal_credit.xml")
    assert parsed.format == "camt.054.001.08"
    assert [(i.kind, i.level) for i in parsed.items] == [
        ("return", "transaction"),
        ("reversal", "transaction"),
        ("credit", "batch"),
    ]
    returned, reversal, credit = parsed.items
    # no InstdAmt: 53.00 transaction amount less the 3.00 charge flagged ChrgInclInd=true
    assert (returned.amount_cents, returned.charges_cents) == (5000, 300)
    assert (returned.reason_code, returned.reason_text) == ("MS02", "Refus du debiteur")
    assert returned.booking_date == date(2026, 12, 10)  # from BookgDt/DtTm
    assert returned.original_message_id is None
    assert returned.original_payment_information_id == DEC_RCUR
    assert (reversal.end_to_end_id, reversal.mandate_id) == ("E2E-20261205-L00033", "RUM-C008-01")
    assert (reversal.amount_cents, reversal.reason_code) == (4500, None)
    assert credit == ReturnItem(
        kind="credit",
        level="batch",
        end_to_end_id=None,
        original_message_id=DEC_FILE,
        original_payment_information_id="SEPA-20261205-0001-FRST-20261210",
        mandate_id=None,
        amount_cents=14290,
        currency="EUR",
        reason_code=None,
        reason_text=None,
        booking_date=date(2026, 12, 10),
        charges_cents=None,
        references=(
            "SOGE20261210C0001",
            DEC_FILE,
            "SEPA-20261205-0001-FRST-20261210",
            "REMISE PRLV SEPA SEPA-20261205-0001-FRST-20261210",
        ),
        account_iban="FR7630003036200005432198722",
    )


def test_camt053_001_02_batch_credit_and_return_charged_on_the_entry() -> None:
    parsed = parse_file(FIXTURES / "camt053_001_02_credit_and_return.xml")
    assert (parsed.format, parsed.message_id) == ("camt.053.001.02", "CCBP-STM-20261210-0001")
    # the account fee (plain debit) and the pending credit give no item
    credit, returned = parsed.items
    assert (credit.kind, credit.amount_cents, credit.booking_date) == (
        "credit",
        25140,
        date(2026, 12, 10),
    )
    assert credit.original_payment_information_id == DEC_RCUR
    assert credit.original_message_id == DEC_FILE
    assert DEC_RCUR in credit.references
    assert credit.account_iban == CREDITOR_IBAN
    # single transaction without amount: 52.40 booked less the entry's 2.50 charge
    assert (returned.kind, returned.reason_code) == ("return", "AM04")
    assert (returned.amount_cents, returned.charges_cents) == (4990, 250)
    assert (returned.end_to_end_id, returned.mandate_id) == ("E2E-20261105-L00017", "RUM-C001-01")


def test_camt052_001_02_only_the_booked_refund_counts() -> None:
    parsed = parse_file(FIXTURES / "camt052_001_02_intraday_refund.xml")
    assert inspect_document(parsed) == {
        "format": "camt.052.001.02",
        "message_id": "CEPA-RPT-20270115-1400",
        "items": [
            _item(kind="refund", level="transaction", end_to_end_id="E2E-20261105-L00019",
                  mandate_id="RUM-C003-01", amount="35.50", currency="EUR", reason_code="MD01",
                  reason_text="Operation non autorisee", booking_date="2027-01-15"),
        ],
    }  # fmt: skip


PAIN002_XSD = "phoughton__pyiso20022__xsd__payments_initiation__pain.002__"
SCHEMAS = {
    "pain002_001_10": f"{PAIN002_XSD}pain.002.001.10.xsd",
    "pain002_001_03": f"{PAIN002_XSD}pain.002.001.03.xsd",
    "camt054_001_02": "genkgo__camt__assets__camt.054.001.02.xsd",
    "camt054_001_08": "genkgo__camt__assets__camt.054.001.08.xsd",
    "camt053_001_02": "genkgo__camt__assets__camt.053.001.02.xsd",
    "camt052_001_02": "camt.052.001.02.xsd",
}


@pytest.mark.parametrize("fixture", sorted(p.name for p in FIXTURES.glob("*.xml")))
def test_fixture_is_valid_against_the_official_schema(fixture: str) -> None:
    """Hand-written files are only realistic if the bank's own schema accepts them."""
    schema_path = XSD / SCHEMAS[fixture[:14]]
    if not schema_path.is_file():
        pytest.skip(f"no schema at {schema_path}")
    schema = etree.XMLSchema(etree.parse(str(schema_path)))
    document = etree.parse(str(FIXTURES / fixture))
    assert schema.validate(document), schema.error_log
