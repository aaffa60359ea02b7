"""The classification rules of the camt and pain.002 readers, one small document per rule."""

from __future__ import annotations

import doctest

import pytest

from sepa_batch.returns import parse, parse_bytes, records, xmlsafe
from sepa_batch.returns.records import ReturnItem

CAMT054 = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"


def _camt(entries: str, *, namespace: str = CAMT054, message: str = "BkToCstmrDbtCdtNtfctn",
          container: str = "Ntfctn") -> bytes:  # fmt: skip
    return (
        f'<Document xmlns="{namespace}"><{message}><GrpHdr><MsgId>M</MsgId></GrpHdr>'
        f"<{container}><Acct><Id><IBAN>FR7630004008210001234567849</IBAN></Id></Acct>"
        f"{entries}</{container}></{message}></Document>"
    ).encode()


def _entry(direction: str = "DBIT", *, amount: str = "50.00", status: str = "<Cd>BOOK</Cd>",
           reversal: str = "", txs: str = "", extra: str = "") -> str:  # fmt: skip
    return (
        f'<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{direction}</CdtDbtInd>{reversal}'
        f"<Sts>{status}</Sts><BookgDt><Dt>2026-12-10</Dt></BookgDt>{extra}"
        f"<NtryDtls>{txs}</NtryDtls></Ntry>"
    )


def _tx(*, e2e: str = "E2E-1", reason: str | None = None, body: str = "") -> str:
    returned = f"<RtrInf><Rsn><Cd>{reason}</Cd></Rsn></RtrInf>" if reason else ""
    return f"<TxDtls><Refs><EndToEndId>{e2e}</EndToEndId></Refs>{body}{returned}</TxDtls>"


def _items(entries: str, **kwargs) -> tuple[ReturnItem, ...]:
    return parse_bytes(_camt(entries, **kwargs)).items


def _kinds(entries: str, **kwargs) -> list[str]:
    return [item.kind for item in _items(entries, **kwargs)]


@pytest.mark.parametrize(
    ("entries", "kinds"),
    [
        # a debit with return information: a return...
        (_entry(txs=_tx(reason="AM04")), ["return"]),
        # ...or a refund when the debtor's refund right is the reason
        (_entry(txs=_tx(reason="MD06")), ["refund"]),
        (_entry(txs=_tx(reason="MD01")), ["refund"]),
        # the bank transaction code plays no part; RvslInd with RtrInf is still a return
        (_entry(reversal="<RvslInd>true</RvslInd>", txs=_tx(reason="AC04")), ["return"]),
        # a reversed debit without return information: the creditor's own reversal
        (_entry(reversal="<RvslInd>true</RvslInd>", txs=_tx()), ["reversal"]),
        (_entry(reversal="<RvslInd>true</RvslInd>"), ["reversal"]),  # no TxDtls at all
        # plain debits (fees, transfers) are no items; RvslInd=false is not a reversal
        (_entry(txs=_tx()), []),
        (_entry(reversal="<RvslInd>false</RvslInd>", txs=_tx()), []),
        # a batched entry: one item per TxDtls that carries RtrInf
        (_entry(txs=_tx(e2e="A", reason="AM04") + _tx(e2e="B") + _tx(e2e="C", reason="MD06")),
         ["return", "refund"]),
        # a credit: one per entry whatever the number of transactions
        (_entry("CRDT", txs=_tx(e2e="A") + _tx(e2e="B")), ["credit"]),
        # a reversed credit or a credit with RtrInf is an own payment coming back: nothing
        (_entry("CRDT", reversal="<RvslInd>true</RvslInd>", txs=_tx()), []),
        (_entry("CRDT", txs=_tx(reason="AC01")), []),
        # only booked entries count; .02 writes the status as text
        (_entry(status="<Cd>PDNG</Cd>", txs=_tx(reason="AM04")), []),
        (_entry(status="<Cd>INFO</Cd>", txs=_tx(reason="AM04")), []),
        (_entry(status="BOOK", txs=_tx(reason="AM04")), ["return"]),
        (_entry(status="PDNG", txs=_tx(reason="AM04")), []),
        # an unknown direction is no item
        (_entry("XXXX", txs=_tx(reason="AM04")), []),
    ],
)  # fmt: skip
def test_entry_classification(entries: str, kinds: list[str]) -> None:
    assert _kinds(entries) == kinds


