"""pain.002 — Customer Payment Status Report (ISO 20022 ``CstmrPmtStsRpt``).

Read for pain.002.001.03, pain.002.001.10 and bank variants (pain.002.002.03, the Swiss
pain.002.001.03.ch.02, ...): the same element names, read by local name.

The report gives a status at three levels (EPC SDD Core implementation guidelines):

- ``OrgnlGrpInfAndSts/GrpSts``  — the whole file (level ``file``, ids: OrgnlMsgId);
- ``OrgnlPmtInfAndSts/PmtInfSts`` — one PmtInf block (level ``batch``, id: OrgnlPmtInfId);
- ``TxInfAndSts/TxSts``         — one transaction (level ``transaction``, id: OrgnlEndToEndId).

``RJCT`` gives a ``reject`` item with the reason of ``StsRsnInf`` (``Rsn/Cd``, else
``Rsn/Prtry``). The accepting statuses ACCP, ACTC, ACSC, ACSP, ACWC give an ``accepted`` item at
the level where they appear. Every other status is ignored on purpose: PART (partly accepted:
its rejected part is itemised at the lower levels, its accepted remainder is not), PDNG
(pending: a later report will settle it), RCVD, and statuses of other schemes such as the
verification-of-payee RVMC / RVNM. A ``TxInfAndSts`` without ``TxSts`` is covered by its
block's status and gives no item of its own.
"""

from __future__ import annotations

from sepa_batch.returns.records import ParsedFile, ReturnItem, identifier, unique_references
from sepa_batch.returns.xmlsafe import Element, all_at, amount, child, children, text, texts

MESSAGE = "CstmrPmtStsRpt"
REJECTED = "RJCT"
ACCEPTED = frozenset({"ACCP", "ACTC", "ACSC", "ACSP", "ACWC"})


def _kind(status: str | None) -> str | None:
    if status == REJECTED:
        return "reject"
    if status in ACCEPTED:
        return "accepted"
    return None


def _reason(holder: Element) -> tuple[str | None, str | None]:
    """(code, text) from the ``StsRsnInf`` blocks of ``holder``: first code, all AddtlInf."""
    blocks = children(holder, "StsRsnInf")
    codes = [text(b, "Rsn", "Cd") or text(b, "Rsn", "Prtry") for b in blocks]
    code = next((c for c in codes if c), None)
    notes = [note for b in blocks for note in texts(b, "AddtlInf")]
    return code, (" ".join(notes) or None)


def _status_item(
    element: Element, status: str, level: str, original_msg_id: str | None
) -> ReturnItem | None:
    """The item of a file-level (``GrpSts``) or batch-level (``PmtInfSts``) status."""
    kind = _kind(text(element, status))
    if kind is None:
        return None
    pmtinf_id = text(element, "OrgnlPmtInfId") if level == "batch" else None
    code, note = _reason(element)
    return ReturnItem(
        kind=kind,
        level=level,
        end_to_end_id=None,
        original_message_id=original_msg_id,
        original_payment_information_id=pmtinf_id,
        mandate_id=None,
        amount_cents=None,
        currency=None,
        reason_code=code,
        reason_text=note,
        booking_date=None,
        charges_cents=None,
        references=unique_references([pmtinf_id, original_msg_id]),
    )


def _charges(tx: Element, source: str) -> int | None:
    """``ChrgsInf/Amt`` (pain.002.001.10) summed, or None when the bank reports none."""
    found = all_at(tx, "ChrgsInf", "Amt")
    return sum(amount(a, source=source)[0] for a in found) if found else None


def _transaction_item(
    tx: Element, pmtinf_id: str | None, original_msg_id: str | None, source: str
) -> ReturnItem | None:
    kind = _kind(text(tx, "TxSts"))
    if kind is None:
        return None
    ref = child(tx, "OrgnlTxRef")
    instructed = child(ref, "Amt", "InstdAmt")
    cents, currency = amount(instructed, source=source) if instructed is not None else (None, None)
    end_to_end = identifier(text(tx, "OrgnlEndToEndId"))
    code, note = _reason(tx)
    return ReturnItem(
        kind=kind,
        level="transaction",
        end_to_end_id=end_to_end,
        original_message_id=original_msg_id,
        original_payment_information_id=pmtinf_id,
        mandate_id=text(ref, "MndtRltdInf", "MndtId"),
        amount_cents=cents,
        currency=currency,
        reason_code=code,
        reason_text=note,
        booking_date=None,
        charges_cents=_charges(tx, source),
        references=unique_references(
            [
                end_to_end,
                text(tx, "OrgnlInstrId"),
                text(tx, "StsId"),
                text(tx, "AcctSvcrRef"),
                pmtinf_id,
                original_msg_id,
            ]
        ),
    )


def parse(message: Element, *, format: str, source: str) -> ParsedFile:
    """Items of a ``CstmrPmtStsRpt`` element, in document order (file, batch, transactions)."""
    group = child(message, "OrgnlGrpInfAndSts")
    original_msg_id = text(group, "OrgnlMsgId")
    items: list[ReturnItem] = []
    if group is not None and (item := _status_item(group, "GrpSts", "file", original_msg_id)):
        items.append(item)
    for block in children(message, "OrgnlPmtInfAndSts"):
        if item := _status_item(block, "PmtInfSts", "batch", original_msg_id):
            items.append(item)
        pmtinf_id = text(block, "OrgnlPmtInfId")
        for tx in children(block, "TxInfAndSts"):
            if item := _transaction_item(tx, pmtinf_id, original_msg_id, source):
                items.append(item)
    return ParsedFile(
        format=format, message_id=text(message, "GrpHdr", "MsgId"), items=tuple(items)
    )
