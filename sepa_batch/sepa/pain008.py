"""Streaming writer for the SEPA Direct Debit initiation, ISO 20022 pain.008.

Writes ``pain.008.001.08`` (ISO 20022 version 2019, used by the 2025 SDD Core rulebook
implementation guidelines; the default) or ``pain.008.001.02`` (the 2009 version, still
accepted by many banks) with ``lxml.etree.xmlfile``: transactions are written as they come
from the caller's iterable, so memory does not grow with the size of the file.

The totals (NbOfTxs, CtrlSum) of the file and of every payment block must be known before
their transactions are written; the caller gives them (from SQL aggregates) and the writer
counts what it actually wrote and raises ``ValueError`` on any mismatch, so a file whose
totals lie is never left looking finished.

Every text goes through :mod:`sepa_batch.sepa.charset` and is cut to the SEPA maximum
(names 70, Ustrd 140, AdrLine 70, TwnNm 35, identifiers 35). Addresses:

- .08: structured elements (StrtNm, BldgNb, PstCd, TwnNm, Ctry) plus at most two AdrLine,
  i.e. a fully structured or a hybrid address (EPC guidance on addresses, from Nov 2026);
- .02: the EPC implementation guidelines for .02 restrict PstlAdr to Ctry and two
  AdrLine (the ISO XSD shipped with sepaxml would accept more, EPC-restricted ones do
  not), so the structured parts are folded into two lines, the town always in them.

The output is byte-deterministic: UTF-8, XML declaration, two-space indentation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import BinaryIO

from lxml import etree

from sepa_batch.errors import InvalidInput
from sepa_batch.money import format_amount
from sepa_batch.sepa.charset import to_sepa_id, to_sepa_text

DEFAULT_VERSION = "pain.008.001.08"
SEQUENCE_TYPES = frozenset({"FRST", "RCUR", "OOFF", "FNAL"})
MAX_AMOUNT_CENTS = 99_999_999_999  # 999 999 999.99 EUR, the EPC maximum for AT-06
_COUNTRY = re.compile(r"[A-Z]{2}")


@dataclass(frozen=True, slots=True)
class PostalAddress:
    """A structured or hybrid postal address: town and country always, two free lines at most."""

    town: str
    country: str  # ISO 3166 alpha-2
    street: str | None = None
    building_number: str | None = None
    postcode: str | None = None
    lines: tuple[str, ...] = ()  # at most two free AdrLine of 70 (hybrid address)

    def __post_init__(self) -> None:
        if not self.town or not self.town.strip():
            raise InvalidInput("address", "town", "the town is required")
        if not _COUNTRY.fullmatch(self.country or ""):
            raise InvalidInput("address", "country", f"{self.country!r} is not like FR or CH")
        if len(self.lines) > 2:
            raise InvalidInput("address", "lines", f"{len(self.lines)} free lines, at most 2")


@dataclass(frozen=True, slots=True)
class Party:
    """The creditor."""

    name: str
    iban: str
    bic: str | None
    creditor_id: str
    address: PostalAddress


@dataclass(frozen=True, slots=True)
class Amendment:
    """Mandate amendment details carried by the next collection (AmdmntInd=true)."""

    original_mandate_id: str | None = None  # OrgnlMndtId (reference changed)
    original_iban: str | None = None  # OrgnlDbtrAcct/Id/IBAN (IBAN changed, same bank)
    new_bank: bool = False  # OrgnlDbtrAgt/FinInstnId/Othr/Id = SMNDA (changed bank)

    def __post_init__(self) -> None:
        if not (self.original_mandate_id or self.original_iban or self.new_bank):
            raise InvalidInput("amendment", "details", "an amendment must say what changed")


@dataclass(frozen=True, slots=True)
class DirectDebit:
    """One collection (DrctDbtTxInf)."""

    end_to_end_id: str
    amount_cents: int
    mandate_id: str
    mandate_signed_on: date
    debtor_name: str
    debtor_iban: str
    debtor_bic: str | None
    remittance: str  # Ustrd, 140 max
    debtor_address: PostalAddress | None = None  # written only when given
    amendment: Amendment | None = None


@dataclass(frozen=True, slots=True)
class PaymentBlock:
    """One PmtInf: one sequence type and one requested collection date."""

    payment_information_id: str
    sequence_type: str  # FRST | RCUR | OOFF | FNAL
    collection_date: date
    transactions: int
    control_sum_cents: int

    def __post_init__(self) -> None:
        if self.sequence_type not in SEQUENCE_TYPES:
            raise InvalidInput(
                self.payment_information_id, "sequence_type", f"{self.sequence_type!r} unknown"
            )


@dataclass(frozen=True, slots=True)
class MessageHeader:
    """The group header: message id, creation time and the file's totals."""

    message_id: str
    created_at: datetime
    transactions: int
    control_sum_cents: int


@dataclass(frozen=True, slots=True)
class _Flavour:
    namespace: str
    bic_tag: str
    structured_address: bool


