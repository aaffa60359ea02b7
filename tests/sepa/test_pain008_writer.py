"""The pain.008 writer: content of the elements, totals checking, refusals, streaming."""

from __future__ import annotations

import dataclasses
import doctest
import io
from datetime import date

import pytest
from lxml import etree
from sepa.pain008_cases import CREATED_AT, CREDITOR, make_collection

from sepa_batch.errors import InvalidInput
from sepa_batch.sepa import pain008
from sepa_batch.sepa.pain008 import (
    Amendment,
    DirectDebit,
    MessageHeader,
    Party,
    PaymentBlock,
    PostalAddress,
    write_pain008,
)
from sepa_batch.sepa.xsd import validate_bytes, validate_file

V08, V02 = "pain.008.001.08", "pain.008.001.02"


def parse(data: bytes, version: str):
    """The document, and an xpath helper with ``p:`` bound to the version's namespace."""
    root = etree.fromstring(data)
    ns = {"p": f"urn:iso:std:iso:20022:tech:xsd:{version}"}
    return root, lambda node, path: node.xpath(path, namespaces=ns)


def transaction(data: bytes, version: str, end_to_end_id: str):
    root, xp = parse(data, version)
    (tx,) = xp(root, f"//p:DrctDbtTxInf[p:PmtId/p:EndToEndId='{end_to_end_id}']")
    return tx, xp


def debit(number: int = 1, cents: int = 1000, **kw) -> DirectDebit:
    values = {
        "end_to_end_id": f"E2E-{number}",
        "amount_cents": cents,
        "mandate_id": f"MND-{number}",
        "mandate_signed_on": date(2025, 1, 15),
        "debtor_name": f"Debtor {number}",
        "debtor_iban": "DE89370400440532013000",
        "debtor_bic": "COBADEFFXXX",
        "remittance": "Subscription",
    }
    values.update(kw)
    return DirectDebit(**values)


def write(
    debits,
    *,
    version=V08,
    creditor=CREDITOR,
    block_count=None,
    block_sum=None,
    file_count=None,
    file_sum=None,
) -> bytes:
    debits = list(debits)
    count = len(debits)
    total = sum(d.amount_cents for d in debits)
    block = PaymentBlock(
        "PMT-1",
        "RCUR",
        date(2026, 12, 4),
        count if block_count is None else block_count,
        total if block_sum is None else block_sum,
    )
    header = MessageHeader(
        "MSG-1",
        CREATED_AT,
        count if file_count is None else file_count,
        total if file_sum is None else file_sum,
    )
    out = io.BytesIO()
    write_pain008(out, header, creditor, [(block, debits)], version=version)
    return out.getvalue()


# --- content ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "bic_tag", "other_tag"), [(V08, "BICFI", "BIC"), (V02, "BIC", "BICFI")]
)
def test_bic_element_follows_the_version(collection, version, bic_tag, other_tag):
    root, xp = parse(collection.write(version), version)
    assert xp(root, f"//p:CdtrAgt/p:FinInstnId/p:{bic_tag}/text()") == ["AGRIFRPP"] * 4
    assert xp(root, f"//p:{other_tag}") == []


@pytest.mark.parametrize("version", [V08, V02])
def test_missing_bic_is_written_notprovided(version):
    data = write(
        [debit(debtor_bic=None)], creditor=dataclasses.replace(CREDITOR, bic=None), version=version
    )
    root, xp = parse(data, version)
    assert xp(root, "//p:DbtrAgt/p:FinInstnId/p:Othr/p:Id/text()") == ["NOTPROVIDED"]
    assert xp(root, "//p:CdtrAgt/p:FinInstnId/p:Othr/p:Id/text()") == ["NOTPROVIDED"]
    validate_bytes(data, version)


