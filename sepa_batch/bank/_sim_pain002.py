"""The simulated bank's pain.002.001.10 (CustomerPaymentStatusReportV10): rejected debits.

Structure (element order of the ISO 20022 2019 XSD): ``GrpHdr`` → ``OrgnlGrpInfAndSts``
(group status ``PART``, or ``RJCT`` when every debit is refused) → one ``OrgnlPmtInfAndSts``
per block with rejects (``PART``, or ``RJCT`` when the whole block is refused) → one
``TxInfAndSts`` per debit with ``TxSts=RJCT``, the ISO reason code in ``StsRsnInf/Rsn/Cd`` and
the original transaction in ``OrgnlTxRef`` (amount, collection date, mandate, debtor).
"""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from sepa_batch.bank._sim_input import SubmittedBlock, SubmittedFile
from sepa_batch.bank._sim_model import Rejection
from sepa_batch.bank._sim_xml import MessageBuilder
from sepa_batch.money import format_amount

MESSAGE = "pain.002.001.10"


def build_pain002(
    file: SubmittedFile, rejections: tuple[Rejection, ...], *, msg_id: str, created: datetime
) -> bytes:
    """The status report for ``rejections`` (at least one) of ``file``."""
    xml = MessageBuilder(MESSAGE, "CstmrPmtStsRpt")
    header = xml.add(xml.root, "GrpHdr")
    xml.add(header, "MsgId", msg_id)
    xml.moment(header, "CreDtTm", created)
    _original_group(xml, file, rejections)
    for block in file.blocks:
        refused = tuple(r for r in rejections if r.block is block)
        if refused:
            _original_block(xml, block, refused)
    return xml.tobytes()


def _original_group(
    xml: MessageBuilder, file: SubmittedFile, rejections: tuple[Rejection, ...]
) -> None:
    group = xml.add(xml.root, "OrgnlGrpInfAndSts")
    xml.add(group, "OrgnlMsgId", file.msg_id)
    xml.add(group, "OrgnlMsgNmId", file.message_name)
    xml.moment(group, "OrgnlCreDtTm", file.created)
    xml.add(group, "OrgnlNbOfTxs", str(file.debit_count))
    xml.add(group, "OrgnlCtrlSum", format_amount(file.total))
    xml.add(group, "GrpSts", "RJCT" if len(rejections) == file.debit_count else "PART")
    _count(xml, group, rejections)


def _original_block(
    xml: MessageBuilder, block: SubmittedBlock, rejections: tuple[Rejection, ...]
) -> None:
    info = xml.add(xml.root, "OrgnlPmtInfAndSts")
    xml.add(info, "OrgnlPmtInfId", block.pmt_inf_id)
    xml.add(info, "OrgnlNbOfTxs", str(len(block.debits)))
    xml.add(info, "OrgnlCtrlSum", format_amount(block.control_sum))
    xml.add(info, "PmtInfSts", "RJCT" if len(rejections) == len(block.debits) else "PART")
    _count(xml, info, rejections)
    for rejection in rejections:
        _transaction(xml, info, rejection)


def _count(xml: MessageBuilder, parent: etree._Element, rejections: tuple[Rejection, ...]) -> None:
    detail = xml.add(parent, "NbOfTxsPerSts")
    xml.add(detail, "DtldNbOfTxs", str(len(rejections)))
    xml.add(detail, "DtldSts", "RJCT")
    xml.add(detail, "DtldCtrlSum", format_amount(sum(r.debit.amount for r in rejections)))


def _transaction(xml: MessageBuilder, parent: etree._Element, rejection: Rejection) -> None:
    debit, block = rejection.debit, rejection.block
    status = xml.add(parent, "TxInfAndSts")
    if debit.instruction_id:
        xml.add(status, "OrgnlInstrId", debit.instruction_id)
    xml.add(status, "OrgnlEndToEndId", debit.end_to_end_id)
    xml.add(status, "TxSts", "RJCT")
    reason = xml.add(status, "StsRsnInf")
    xml.add(reason, "Rsn/Cd", rejection.reason)
    xml.add(reason, "AddtlInf", rejection.reason_text)
    original = xml.add(status, "OrgnlTxRef")
    xml.amount(original, "Amt/InstdAmt", debit.amount, debit.currency)
    xml.day(original, "ReqdColltnDt", block.collection_date)
    if block.local_instrument or block.sequence_type:
        payment_type = xml.add(original, "PmtTpInf")
        if block.local_instrument:
            xml.add(payment_type, "LclInstrm/Cd", block.local_instrument)
        if block.sequence_type:
            xml.add(payment_type, "SeqTp", block.sequence_type)
    xml.add(original, "PmtMtd", "DD")
    xml.add(original, "MndtRltdInf/MndtId", debit.mandate_id)
    if debit.remittance:
        xml.add(original, "RmtInf/Ustrd", debit.remittance)
    xml.add(original, "Dbtr/Pty/Nm", debit.debtor_name)
    xml.add(original, "DbtrAcct/Id/IBAN", debit.debtor_iban)
    xml.add(original, "Cdtr/Pty/Nm", block.creditor_name)
    xml.add(original, "CdtrAcct/Id/IBAN", block.creditor_iban)