_FLAVOURS = {
    "pain.008.001.08": _Flavour("urn:iso:std:iso:20022:tech:xsd:pain.008.001.08", "BICFI", True),
    "pain.008.001.02": _Flavour("urn:iso:std:iso:20022:tech:xsd:pain.008.001.02", "BIC", False),
}


def write_pain008(
    out: BinaryIO,
    header: MessageHeader,
    creditor: Party,
    blocks: Iterable[tuple[PaymentBlock, Iterable[DirectDebit]]],
    *,
    version: str = DEFAULT_VERSION,
) -> None:
    """Write one pain.008 message to ``out``, streaming the transactions of every block.

    Raises ValueError when a block or the file does not hold the number of transactions or
    the control sum announced, InvalidInput when a text has nothing left in the SEPA set.
    The output is incomplete or wrong whenever this raises: the caller discards it.
    """
    if version not in _FLAVOURS:
        raise ValueError(f"unsupported pain.008 version {version!r}, use one of {list(_FLAVOURS)}")
    flavour = _FLAVOURS[version]
    file_count = file_sum = 0
    with etree.xmlfile(out, encoding="UTF-8") as xf:
        xf.write_declaration()
        x = _Indented(xf, f"{{{flavour.namespace}}}")
        with x.node("Document", nsmap={None: flavour.namespace}), x.node("CstmrDrctDbtInitn"):
            _group_header(x, header, creditor)
            for block, debits in blocks:
                count, total = _payment_block(x, flavour, creditor, block, debits)
                what = f"payment block {block.payment_information_id}"
                if count == 0:
                    raise ValueError(f"{what} has no transaction")
                _check_totals(what, block, count, total)
                file_count += count
                file_sum += total
            if file_count == 0:
                raise ValueError("a pain.008 message needs at least one payment block")
    out.write(b"\n")
    _check_totals(f"message {header.message_id}", header, file_count, file_sum)


def _check_totals(what: str, announced, count: int, total: int) -> None:
    if (announced.transactions, announced.control_sum_cents) != (count, total):
        raise ValueError(
            f"{what}: announced {announced.transactions} transaction(s) for "
            f"{format_amount(announced.control_sum_cents)}, wrote {count} for "
            f"{format_amount(total)}"
        )


class _Indented:
    """Thin wrapper over ``lxml.etree.xmlfile`` that indents by two spaces per level."""

    def __init__(self, xf, prefix: str):
        self._xf = xf
        self._prefix = prefix
        self._depth = 0

    @contextmanager
    def node(self, tag: str, **kwargs) -> Iterator[None]:
        self._newline()
        with self._xf.element(self._prefix + tag, **kwargs):
            self._depth += 1
            yield
            self._depth -= 1
            self._xf.write("\n" + "  " * self._depth)

    def leaf(self, tag: str, text: str, **attrib: str) -> None:
        self._newline()
        with self._xf.element(self._prefix + tag, attrib):
            self._xf.write(text)

    def _newline(self) -> None:
        if self._depth:
            self._xf.write("\n" + "  " * self._depth)


def _text(value: str, max_len: int, record: str, field: str) -> str:
    cleaned = to_sepa_text(value or "", max_len)
    if not cleaned:
        raise InvalidInput(record, field, f"{value!r}: nothing left in the SEPA character set")
    return cleaned


def _group_header(x: _Indented, header: MessageHeader, creditor: Party) -> None:
    with x.node("GrpHdr"):
        x.leaf("MsgId", to_sepa_id(header.message_id, field="message_id"))
        x.leaf("CreDtTm", header.created_at.isoformat(timespec="seconds"))
        x.leaf("NbOfTxs", str(header.transactions))
        x.leaf("CtrlSum", format_amount(header.control_sum_cents))
        with x.node("InitgPty"):
            x.leaf("Nm", _text(creditor.name, 70, "creditor", "name"))


def _payment_block(
    x: _Indented,
    flavour: _Flavour,
    creditor: Party,
    block: PaymentBlock,
    debits: Iterable[DirectDebit],
) -> tuple[int, int]:
    """Write one PmtInf; return the number and the sum of the transactions written."""
    count = total = 0
    with x.node("PmtInf"):
        x.leaf("PmtInfId", to_sepa_id(block.payment_information_id, field="payment_information_id"))
        x.leaf("PmtMtd", "DD")
        x.leaf("BtchBookg", "true")
        x.leaf("NbOfTxs", str(block.transactions))
        x.leaf("CtrlSum", format_amount(block.control_sum_cents))
        with x.node("PmtTpInf"):
            with x.node("SvcLvl"):
                x.leaf("Cd", "SEPA")
            with x.node("LclInstrm"):
                x.leaf("Cd", "CORE")
            x.leaf("SeqTp", block.sequence_type)
        x.leaf("ReqdColltnDt", block.collection_date.isoformat())
        with x.node("Cdtr"):
            x.leaf("Nm", _text(creditor.name, 70, "creditor", "name"))
            _address(x, flavour, creditor.address, "creditor")
        _account(x, "CdtrAcct", creditor.iban)
        _agent(x, flavour, "CdtrAgt", creditor.bic)
        x.leaf("ChrgBr", "SLEV")
        with x.node("CdtrSchmeId"), x.node("Id"), x.node("PrvtId"), x.node("Othr"):
            x.leaf("Id", to_sepa_id(creditor.creditor_id, field="creditor_id"))
            with x.node("SchmeNm"):
                x.leaf("Prtry", "SEPA")
        for debit in debits:
            _transaction(x, flavour, debit)
            count += 1
            total += debit.amount_cents
    return count, total


