"""Every real bank file in ../shared/samples is read, and says what a reader of it sees.

The expectations below were written by reading each file by hand. A new sample without an
expectation fails the test on purpose.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from sepa_batch.errors import RefusedFile
from sepa_batch.returns import parse_file

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "samples"
FOLDERS = ("pain002", "camt052", "camt053", "camt054", "other")

OCA_PAIN = (
    "OCA__account-payment__account_payment_return_import_iso20022__tests__test_files__"
    "test-sepa-pain-unpaid"
)
OCA_CAMT = "OCA__account-payment__account_payment_return_import_iso20022__"
LIBEUFIN = "stanisci__libeufin__"
CHDD = "camt054-chdd_p_ch2909000000250094239_1110097484_0_20190520700381159"

# The four rejects of the OCA (Bank of Ireland) pain.002 samples, in document order.
OCA_REJECTS = {
    0: dict(end_to_end_id="E2EID1", reason_code="AC01", amount_cents=10000, currency="EUR",
            mandate_id="MANDATEID1", original_payment_information_id="PMTINFID1",
            original_message_id="MSGID12345678912", level="transaction"),
    1: dict(end_to_end_id="E2EID2", reason_code="MS02", amount_cents=10000,
            mandate_id="MANDATEID2", original_payment_information_id="PMTINFID1"),
    2: dict(end_to_end_id="E2EID3", reason_code="MD06",
            original_payment_information_id="PMTINFID2"),
    3: dict(end_to_end_id="E2EID4", reason_code="AM04", mandate_id="MANDATEID4"),
}  # fmt: skip

# The single AC06 return of the OCA camt samples (same content in 053 and 054).
OCA_RETURN = {
    0: dict(kind="return", level="transaction", end_to_end_id="E2EID1", mandate_id="MANDATEID2",
            amount_cents=10000, currency="EUR", reason_code="AC06", reason_text="/RTYP/RTRN",
            booking_date=date(2016, 10, 8), charges_cents=None,
            account_iban="NL77ABNA0574908765"),
}  # fmt: skip

# file name → (format, message id, items per kind, {item index: expected fields}, references)
EXPECTED: dict[str, tuple] = {
    # --- pain.002 -----------------------------------------------------------------------
    f"{OCA_PAIN}.xml": ("pain.002.001.03", "MSGID99345678912", {"reject": 4},
                        {**OCA_REJECTS,
                         0: {**OCA_REJECTS[0], "reason_text": "ACC NUMBER INVALID"}}),
    # same file with the namespace ...:other.002.001.03: read by element names, no version
    f"{OCA_PAIN}-invalid.xml": ("pain.002", "MSGID99345678912", {"reject": 4}, OCA_REJECTS),
    "OCA__account-payment__account_payment_return_import_sepa_pain__test_files__"
    "test-sepa-unpaid.xml": ("pain.002.001.03", "MSGID99345678912", {"reject": 4},
                             {**OCA_REJECTS, 0: {**OCA_REJECTS[0], "reason_text": None}}),
    f"{LIBEUFIN}testbench__sample__2_pain002_B-Level_ACCP_v2019.xml": (
        "pain.002.001.10", "204691ACFC/071125/023228", {"accepted": 1},
        {0: dict(level="batch", original_payment_information_id="PMTINF-01",
                 original_message_id="MSG-02-QRR-SCOR", reason_code=None)}),
    f"{LIBEUFIN}testbench__sample__5_pain002_A-Level_ACTC__Empfangsbestaetigung_FDS__v2019.xml": (
        "pain.002.001.10", "20180315375204222821684", {"accepted": 1},
        {0: dict(level="file", original_message_id="MsgId-001")}),
    # --- camt.053 -----------------------------------------------------------------------
    f"{OCA_CAMT}test_files__test-sepa-camt-053-unpaid.xml": (
        "camt.053.001.02", "MSGID99345678912", {"return": 1}, OCA_RETURN),
    # Finnish sample: 6 credits (one per CRDT entry), the 4 plain debits are no items
    "moov-io__iso20022__test__testdata__FI_camt_053_sample.xml.xml": (
        "camt.053.001.02", "BANKFILEID00001", {"credit": 6},
        {0: dict(level="batch", amount_cents=200000, booking_date=date(2009, 10, 29),
                 original_message_id="BANKFILEID998765", account_iban="FI7433010001222090"),
         3: dict(amount_cents=212000, charges_cents=2000),
         4: dict(amount_cents=545500, charges_cents=4500),  # booked 5455.00, instructed 5500.00
         5: dict(amount_cents=1000000)},
        {5: "EndToEndIdSCT01"}),
    # GLS: the CRDT entry carrying RtrInf (a returned outgoing transfer) is not a credit
    f"{LIBEUFIN}nexus__sample__platform__gls_camt053.xml": (
        "camt.053.001.02", None, {"credit": 1},
        {0: dict(amount_cents=300, currency="EUR", booking_date=date(2024, 4, 12))}),
    # PostFinance: two reversed credits with RtrInf BE01 / RR03 = own payments coming back
    f"{LIBEUFIN}nexus__sample__platform__postfinance_camt053.xml": (
        "camt.053.001.08", None, {}, {}),
    f"{LIBEUFIN}testbench__sample__camt053_P_CH2909000000250094239_1110092698_0_"
    "2020112503071366_v2019.xml": (
        "camt.053.001.08", "20201124375204229003967", {"credit": 4},
        {0: dict(amount_cents=450, currency="CHF", booking_date=date(2020, 11, 24),
                 account_iban="CH2909000000250094239"),
         1: dict(amount_cents=150000), 2: dict(amount_cents=153700), 3: dict(amount_cents=169222)},
        {0: "PmtInfId-CHDD-1"}),  # found inside AddtlNtryInf
    "viafintech__camt_parser__spec__fixtures__053__valid_example.xml": (
        "camt.053.001.02", "053D2013-12-27T22:05:03.0N130000005", {"credit": 1},
        {0: dict(amount_cents=100, booking_date=date(2013, 12, 27),
                 account_iban="DE14740618130000033626")}),
    "viafintech__camt_parser__spec__fixtures__053__valid_example_with_batch.xml": (
        "camt.053.001.02", "201906240000000_2019062111111111", {"credit": 2},
        {0: dict(amount_cents=268800, booking_date=date(2019, 6, 13)),
         1: dict(amount_cents=500000, booking_date=date(2019, 6, 18))},
        {0: "GBSXX21170607391766562"}),
    # --- camt.054 -----------------------------------------------------------------------
    f"{OCA_CAMT}test_files__test-sepa-camt-054-unpaid.xml": (
        "camt.054.001.02", "MSGID99345678912", {"return": 1}, OCA_RETURN),
    f"{OCA_CAMT}tests__test_files__test-sepa-camt-unpaid.xml": (
        "camt.054.001.02", "MSGID99345678912", {"return": 1}, OCA_RETURN),
    f"{OCA_CAMT}tests__test_files__test-sepa-camt-unpaid-invalid.xml": (
        "camt.054", "MSGID99345678912", {"return": 1}, OCA_RETURN),
    # Finnish: 3 booked credits; the INFO (never booked) reversed credit with AC01/CUST is skipped
    "moov-io__iso20022__test__testdata__FI_camt_054_sample.xml.xml": (
        "camt.054.001.02", "BANKFILEID219073", {"credit": 3},
        {0: dict(amount_cents=200000),
         1: dict(amount_cents=50000, original_message_id="BANKFILEID998799"),
         2: dict(amount_cents=300000)},
        {2: "EndToEndIdAT-41-002"}),
    # PostFinance: the credit entry has no Amt of its own: 10.00 + 2.53 from its transactions
    f"{LIBEUFIN}nexus__sample__platform__postfinance_camt054.xml": (
        "camt.054.001.08", "20240115375204422237387", {"credit": 1},
        {0: dict(amount_cents=1253, currency="CHF", booking_date=date(2023, 12, 19))}),
    f"{LIBEUFIN}testbench__sample__200519_{CHDD}_v2019.xml": (
        "camt.054.001.08", "20190520375204228751067", {"credit": 1},
        {0: dict(amount_cents=450, currency="CHF", original_message_id="MsgId-CHDD-Musterfile",
                 original_payment_information_id="PmtInfId-CHDD-1")},
        {0: "E2EId-CHDD-2"}),
    # --- other --------------------------------------------------------------------------
    "genkgo__camt__test__data__camt053.v2.minimal.xml": (
        "camt.053.001.02", "CAMT053RIB000000000001", {"credit": 1},
        {0: dict(amount_cents=885, booking_date=date(2014, 12, 31))}),
    "genkgo__camt__test__data__camt053.v8.xml": (
        "camt.053.001.08", "CAMT053RIB000000000001", {"credit": 1}, {0: dict(amount_cents=885)},
        {0: "MUELL/FINP/RA12345"}),
    # outgoing credit transfers only: plain debits, no items
    "genkgo__camt__test__data__camt054.v2.xml": ("camt.054.001.02", "AAAASESS-FP-ACCR001", {}, {}),
    "genkgo__camt__test__data__camt054.v8.xml": ("camt.054.001.08", "AAAASESS-FP-ACCR001", {}, {}),
    # verification-of-payee statuses RVMC / RVNM are not rejects
    "hbci4j__hbci4java__src__test__resources__org__kapott__hbci4java__sepa__"
    "test-pain-parse-0020110-02.xml": (
        "pain.002.001.10", "8fe2133db36b4026ba7d6766583d434e", {}, {}),
    f"moov-io__iso20022__test__testdata__200519_{CHDD}.xml": (
        "camt.054.001.04", "20190520375204228751067", {"credit": 1},
        {0: dict(amount_cents=450, original_payment_information_id="PmtInfId-CHDD-1")}),
    "moov-io__iso20022__test__testdata__pain002-chdd-cor1_p_ch2909000000250094239_1110097483_0_"
    "2018031317221082.xml": (
        "pain.002.001.03.ch.02", "20180313375204216308259", {"accepted": 1},
        {0: dict(level="batch", original_payment_information_id="PmtInfId-CHDD-1",
                 original_message_id="MsgId-CHDD-Musterfile")}),
    # PART block: only the rejected transaction is an item
    f"{LIBEUFIN}testbench__sample__3_pain002_B-Level_und_C-Level_RJCT_v2009.xml": (
        "pain.002.001.03.ch.02", "20180315375204222822452", {"reject": 1},
        {0: dict(level="transaction", end_to_end_id="EndToEndId-001-03-04", reason_code="AC01",
                 reason_text="1301813;Konto ungültig", amount_cents=None,
                 original_payment_information_id="PmtInfId-001-03",
                 original_message_id="MsgId-001")}),
}  # fmt: skip

# file name → the root element the refusal must name
NOT_PAYMENT_MESSAGES = {
    "OCA__account-payment__account_payment_return_import_sepa_pain__data__"
    "unpaid_reason_codes.xml": "odoo",
}


def _sample_files() -> list:
    if not SAMPLES.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"no samples at {SAMPLES}"))]
    files = sorted(
        path
        for folder in FOLDERS
        if (SAMPLES / folder).is_dir()
        for path in (SAMPLES / folder).glob("*.xml")
    )
    return [pytest.param(path, id=f"{path.parent.name}/{path.name[:70]}") for path in files]


@pytest.mark.parametrize("path", _sample_files())
def test_sample(path: Path) -> None:
    if path.name in NOT_PAYMENT_MESSAGES:
        with pytest.raises(RefusedFile) as refused:
            parse_file(path)
        assert f"<{NOT_PAYMENT_MESSAGES[path.name]}>" in str(refused.value)
        return
    assert path.name in EXPECTED, f"write the expectations for the new sample {path.name}"
    fmt, message_id, kinds, fields, *more = EXPECTED[path.name]
    references = more[0] if more else {}

    parsed = parse_file(path)

    assert parsed.format == fmt
    assert parsed.message_id == message_id
    assert Counter(item.kind for item in parsed.items) == Counter(kinds)
    for index, expected in fields.items():
        item = parsed.items[index]
        assert {name: getattr(item, name) for name in expected} == expected, f"item {index}"
    for index, reference in references.items():
        assert any(reference in ref for ref in parsed.items[index].references)


def test_every_expectation_names_an_existing_sample() -> None:
    """A typo in a file name above would silently drop that file's checks."""
    if not SAMPLES.is_dir():
        pytest.skip(f"no samples at {SAMPLES}")
    present = {p.name for folder in FOLDERS for p in (SAMPLES / folder).glob("*.xml")}
    assert set(EXPECTED) | set(NOT_PAYMENT_MESSAGES) <= present


def test_pain008_files_are_refused_naming_their_message() -> None:
    folder = SAMPLES / "pain008"
    files = sorted(folder.glob("*.xml")) if folder.is_dir() else []
    if not files:
        pytest.skip(f"no pain.008 samples at {folder}")
    for path in files:
        with pytest.raises(RefusedFile, match="Document/CstmrDrctDbtInitn"):
            parse_file(path)
