"""Tiny writers of the bank's answers for tests: a pain.002.001.10 status report and a
camt.054.001.02 debit notification, about files our collection wrote."""

from __future__ import annotations

from datetime import date

from sepa_batch.money import format_amount

PAIN002 = "urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"
CAMT054 = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"


def pain002(
    message_id: str,
    original_message_id: str,
    *,
    rejects=(),
    batch_rejects=(),
    file_reject: str | None = None,
) -> bytes:
    """rejects: (pmtinf, end-to-end id, amount cents, reason); batch_rejects: (pmtinf, reason)."""
    group_status = "RJCT" if file_reject else "PART"
    reason = f"<StsRsnInf><Rsn><Cd>{file_reject}</Cd></Rsn></StsRsnInf>" if file_reject else ""
    blocks = []
    for pmtinf, code in batch_rejects:
        blocks.append(
            f"<OrgnlPmtInfAndSts><OrgnlPmtInfId>{pmtinf}</OrgnlPmtInfId>"
            f"<PmtInfSts>RJCT</PmtInfSts><StsRsnInf><Rsn><Cd>{code}</Cd></Rsn>"
            "</StsRsnInf></OrgnlPmtInfAndSts>"
        )
    by_block: dict[str, list] = {}
    for pmtinf, e2e, amount, code in rejects:
        by_block.setdefault(pmtinf, []).append(
            f"<TxInfAndSts><OrgnlEndToEndId>{e2e}</OrgnlEndToEndId><TxSts>RJCT</TxSts>"
            f"<StsRsnInf><Rsn><Cd>{code}</Cd></Rsn></StsRsnInf><OrgnlTxRef>"
            f'<Amt><InstdAmt Ccy="EUR">{format_amount(amount)}</InstdAmt></Amt>'
            "</OrgnlTxRef></TxInfAndSts>"
        )
    for pmtinf, txs in by_block.items():
        blocks.append(
            f"<OrgnlPmtInfAndSts><OrgnlPmtInfId>{pmtinf}</OrgnlPmtInfId>"
            f"<PmtInfSts>PART</PmtInfSts>{''.join(txs)}</OrgnlPmtInfAndSts>"
        )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><Document xmlns="{PAIN002}"><CstmrPmtStsRpt>'
        f"<GrpHdr><MsgId>{message_id}</MsgId><CreDtTm>2010-08-04T08:00:00</CreDtTm></GrpHdr>"
        f"<OrgnlGrpInfAndSts><OrgnlMsgId>{original_message_id}</OrgnlMsgId>"
        f"<OrgnlMsgNmId>pain.008.001.08</OrgnlMsgNmId><GrpSts>{group_status}</GrpSts>{reason}"
        f"</OrgnlGrpInfAndSts>{''.join(blocks)}</CstmrPmtStsRpt></Document>"
    ).encode()


def camt054(
    message_id: str, account_iban: str, returns, booked: date, currency: str = "EUR"
) -> bytes:
    """returns: (end-to-end id, amount cents, reason, charge cents or 0), all in ``currency``."""
    entries = []
    for e2e, amount, code, charge in returns:
        charges = (
            f'<Chrgs><Amt Ccy="{currency}">{format_amount(charge)}</Amt></Chrgs>' if charge else ""
        )
        entries.append(
            f'<Ntry><Amt Ccy="{currency}">{format_amount(amount + charge)}</Amt>'
            f"<CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>{booked}</Dt></BookgDt>"
            f"<ValDt><Dt>{booked}</Dt></ValDt><BkTxCd/><NtryDtls><TxDtls><Refs>"
            f"<EndToEndId>{e2e}</EndToEndId></Refs><AmtDtls><InstdAmt>"
            f'<Amt Ccy="{currency}">{format_amount(amount)}</Amt></InstdAmt></AmtDtls>{charges}'
            f"<RtrInf><Rsn><Cd>{code}</Cd></Rsn></RtrInf></TxDtls></NtryDtls></Ntry>"
        )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><Document xmlns="{CAMT054}">'
        f"<BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>{message_id}</MsgId>"
        f"<CreDtTm>{booked}T07:00:00</CreDtTm></GrpHdr><Ntfctn><Id>N1</Id>"
        f"<CreDtTm>{booked}T07:00:00</CreDtTm><Acct><Id><IBAN>{account_iban}</IBAN></Id></Acct>"
        f"{''.join(entries)}</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>"
    ).encode()