def _transaction(x: _Indented, flavour: _Flavour, debit: DirectDebit) -> None:
    end_to_end_id = to_sepa_id(debit.end_to_end_id, field="end_to_end_id")
    if not 0 < debit.amount_cents <= MAX_AMOUNT_CENTS:
        raise InvalidInput(end_to_end_id, "amount", f"{debit.amount_cents} cents out of range")
    with x.node("DrctDbtTxInf"):
        with x.node("PmtId"):
            x.leaf("InstrId", end_to_end_id)
            x.leaf("EndToEndId", end_to_end_id)
        x.leaf("InstdAmt", format_amount(debit.amount_cents), Ccy="EUR")
        with x.node("DrctDbtTx"), x.node("MndtRltdInf"):
            x.leaf("MndtId", to_sepa_id(debit.mandate_id, field="mandate_id"))
            x.leaf("DtOfSgntr", debit.mandate_signed_on.isoformat())
            x.leaf("AmdmntInd", "true" if debit.amendment else "false")
            if debit.amendment:
                _amendment(x, flavour, debit.amendment)
        _agent(x, flavour, "DbtrAgt", debit.debtor_bic)
        with x.node("Dbtr"):
            x.leaf("Nm", _text(debit.debtor_name, 70, end_to_end_id, "debtor_name"))
            if debit.debtor_address is not None:
                _address(x, flavour, debit.debtor_address, end_to_end_id)
        _account(x, "DbtrAcct", debit.debtor_iban)
        remittance = to_sepa_text(debit.remittance or "", 140)
        if remittance:
            with x.node("RmtInf"):
                x.leaf("Ustrd", remittance)


def _amendment(x: _Indented, flavour: _Flavour, amendment: Amendment) -> None:
    """AmdmntInfDtls, in the XSD's order: OrgnlMndtId, OrgnlDbtrAcct, OrgnlDbtrAgt."""
    with x.node("AmdmntInfDtls"):
        if amendment.original_mandate_id:
            x.leaf("OrgnlMndtId", to_sepa_id(amendment.original_mandate_id, field="mandate_id"))
        if amendment.original_iban:
            _account(x, "OrgnlDbtrAcct", amendment.original_iban)
        if amendment.new_bank:
            with x.node("OrgnlDbtrAgt"), x.node("FinInstnId"), x.node("Othr"):
                x.leaf("Id", "SMNDA")


def _account(x: _Indented, tag: str, iban: str) -> None:
    with x.node(tag), x.node("Id"):
        x.leaf("IBAN", _compact(iban))


def _agent(x: _Indented, flavour: _Flavour, tag: str, bic: str | None) -> None:
    """A bank by its BIC, or ``Othr/Id NOTPROVIDED`` when the BIC is not known (EPC IG)."""
    with x.node(tag), x.node("FinInstnId"):
        if bic:
            x.leaf(flavour.bic_tag, _compact(bic))
        else:
            with x.node("Othr"):
                x.leaf("Id", "NOTPROVIDED")


def _compact(code: str) -> str:
    return "".join(code.split()).upper()


def _address(x: _Indented, flavour: _Flavour, address: PostalAddress, record: str) -> None:
    with x.node("PstlAdr"):
        if flavour.structured_address:
            _structured_address(x, address, record)
        else:
            x.leaf("Ctry", address.country)
            for line in _address_lines(address):
                x.leaf("AdrLine", line)


def _structured_address(x: _Indented, address: PostalAddress, record: str) -> None:
    """PostalAddress24 order: StrtNm, BldgNb, PstCd, TwnNm, Ctry, AdrLine."""
    for tag, value, max_len in (
        ("StrtNm", address.street, 70),
        ("BldgNb", address.building_number, 16),
        ("PstCd", address.postcode, 16),
    ):
        text = to_sepa_text(value or "", max_len)
        if text:
            x.leaf(tag, text)
    x.leaf("TwnNm", _text(address.town, 35, record, "town"))
    x.leaf("Ctry", address.country)
    for line in address.lines:
        text = to_sepa_text(line, 70)
        if text:
            x.leaf("AdrLine", text)


def _address_lines(address: PostalAddress) -> list[str]:
    """The two AdrLine of a .02 address: street and free lines, then postcode and town.

    >>> _address_lines(PostalAddress("Zürich", "CH", "Bahnhofstrasse", "12", "8001"))
    ['Bahnhofstrasse 12', '8001 Zurich']
    """
    street = " ".join(p for p in (address.street, address.building_number) if p)
    first = ", ".join(p for p in (street, *address.lines) if p and p.strip())
    town = " ".join(p for p in (address.postcode, address.town) if p)
    lines = [to_sepa_text(first, 70), to_sepa_text(town, 70)]
    return [line for line in lines if line]