def test_core_scheme_elements(collection):
    root, xp = parse(collection.write(V08), V08)
    blocks = xp(root, "//p:PmtInf")
    assert [xp(b, "string(p:PmtTpInf/p:SeqTp)") for b in blocks] == ["FRST", "RCUR", "RCUR", "OOFF"]
    assert [xp(b, "string(p:ReqdColltnDt)") for b in blocks] == [
        "2026-12-04",
        "2026-12-04",
        "2026-12-07",
        "2026-12-10",
    ]
    for block in blocks:
        assert xp(block, "string(p:PmtMtd)") == "DD"
        assert xp(block, "string(p:PmtTpInf/p:SvcLvl/p:Cd)") == "SEPA"
        assert xp(block, "string(p:PmtTpInf/p:LclInstrm/p:Cd)") == "CORE"
        assert xp(block, "string(p:ChrgBr)") == "SLEV"
        assert xp(block, "string(p:CdtrSchmeId/p:Id/p:PrvtId/p:Othr/p:Id)") == "FR72ZZZ123456"
        assert xp(block, "string(p:CdtrSchmeId//p:SchmeNm/p:Prtry)") == "SEPA"
        assert xp(block, "string(p:CdtrAcct/p:Id/p:IBAN)") == "FR7630006000011234567890189"
    assert xp(root, "string(//p:GrpHdr/p:CreDtTm)") == "2026-11-20T09:30:05+01:00"


@pytest.mark.parametrize("version", [V08, V02])
def test_announced_totals_are_those_of_the_content(collection, version):
    """NbOfTxs and CtrlSum, re-added from the written amounts (decimal strings, no float)."""
    root, xp = parse(collection.write(version), version)

    def cents(text: str) -> int:
        whole, part = text.split(".")
        return int(whole) * 100 + int(part)

    amounts = [cents(a) for a in xp(root, "//p:InstdAmt/text()")]
    assert xp(root, "string(//p:GrpHdr/p:NbOfTxs)") == str(len(amounts)) == "7"
    assert cents(xp(root, "string(//p:GrpHdr/p:CtrlSum)")) == sum(amounts) == 55049
    for block in xp(root, "//p:PmtInf"):
        block_amounts = [cents(a) for a in xp(block, "p:DrctDbtTxInf/p:InstdAmt/text()")]
        assert int(xp(block, "string(p:NbOfTxs)")) == len(block_amounts)
        assert cents(xp(block, "string(p:CtrlSum)")) == sum(block_amounts)
    assert set(xp(root, "//p:InstdAmt/@Ccy")) == {"EUR"}


def test_amount_has_two_decimals():
    tx, xp = transaction(write([debit(cents=5)]), V08, "E2E-1")
    assert xp(tx, "string(p:InstdAmt)") == "0.05"


def test_instruction_id_is_the_end_to_end_id(collection):
    root, xp = parse(collection.write(V08), V08)
    for pmt_id in xp(root, "//p:DrctDbtTxInf/p:PmtId"):
        assert xp(pmt_id, "string(p:InstrId)") == xp(pmt_id, "string(p:EndToEndId)") != ""


@pytest.mark.parametrize("version", [V08, V02])
def test_amendment_new_bank_is_smnda(collection, version):
    tx, xp = transaction(collection.write(version), version, "SB-2026-12-0002")
    info = xp(tx, "p:DrctDbtTx/p:MndtRltdInf")[0]
    assert xp(info, "string(p:AmdmntInd)") == "true"
    assert xp(info, "p:AmdmntInfDtls/p:OrgnlDbtrAgt/p:FinInstnId/p:Othr/p:Id/text()") == ["SMNDA"]
    assert xp(info, "p:AmdmntInfDtls/p:OrgnlMndtId | p:AmdmntInfDtls/p:OrgnlDbtrAcct") == []


@pytest.mark.parametrize("version", [V08, V02])
def test_amendment_new_reference_is_original_mandate_id(collection, version):
    tx, xp = transaction(collection.write(version), version, "SB-2026-12-0003")
    details = xp(tx, "p:DrctDbtTx/p:MndtRltdInf/p:AmdmntInfDtls")[0]
    assert xp(details, "p:OrgnlMndtId/text()") == ["CLUB/2019/107"]
    assert xp(tx, "string(p:DrctDbtTx/p:MndtRltdInf/p:MndtId)") == "ABO-2025-0107"


@pytest.mark.parametrize("version", [V08, V02])
def test_amendment_new_iban_same_bank_is_original_debtor_account(collection, version):
    tx, xp = transaction(collection.write(version), version, "SB-2026-12-0004")
    details = xp(tx, "p:DrctDbtTx/p:MndtRltdInf/p:AmdmntInfDtls")[0]
    assert xp(details, "p:OrgnlDbtrAcct/p:Id/p:IBAN/text()") == ["DE62370400440532013001"]
    assert xp(details, "p:OrgnlDbtrAgt") == []


