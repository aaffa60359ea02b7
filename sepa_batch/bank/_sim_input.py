"""Read the pain.008 (001.02 or 001.08) that the simulated bank receives.

Elements are found by their LOCAL names, so either version (and a missing or odd namespace)
reads the same way. The XML parser never expands entities nor touches the network.
Only what the bank's answers need is kept: ids, amounts (integer cents), dates, mandate,
debtor and creditor account.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from lxml import etree

from sepa_batch.errors import InvalidInput, RefusedFile
from sepa_batch.money import parse_amount

_MESSAGE_NAME = re.compile(r"pain\.008\.001\.\d{2}")
_DEFAULT_MESSAGE = "pain.008.001.08"


@dataclass(frozen=True, slots=True)
class SubmittedDebit:
    """One ``DrctDbtTxInf``."""

    end_to_end_id: str
    instruction_id: str | None
    amount: int
    currency: str
    mandate_id: str
    debtor_name: str
    debtor_iban: str
    remittance: str | None


@dataclass(frozen=True, slots=True)
class SubmittedBlock:
    """One ``PmtInf``: a batch of debits for one creditor account and collection date."""

    pmt_inf_id: str
    collection_date: date
    local_instrument: str | None
    sequence_type: str | None
    creditor_name: str
    creditor_iban: str
    control_sum: int
    debits: tuple[SubmittedDebit, ...]


@dataclass(frozen=True, slots=True)
class SubmittedFile:
    """The ``GrpHdr`` facts plus every block, in file order."""

    msg_id: str
    message_name: str
    created: datetime
    blocks: tuple[SubmittedBlock, ...]

    @property
    def debit_count(self) -> int:
        return sum(len(block.debits) for block in self.blocks)

    @property
    def total(self) -> int:
        return sum(block.control_sum for block in self.blocks)


def read_pain008(data: bytes) -> SubmittedFile:
    """Parse a pain.008 document; raise ``RefusedFile`` or ``InvalidInput`` when unusable."""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True
    )
    try:
        document = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise RefusedFile(f"pain.008: not well-formed XML: {exc}") from exc
    initiation = _first(document, "CstmrDrctDbtInitn")
    if initiation is None:
        raise RefusedFile("pain.008: no CstmrDrctDbtInitn element: not a direct-debit initiation")
    header = _required(initiation, "GrpHdr", "GrpHdr")
    blocks = tuple(_block(el) for el in _children(initiation, "PmtInf"))
    if not any(block.debits for block in blocks):
        raise InvalidInput("pain.008", "PmtInf/DrctDbtTxInf", "no direct debit in the file")
    return SubmittedFile(
        msg_id=_text(header, "MsgId", "GrpHdr"),
        message_name=_message_name(document),
        created=_datetime(_text(header, "CreDtTm", "GrpHdr"), "GrpHdr"),
        blocks=tuple(block for block in blocks if block.debits),
    )


def _message_name(document: etree._Element) -> str:
    """``pain.008.001.08`` or ``.02`` from the namespace; guessed from BIC vs BICFI otherwise."""
    found = _MESSAGE_NAME.search(etree.QName(document).namespace or "")
    if found:
        return found.group(0)
    if any(_local(el) == "BIC" for el in document.iter()):
        return "pain.008.001.02"
    return _DEFAULT_MESSAGE


def _block(element: etree._Element) -> SubmittedBlock:
    pmt_inf_id = _text(element, "PmtInfId", "PmtInf")
    record = f"PmtInf {pmt_inf_id}"
    debits = tuple(_debit(el, record) for el in _children(element, "DrctDbtTxInf"))
    control = _optional_text(element, "CtrlSum")
    return SubmittedBlock(
        pmt_inf_id=pmt_inf_id,
        collection_date=_date(_text(element, "ReqdColltnDt", record), record),
        local_instrument=_optional_text(element, "PmtTpInf/LclInstrm/Cd"),
        sequence_type=_optional_text(element, "PmtTpInf/SeqTp"),
        creditor_name=_text(element, "Cdtr/Nm", record),
        creditor_iban=_text(element, "CdtrAcct/Id/IBAN", record),
        control_sum=(
            parse_amount(control, record=record, field="CtrlSum")
            if control is not None
            else sum(debit.amount for debit in debits)
        ),
        debits=debits,
    )


def _debit(element: etree._Element, block_record: str) -> SubmittedDebit:
    end_to_end_id = _text(element, "PmtId/EndToEndId", block_record)
    record = f"{block_record} EndToEndId {end_to_end_id}"
    amount = _required(element, "InstdAmt", record)
    return SubmittedDebit(
        end_to_end_id=end_to_end_id,
        instruction_id=_optional_text(element, "PmtId/InstrId"),
        amount=parse_amount(amount.text or "", record=record, field="InstdAmt"),
        currency=amount.get("Ccy", "EUR"),
        mandate_id=_text(element, "DrctDbtTx/MndtRltdInf/MndtId", record),
        debtor_name=_text(element, "Dbtr/Nm", record),
        debtor_iban=_text(element, "DbtrAcct/Id/IBAN", record),
        remittance=_optional_text(element, "RmtInf/Ustrd"),
    )


# -- local-name navigation ---------------------------------------------------------------


def _local(element: etree._Element) -> str | None:
    return etree.QName(element).localname if isinstance(element.tag, str) else None


def _children(parent: etree._Element, name: str) -> Iterator[etree._Element]:
    return (child for child in parent if _local(child) == name)


def _first(root: etree._Element, name: str) -> etree._Element | None:
    return next((el for el in root.iter() if _local(el) == name), None)


def _find(parent: etree._Element, path: str) -> etree._Element | None:
    element: etree._Element | None = parent
    for name in path.split("/"):
        element = next(_children(element, name), None)
        if element is None:
            return None
    return element


def _required(parent: etree._Element, path: str, record: str) -> etree._Element:
    element = _find(parent, path)
    if element is None:
        raise InvalidInput(record, path, "missing")
    return element


def _optional_text(parent: etree._Element, path: str) -> str | None:
    element = _find(parent, path)
    text = (element.text or "").strip() if element is not None else ""
    return text or None


def _text(parent: etree._Element, path: str, record: str) -> str:
    text = _optional_text(parent, path)
    if text is None:
        raise InvalidInput(record, path, "missing or empty")
    return text


def _date(text: str, record: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(record, "ReqdColltnDt", f"{text!r} is not a date") from exc


def _datetime(text: str, record: str) -> datetime:
    """The wall-clock time as written; an offset, if any, is dropped."""
    try:
        return datetime.fromisoformat(text).replace(tzinfo=None)
    except ValueError as exc:
        raise InvalidInput(record, "CreDtTm", f"{text!r} is not a date-time") from exc