def test_direction_taken_from_transactions_when_the_entry_has_none() -> None:
    entry = (
        "<Ntry><Sts><Cd>BOOK</Cd></Sts>"
        "<NtryDtls>"
        '<TxDtls><Amt Ccy="CHF">10.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></TxDtls>'
        '<TxDtls><Amt Ccy="CHF">2.53</Amt><CdtDbtInd>CRDT</CdtDbtInd></TxDtls>'
        "</NtryDtls></Ntry>"
    )
    (credit,) = _items(entry)
    assert (credit.kind, credit.amount_cents, credit.currency) == ("credit", 1253, "CHF")


@pytest.mark.parametrize(
    ("entry_amount", "tx_body", "entry_extra", "amount", "charges"),
    [
        # the instructed amount wins over everything else
        ("53.00", '<AmtDtls><InstdAmt><Amt Ccy="EUR">50.00</Amt></InstdAmt>'
                  '<TxAmt><Amt Ccy="EUR">53.00</Amt></TxAmt></AmtDtls>'
                  '<Chrgs><Rcrd><Amt Ccy="EUR">3.00</Amt></Rcrd></Chrgs>', "", 5000, 300),
        # a transaction amount is taken as is unless the charge is flagged as included
        ("53.00", '<Amt Ccy="EUR">50.00</Amt>'
                  '<Chrgs><Rcrd><Amt Ccy="EUR">3.00</Amt></Rcrd></Chrgs>', "", 5000, 300),
        ("53.00", '<Amt Ccy="EUR">53.00</Amt>'
                  '<Chrgs><Rcrd><Amt Ccy="EUR">3.00</Amt><ChrgInclInd>true</ChrgInclInd>'
                  "</Rcrd></Chrgs>", "", 5000, 300),
        # .02 style: AmtDtls/TxAmt and Chrgs/Amt, two charges summed
        ("50.00", '<AmtDtls><TxAmt><Amt Ccy="EUR">50.00</Amt></TxAmt></AmtDtls>'
                  '<Chrgs><Amt Ccy="EUR">1.00</Amt></Chrgs>'
                  '<Chrgs><Amt Ccy="EUR">0.50</Amt></Chrgs>', "", 5000, 150),
        # no transaction amount: the booked entry amount less the charges
        ("53.00", "", '<Chrgs><Amt Ccy="EUR">3.00</Amt></Chrgs>', 5000, 300),
        ("53.00", '<Chrgs><TtlChrgsAndTaxAmt Ccy="EUR">3.00</TtlChrgsAndTaxAmt></Chrgs>', "",
         5000, 300),
        # no charges at all
        ("49.90", "", "", 4990, None),
    ],
    ids=["instructed", "tx-amount", "included", "v02-two-charges", "entry-charge", "total-only",
         "no-charge"],
)  # fmt: skip
def test_original_amount_and_charges(
    entry_amount: str, tx_body: str, entry_extra: str, amount: int, charges: int | None
) -> None:
    entry = _entry(amount=entry_amount, extra=entry_extra, txs=_tx(reason="AM04", body=tx_body))
    (item,) = _items(entry)
    assert (item.amount_cents, item.charges_cents) == (amount, charges)


def test_batched_entry_amount_is_not_spread_over_transactions_without_amount() -> None:
    (first, second) = _items(_entry(amount="80.00", txs=_tx(reason="AM04") + _tx(reason="AC04")))
    assert first.amount_cents is None and second.amount_cents is None