def test_amendment_with_several_changes_keeps_the_xsd_order():
    change = Amendment(
        original_mandate_id="OLD-1", original_iban="DE62370400440532013001", new_bank=True
    )
    data = write([debit(amendment=change)])
    tx, xp = transaction(data, V08, "E2E-1")
    details = xp(tx, "//p:AmdmntInfDtls")[0]
    assert [etree.QName(child).localname for child in details] == [
        "OrgnlMndtId",
        "OrgnlDbtrAcct",
        "OrgnlDbtrAgt",
    ]
    validate_bytes(data, V08)


def test_no_amendment_says_false(collection):
    tx, xp = transaction(collection.write(V08), V08, "SB-2026-12-0001")
    assert xp(tx, "string(.//p:AmdmntInd)") == "false"
    assert xp(tx, ".//p:AmdmntInfDtls") == []


def test_hybrid_address_in_v08(collection):
    tx, xp = transaction(collection.write(V08), V08, "SB-2026-12-0003")
    address = xp(tx, "p:Dbtr/p:PstlAdr")[0]
    assert [(etree.QName(e).localname, e.text) for e in address] == [
        ("PstCd", "8001"),
        ("TwnNm", "Zurich"),
        ("Ctry", "CH"),
        ("AdrLine", "Bahnhofstrasse 45"),
        ("AdrLine", "c/o Gruninger AG"),
    ]


def test_address_in_v02_is_country_and_two_lines_with_the_town(collection):
    tx, xp = transaction(collection.write(V02), V02, "SB-2026-12-0003")
    address = xp(tx, "p:Dbtr/p:PstlAdr")[0]
    assert [(etree.QName(e).localname, e.text) for e in address] == [
        ("Ctry", "CH"),
        ("AdrLine", "Bahnhofstrasse 45, c/o Gruninger AG"),
        ("AdrLine", "8001 Zurich"),
    ]


def test_debtor_address_only_when_given(collection):
    root, xp = parse(collection.write(V08), V08)
    with_address = xp(root, "//p:DrctDbtTxInf[p:Dbtr/p:PstlAdr]/p:PmtId/p:EndToEndId/text()")
    assert with_address == ["SB-2026-12-0003", "SB-2026-12-0005"]


def test_texts_are_transliterated_and_cut():
    long_name = "Société Générale & Fils — Müller-Lüdenscheidt " * 3
    data = write([debit(debtor_name=long_name, remittance="é" * 200, mandate_id="//M//1/")])
    tx, xp = transaction(data, V08, "E2E-1")
    name = xp(tx, "string(p:Dbtr/p:Nm)")
    # cut at 70, where a space fell: the trailing space goes too
    assert name == "Societe Generale + Fils - Muller-Ludenscheidt Societe Generale + Fils"
    assert xp(tx, "string(p:RmtInf/p:Ustrd)") == "e" * 140
    assert xp(tx, "string(.//p:MndtId)") == "M/1"
    validate_bytes(data, V08)


def test_ibans_and_bics_are_compacted():
    data = write([debit(debtor_iban="de89 3704 0044 0532 0130 00", debtor_bic="cobadeff xxx")])
    tx, xp = transaction(data, V08, "E2E-1")
    assert xp(tx, "string(p:DbtrAcct/p:Id/p:IBAN)") == "DE89370400440532013000"
    assert xp(tx, "string(p:DbtrAgt//p:BICFI)") == "COBADEFFXXX"


def test_empty_remittance_leaves_out_rmtinf():
    data = write([debit(remittance="🎾")])
    tx, xp = transaction(data, V08, "E2E-1")
    assert xp(tx, "p:RmtInf") == []
    validate_bytes(data, V08)


# --- refusals --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("totals", "message"),
    [
        ({"block_count": 3}, "payment block PMT-1: announced 3 transaction"),
        ({"block_sum": 2001}, "payment block PMT-1: announced 2 transaction.* for 20.01"),
        ({"file_count": 1}, "message MSG-1: announced 1 transaction"),
        ({"file_sum": 1999}, "message MSG-1: .* for 19.99, wrote 2 for 20.00"),
    ],
)
def test_mismatched_totals_are_refused(totals, message):
    with pytest.raises(ValueError, match=message):
        write([debit(1), debit(2)], **totals)


