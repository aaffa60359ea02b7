"""Account entries (``Ntry``, ReportEntry2) shared by the simulated camt.053 and camt.054 (.001.02).

Two kinds, in the element order of the camt.05x.001.02 XSDs:

* the credit of a collected block — ``CRDT``, bank transaction code PMNT/RDDT/ESDD (B2B:
  BBDD), ``NtryDtls/Btch`` with the original MsgId, PmtInfId, count and total, then one
  ``TxDtls`` per debit that was not rejected;
* a return — ``DBIT``, PMNT/IDDT/UPDD, one ``TxDtls`` with the references of the original
  debit (``Refs``: MsgId, PmtInfId, InstrId, EndToEndId, MndtId — TransactionReferences2
  allows MndtId in .02), ``AmtDtls/InstdAmt`` = the collected amount, ``Chrgs`` = the bank
  charge (the entry amount is their sum), the debtor, the original settlement date and
  ``RtrInf/Rsn/Cd``.
"""

from __future__ import annotations

from datetime import date

from lxml import etree

from sepa_batch.bank._sim_input import SubmittedBlock, SubmittedDebit, SubmittedFile
from sepa_batch.bank._sim_model import Return, settled_on
from sepa_batch.bank._sim_xml import MessageBuilder
from sepa_batch.money import format_amount


def add_credit_entry(
    xml: MessageBuilder,
    parent: etree._Element,
    file: SubmittedFile,
    block: SubmittedBlock,
    debits: tuple[SubmittedDebit, ...],
    reference: str,
) -> None:
    """The lump-sum credit of ``block`` for its ``debits`` that were not rejected."""
    total = sum(debit.amount for debit in debits)
    currency = debits[0].currency
    day = settled_on(block)
    entry = _entry_head(xml, parent, total, currency, "CRDT", day, reference)
    sub_family = "BBDD" if block.local_instrument == "B2B" else "ESDD"
    _bank_code(xml, entry, "RDDT", sub_family)
    details = xml.add(entry, "NtryDtls")
    batch = xml.add(details, "Btch")
    xml.add(batch, "MsgId", file.msg_id)
    xml.add(batch, "PmtInfId", block.pmt_inf_id)
    xml.add(batch, "NbOfTxs", str(len(debits)))
    xml.amount(batch, "TtlAmt", total, currency)
    xml.add(batch, "CdtDbtInd", "CRDT")
    for debit in debits:
        transaction = xml.add(details, "TxDtls")
        _references(xml, transaction, file, block, debit)
        xml.amount(transaction, "AmtDtls/InstdAmt/Amt", debit.amount, debit.currency)
        _debtor(xml, transaction, block, debit)
    xml.add(entry, "AddtlNtryInf", f"SEPA direct debit collection {block.pmt_inf_id}")


def add_return_entry(
    xml: MessageBuilder,
    parent: etree._Element,
    file: SubmittedFile,
    returned: Return,
    reference: str,
) -> None:
    """The debit of one returned collection, plus the bank's charge when there is one."""
    debit, block = returned.debit, returned.block
    day = returned.booked
    entry = _entry_head(xml, parent, returned.amount, debit.currency, "DBIT", day, reference)
    _bank_code(xml, entry, "IDDT", "UPDD")
    transaction = xml.add(entry, "NtryDtls/TxDtls")
    _references(xml, transaction, file, block, debit)
    xml.amount(transaction, "AmtDtls/InstdAmt/Amt", debit.amount, debit.currency)
    if returned.charge:
        charges = xml.add(transaction, "Chrgs")
        xml.amount(charges, "Amt", returned.charge, debit.currency)
        xml.add(charges, "CdtDbtInd", "DBIT")
    _debtor(xml, transaction, block, debit)
    if debit.remittance:
        xml.add(transaction, "RmtInf/Ustrd", debit.remittance)
    xml.day(transaction, "RltdDts/IntrBkSttlmDt", settled_on(block))
    reason = xml.add(transaction, "RtrInf")
    xml.add(reason, "Rsn/Cd", returned.reason)
    xml.add(reason, "AddtlInf", returned.reason_text)
    xml.add(
        entry,
        "AddtlNtryInf",
        f"SEPA direct debit return {returned.reason} {debit.end_to_end_id}"
        + (f" charge {format_amount(returned.charge)}" if returned.charge else ""),
    )


def _entry_head(
    xml: MessageBuilder,
    parent: etree._Element,
    cents: int,
    currency: str,
    direction: str,
    day: date,
    reference: str,
) -> etree._Element:
    entry = xml.add(parent, "Ntry")
    xml.amount(entry, "Amt", cents, currency)
    xml.add(entry, "CdtDbtInd", direction)
    xml.add(entry, "Sts", "BOOK")
    xml.day(entry, "BookgDt/Dt", day)
    xml.day(entry, "ValDt/Dt", day)
    xml.add(entry, "AcctSvcrRef", reference)
    return entry


def _bank_code(xml: MessageBuilder, entry: etree._Element, family: str, sub_family: str) -> None:
    domain = xml.add(entry, "BkTxCd/Domn")
    xml.add(domain, "Cd", "PMNT")
    kind = xml.add(domain, "Fmly")
    xml.add(kind, "Cd", family)
    xml.add(kind, "SubFmlyCd", sub_family)


def _references(
    xml: MessageBuilder,
    transaction: etree._Element,
    file: SubmittedFile,
    block: SubmittedBlock,
    debit: SubmittedDebit,
) -> None:
    refs = xml.add(transaction, "Refs")
    xml.add(refs, "MsgId", file.msg_id)
    xml.add(refs, "PmtInfId", block.pmt_inf_id)
    if debit.instruction_id:
        xml.add(refs, "InstrId", debit.instruction_id)
    xml.add(refs, "EndToEndId", debit.end_to_end_id)
    xml.add(refs, "MndtId", debit.mandate_id)


def _debtor(
    xml: MessageBuilder, transaction: etree._Element, block: SubmittedBlock, debit: SubmittedDebit
) -> None:
    parties = xml.add(transaction, "RltdPties")
    xml.add(parties, "Dbtr/Nm", debit.debtor_name)
    xml.add(parties, "DbtrAcct/Id/IBAN", debit.debtor_iban)
    xml.add(parties, "Cdtr/Nm", block.creditor_name)