def test_references_ids_and_placeholders() -> None:
    tx = (
        "<TxDtls><Refs><MsgId>MSG-1</MsgId><AcctSvcrRef>BANK-9</AcctSvcrRef>"
        "<PmtInfId>PMT-1</PmtInfId><InstrId>NOTPROVIDED</InstrId>"
        "<EndToEndId>NOTPROVIDED</EndToEndId><MndtId>RUM-1</MndtId></Refs>"
        "<RmtInf><Ustrd>Cotisation</Ustrd></RmtInf>"
        "<RtrInf><Rsn><Prtry>X99</Prtry></Rsn><AddtlInf>a</AddtlInf><AddtlInf>b</AddtlInf></RtrInf>"
        "<AddtlTxInf>more</AddtlTxInf></TxDtls>"
    )
    entry = _entry(txs=tx, extra="<AcctSvcrRef>ENTRY-7</AcctSvcrRef>")
    (item,) = _items(entry + "<AddtlNtfctnInf>ignored</AddtlNtfctnInf>")
    assert item.end_to_end_id is None  # the EPC placeholder is no reference
    assert (item.original_message_id, item.original_payment_information_id) == ("MSG-1", "PMT-1")
    assert item.mandate_id == "RUM-1"
    assert (item.reason_code, item.reason_text) == ("X99", "a b")  # Prtry kept when no Cd
    assert item.references == (
        "RUM-1", "PMT-1", "MSG-1", "BANK-9", "Cotisation", "more", "ENTRY-7",
    )  # fmt: skip
    assert item.account_iban == "FR7630004008210001234567849"


@pytest.mark.parametrize(
    ("namespace", "message", "container", "expected"),
    [
        ("urn:iso:std:iso:20022:tech:xsd:camt.053.001.04", "BkToCstmrStmt", "Stmt",
         "camt.053.001.04"),
        ("urn:iso:std:iso:20022:tech:xsd:camt.052.001.08", "BkToCstmrAcctRpt", "Rpt",
         "camt.052.001.08"),
        # a namespace naming another message gives no version
        ("urn:iso:std:iso:20022:tech:xsd:camt.054.001.02", "BkToCstmrStmt", "Stmt", "camt.053"),
        ("", "BkToCstmrDbtCdtNtfctn", "Ntfctn", "camt.054"),
    ],
)  # fmt: skip
def test_format_and_containers(namespace: str, message: str, container: str, expected: str) -> None:
    entries = _entry(txs=_tx(reason="AM04"))
    parsed = parse_bytes(_camt(entries, namespace=namespace, message=message, container=container))
    assert parsed.format == expected
    assert [i.kind for i in parsed.items] == ["return"]


def test_several_accounts_in_one_message() -> None:
    one = "<Ntfctn><Acct><Id><IBAN>FR76AAA</IBAN></Id></Acct>" + _entry("CRDT") + "</Ntfctn>"
    two = "<Ntfctn><Acct><Id><IBAN>FR76BBB</IBAN></Id></Acct>" + _entry("CRDT") + "</Ntfctn>"
    data = (
        f'<Document xmlns="{CAMT054}"><BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>M</MsgId></GrpHdr>'
        f"{one}{two}</BkToCstmrDbtCdtNtfctn></Document>"
    ).encode()
    assert [i.account_iban for i in parse_bytes(data).items] == ["FR76AAA", "FR76BBB"]


PAIN002 = "urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"


def _pain(group_status: str, pmtinf_status: str, tx_status: str) -> bytes:
    return (
        f'<Document xmlns="{PAIN002}"><CstmrPmtStsRpt><GrpHdr><MsgId>R</MsgId></GrpHdr>'
        f"<OrgnlGrpInfAndSts><OrgnlMsgId>F</OrgnlMsgId>{group_status}</OrgnlGrpInfAndSts>"
        f"<OrgnlPmtInfAndSts><OrgnlPmtInfId>B</OrgnlPmtInfId>{pmtinf_status}"
        f"<TxInfAndSts><OrgnlEndToEndId>E</OrgnlEndToEndId>{tx_status}</TxInfAndSts>"
        "</OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>"
    ).encode()