def test_block_totals_are_checked_when_the_file_totals_agree():
    """Two blocks that err in opposite directions: the file total is right, a block is not."""
    first = PaymentBlock("PMT-1", "FRST", date(2026, 12, 4), 1, 1500)
    second = PaymentBlock("PMT-2", "RCUR", date(2026, 12, 4), 1, 500)
    header = MessageHeader("MSG-1", CREATED_AT, 2, 2000)
    with pytest.raises(ValueError, match="PMT-1"):
        write_pain008(
            io.BytesIO(), header, CREDITOR, [(first, [debit(1, 1000)]), (second, [debit(2, 1000)])]
        )


def test_empty_block_and_empty_message_are_refused():
    block = PaymentBlock("PMT-1", "RCUR", date(2026, 12, 4), 0, 0)
    header = MessageHeader("MSG-1", CREATED_AT, 0, 0)
    with pytest.raises(ValueError, match="no transaction"):
        write_pain008(io.BytesIO(), header, CREDITOR, [(block, [])])
    with pytest.raises(ValueError, match="at least one payment block"):
        write_pain008(io.BytesIO(), header, CREDITOR, [])


def test_unknown_version_is_refused():
    with pytest.raises(ValueError, match=r"pain\.008\.001\.99"):
        write([debit()], version="pain.008.001.99")


@pytest.mark.parametrize("cents", [0, -100, 100_000_000_000])
def test_amount_out_of_range_is_refused(cents):
    with pytest.raises(InvalidInput, match="E2E-1: amount"):
        write([debit(cents=cents)])


def test_name_with_nothing_left_is_refused():
    with pytest.raises(InvalidInput, match="E2E-1: debtor_name"):
        write([debit(debtor_name="🎾 🏓")])


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: PostalAddress("", "FR"), "town"),
        (lambda: PostalAddress("Lyon", "fr"), "country"),
        (lambda: PostalAddress("Lyon", "FRA"), "country"),
        (lambda: PostalAddress("Zürich", "CH", lines=("a", "b", "c")), "lines"),
        (lambda: Amendment(), "details"),
        (lambda: PaymentBlock("P", "RPRE", date(2026, 1, 1), 1, 1), "sequence_type"),
    ],
)
def test_value_objects_validate_when_built(build, field):
    with pytest.raises(InvalidInput) as caught:
        build()
    assert caught.value.field == field


# --- streaming -------------------------------------------------------------------------


def test_twenty_thousand_transactions_stream_and_validate(tmp_path):
    count, cents = 20_000, 1234
    path = tmp_path / "big.xml"
    with path.open("wb") as out:
        written_before_the_end: list[int] = []

        def debits():
            for number in range(count):
                if number == count // 2:
                    out.flush()
                    written_before_the_end.append(path.stat().st_size)
                yield debit(number, cents, debtor_name=f"Débiteur n° {number}")

        block = PaymentBlock("PMT-BIG", "RCUR", date(2026, 12, 4), count, count * cents)
        header = MessageHeader("MSG-BIG", CREATED_AT, count, count * cents)
        creditor = Party(
            "Club",
            "FR7630006000011234567890189",
            None,
            "FR72ZZZ123456",
            PostalAddress("Lyon", "FR"),
        )
        write_pain008(out, header, creditor, [(block, debits())])

    # half-way through the generator, the first half was already on disk: nothing buffered
    assert written_before_the_end[0] > 0.4 * path.stat().st_size
    validate_file(path, V08)
    ends = sum(1 for _ in etree.iterparse(str(path), tag="{*}EndToEndId"))
    assert ends == count


def test_collection_fixture_totals_match_its_debits():
    """Guard on the fixture itself: the golden files depend on it."""
    collection = make_collection()
    assert collection.header.transactions == 7
    assert collection.header.control_sum_cents == 55049


def test_doctests():
    result = doctest.testmod(pain008)
    assert result.attempted > 0
    assert result.failed == 0