@pytest.mark.parametrize(
    ("group", "block", "tx", "expected"),
    [
        ("<GrpSts>RJCT</GrpSts>", "", "", [("reject", "file")]),
        ("<GrpSts>ACTC</GrpSts>", "", "", [("accepted", "file")]),
        ("", "<PmtInfSts>RJCT</PmtInfSts>", "", [("reject", "batch")]),
        ("", "<PmtInfSts>ACSC</PmtInfSts>", "", [("accepted", "batch")]),
        ("", "", "<TxSts>RJCT</TxSts>", [("reject", "transaction")]),
        ("", "", "<TxSts>ACWC</TxSts>", [("accepted", "transaction")]),
        # partly accepted: only the rejected part is itemised
        ("<GrpSts>PART</GrpSts>", "<PmtInfSts>PART</PmtInfSts>", "<TxSts>RJCT</TxSts>",
         [("reject", "transaction")]),
        # pending, received and verification-of-payee statuses are ignored
        ("<GrpSts>PDNG</GrpSts>", "<PmtInfSts>RCVD</PmtInfSts>", "<TxSts>RVNM</TxSts>", []),
        # a transaction without status is covered by its block's status
        ("", "<PmtInfSts>RJCT</PmtInfSts>", "", [("reject", "batch")]),
    ],
)  # fmt: skip
def test_pain002_statuses(group: str, block: str, tx: str, expected: list) -> None:
    items = parse_bytes(_pain(group, block, tx)).items
    assert [(i.kind, i.level) for i in items] == expected


def test_pain002_proprietary_reason_and_placeholder_end_to_end_id() -> None:
    tx = "<TxSts>RJCT</TxSts><StsRsnInf><Rsn><Prtry>BANK42</Prtry></Rsn></StsRsnInf>"
    data = _pain("", "", tx).replace(b"<OrgnlEndToEndId>E<", b"<OrgnlEndToEndId>NOTPROVIDED<")
    (item,) = parse_bytes(data).items
    assert (item.reason_code, item.end_to_end_id) == ("BANK42", None)
    assert (item.original_message_id, item.original_payment_information_id) == ("F", "B")


def test_message_element_without_document_wrapper_is_read() -> None:
    data = b"<CstmrPmtStsRpt><GrpHdr><MsgId>R</MsgId></GrpHdr></CstmrPmtStsRpt>"
    assert (parse_bytes(data).format, parse_bytes(data).message_id) == ("pain.002", "R")


def test_leading_white_space_and_bom_are_tolerated() -> None:
    data = _pain("<GrpSts>RJCT</GrpSts>", "", "")
    prefixed = b"\xef\xbb\xbf  \n" + b'<?xml version="1.0" encoding="UTF-8"?>' + data
    assert parse_bytes(prefixed).items == parse_bytes(data).items


def test_item_refuses_an_unknown_kind_or_level() -> None:
    fields = dict(end_to_end_id=None, original_message_id=None,
                  original_payment_information_id=None, mandate_id=None, amount_cents=None,
                  currency=None, reason_code=None, reason_text=None, booking_date=None,
                  charges_cents=None)  # fmt: skip
    with pytest.raises(ValueError, match="kind"):
        ReturnItem(kind="unpaid", level="file", **fields)
    with pytest.raises(ValueError, match="level"):
        ReturnItem(kind="reject", level="entry", **fields)


@pytest.mark.parametrize("module", [records, xmlsafe, parse], ids=lambda m: m.__name__)
def test_doctests(module) -> None:
    result = doctest.testmod(module)
    assert result.attempted > 0
    assert result.failed == 0
