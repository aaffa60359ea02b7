"""Streaming writer for the SEPA Direct Debit initiation, ISO 20022 pain.008.

Writes ``pain.008.001.08`` (ISO 20022 version 2019, used by the 2025 SDD Core rulebook
implementation guidelines; the default) or ``pain.008.001.02`` (the 2009 version, still
accepted by many banks). The XML text is built with plain string formatting (every text
escaped) and written in chunks of transactions as they come from the caller's iterable, so
memory does not grow with the size of the file; the bytes are those ``lxml.etree.xmlfile``
wrote before (golden files).

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
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import BinaryIO
from xml.sax.saxutils import escape, quoteattr

from sepa_batch.errors import InvalidInput
from sepa_batch.money import format_amount
from sepa_batch.sepa.charset import to_sepa_id, to_sepa_text
from sepa_batch.sepa.debits import (
    SEQUENCE_TYPES,
    Amendment,
    DirectDebit,
    MessageHeader,
    Party,
    PaymentBlock,
    PostalAddress,
)

#: The writer's input types (``sepa.debits``), named where the writer is used.
__all__ = [
    "DEFAULT_VERSION",
    "MAX_AMOUNT_CENTS",
    "SEQUENCE_TYPES",
    "Amendment",
    "DirectDebit",
    "MessageHeader",
    "Party",
    "PaymentBlock",
    "PostalAddress",
    "write_pain008",
]

DEFAULT_VERSION = "pain.008.001.08"
MAX_AMOUNT_CENTS = 99_999_999_999  # 999 999 999.99 EUR, the EPC maximum for AT-06


@dataclass(frozen=True, slots=True)
class _Flavour:
    namespace: str
    bic_tag: str
    structured_address: bool


_FLAVOURS = {
    "pain.008.001.08": _Flavour("urn:iso:std:iso:20022:tech:xsd:pain.008.001.08", "BICFI", True),
    "pain.008.001.02": _Flavour("urn:iso:std:iso:20022:tech:xsd:pain.008.001.02", "BIC", False),
}


_DECLARATION = "<?xml version='1.0' encoding='UTF-8'?>\n"
_FLUSH_EVERY = 512  # transactions per out.write(): bounded memory, few calls
# XML 1.0 Char: what lxml refuses is refused here too (IBAN and BIC are not charset-cleaned).
_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_PAD = tuple("  " * depth for depth in range(12))


def write_pain008(
    out: BinaryIO,
    header: MessageHeader,
    creditor: Party,
    blocks: Iterable[tuple[PaymentBlock, Iterable[DirectDebit]]],
    *,
    version: str = DEFAULT_VERSION,
) -> None:
    """Write one pain.008 message to ``out``, streaming the transactions of every block.

    The XML text is built by string formatting (every text escaped) and written to ``out``
    in chunks of ``_FLUSH_EVERY`` transactions, so memory does not grow with the file.

    Raises ValueError when a block or the file does not hold the number of transactions or
    the control sum announced, InvalidInput when a text has nothing left in the SEPA set.
    The output is incomplete or wrong whenever this raises: the caller discards it.
    """
    if version not in _FLAVOURS:
        raise ValueError(f"unsupported pain.008 version {version!r}, use one of {list(_FLAVOURS)}")
    flavour = _FLAVOURS[version]
    file_count = file_sum = 0
    out.write(
        f"{_DECLARATION}<Document xmlns={quoteattr(flavour.namespace)}>\n"
        f"  <CstmrDrctDbtInitn>\n{_group_header(header, creditor)}".encode()
    )
    for block, debits in blocks:
        count, total = _payment_block(out, flavour, creditor, block, debits)
        what = f"payment block {block.payment_information_id}"
        if count == 0:
            raise ValueError(f"{what} has no transaction")
        _check_totals(what, block, count, total)
        file_count += count
        file_sum += total
    if file_count == 0:
        raise ValueError("a pain.008 message needs at least one payment block")
    out.write(b"  </CstmrDrctDbtInitn>\n</Document>\n")
    _check_totals(f"message {header.message_id}", header, file_count, file_sum)


def _check_totals(what: str, announced, count: int, total: int) -> None:
    if (announced.transactions, announced.control_sum_cents) != (count, total):
        raise ValueError(
            f"{what}: announced {announced.transactions} transaction(s) for "
            f"{format_amount(announced.control_sum_cents)}, wrote {count} for "
            f"{format_amount(total)}"
        )


def _leaf(depth: int, tag: str, text: str) -> str:
    """One element with its (escaped) text, on its own line."""
    return f"{_PAD[depth]}<{tag}>{escape(text)}</{tag}>\n"


def _open(depth: int, *tags: str) -> str:
    """Opening tags of nested elements, the first at ``depth``."""
    return "".join(f"{_PAD[depth + i]}<{tag}>\n" for i, tag in enumerate(tags))


def _close(depth: int, *tags: str) -> str:
    """Closing tags of nested elements named outermost first (as to ``_open``)."""
    return "".join(f"{_PAD[depth + i]}</{tag}>\n" for i, tag in reversed(list(enumerate(tags))))


def _text(value: str, max_len: int, record: str, field: str) -> str:
    cleaned = to_sepa_text(value or "", max_len)
    if not cleaned:
        raise InvalidInput(record, field, f"{value!r}: nothing left in the SEPA character set")
    return cleaned


def _group_header(header: MessageHeader, creditor: Party) -> str:
    return "".join(
        (
            _open(2, "GrpHdr"),
            _leaf(3, "MsgId", to_sepa_id(header.message_id, field="message_id")),
            _leaf(3, "CreDtTm", header.created_at.isoformat(timespec="seconds")),
            _leaf(3, "NbOfTxs", str(header.transactions)),
            _leaf(3, "CtrlSum", format_amount(header.control_sum_cents)),
            _open(3, "InitgPty"),
            _leaf(4, "Nm", _text(creditor.name, 70, "creditor", "name")),
            _close(2, "GrpHdr", "InitgPty"),
        )
    )


def _payment_block(
    out: BinaryIO,
    flavour: _Flavour,
    creditor: Party,
    block: PaymentBlock,
    debits: Iterable[DirectDebit],
) -> tuple[int, int]:
    """Write one PmtInf; return the number and the sum of the transactions written."""
    count = total = 0
    out.write(_block_head(flavour, creditor, block).encode())
    chunk: list[str] = []
    for debit in debits:
        chunk.append(_transaction(flavour, debit))
        count += 1
        total += debit.amount_cents
        if len(chunk) >= _FLUSH_EVERY:
            out.write("".join(chunk).encode())
            chunk.clear()
    chunk.append(_close(2, "PmtInf"))
    out.write("".join(chunk).encode())
    return count, total


_PMTINF_ID = "payment_information_id"


def _block_head(flavour: _Flavour, creditor: Party, block: PaymentBlock) -> str:
    """PmtInf up to its first transaction."""
    return "".join(
        (
            _open(2, "PmtInf"),
            _leaf(3, "PmtInfId", to_sepa_id(block.payment_information_id, field=_PMTINF_ID)),
            _leaf(3, "PmtMtd", "DD"),
            _leaf(3, "BtchBookg", "true"),
            _leaf(3, "NbOfTxs", str(block.transactions)),
            _leaf(3, "CtrlSum", format_amount(block.control_sum_cents)),
            _open(3, "PmtTpInf", "SvcLvl"),
            _leaf(5, "Cd", "SEPA"),
            _close(4, "SvcLvl"),
            _open(4, "LclInstrm"),
            _leaf(5, "Cd", "CORE"),
            _close(4, "LclInstrm"),
            _leaf(4, "SeqTp", block.sequence_type),
            _close(3, "PmtTpInf"),
            _leaf(3, "ReqdColltnDt", block.collection_date.isoformat()),
            _open(3, "Cdtr"),
            _leaf(4, "Nm", _text(creditor.name, 70, "creditor", "name")),
            _address(4, flavour, creditor.address, "creditor"),
            _close(3, "Cdtr"),
            _account(3, "CdtrAcct", creditor.iban),
            _agent(3, flavour, "CdtrAgt", creditor.bic),
            _leaf(3, "ChrgBr", "SLEV"),
            _open(3, "CdtrSchmeId", "Id", "PrvtId", "Othr"),
            _leaf(7, "Id", to_sepa_id(creditor.creditor_id, field="creditor_id")),
            _open(7, "SchmeNm"),
            _leaf(8, "Prtry", "SEPA"),
            _close(3, "CdtrSchmeId", "Id", "PrvtId", "Othr", "SchmeNm"),
        )
    )


_AMOUNT_OPEN = f"        <InstdAmt Ccy={quoteattr('EUR')}>"


def _transaction(flavour: _Flavour, debit: DirectDebit) -> str:
    """One DrctDbtTxInf (depth 3) as text."""
    end_to_end_id = to_sepa_id(debit.end_to_end_id, field="end_to_end_id")
    if not 0 < debit.amount_cents <= MAX_AMOUNT_CENTS:
        raise InvalidInput(end_to_end_id, "amount", f"{debit.amount_cents} cents out of range")
    e2e = escape(end_to_end_id)
    mandate_id = escape(to_sepa_id(debit.mandate_id, field="mandate_id"))
    amendment = _amendment(flavour, debit.amendment) if debit.amendment else ""
    name = escape(_text(debit.debtor_name, 70, end_to_end_id, "debtor_name"))
    address = debit.debtor_address
    address = "" if address is None else _address(5, flavour, address, end_to_end_id)
    remittance = _remittance(debit.remittance or "")
    return (
        "      <DrctDbtTxInf>\n"
        "        <PmtId>\n"
        f"          <InstrId>{e2e}</InstrId>\n"
        f"          <EndToEndId>{e2e}</EndToEndId>\n"
        "        </PmtId>\n"
        f"{_AMOUNT_OPEN}{escape(format_amount(debit.amount_cents))}</InstdAmt>\n"
        "        <DrctDbtTx>\n"
        "          <MndtRltdInf>\n"
        f"            <MndtId>{mandate_id}</MndtId>\n"
        f"            <DtOfSgntr>{debit.mandate_signed_on.isoformat()}</DtOfSgntr>\n"
        f"            <AmdmntInd>{'true' if debit.amendment else 'false'}</AmdmntInd>\n"
        f"{amendment}"
        "          </MndtRltdInf>\n"
        "        </DrctDbtTx>\n"
        f"{_agent(4, flavour, 'DbtrAgt', debit.debtor_bic)}"
        "        <Dbtr>\n"
        f"          <Nm>{name}</Nm>\n"
        f"{address}"
        "        </Dbtr>\n"
        f"{_account(4, 'DbtrAcct', debit.debtor_iban)}"
        f"{remittance}"
        "      </DrctDbtTxInf>\n"
    )


@lru_cache(maxsize=1024)
def _remittance(text: str) -> str:
    """RmtInf/Ustrd at depth 4, or nothing when no SEPA character is left (cached: repeated)."""
    remittance = to_sepa_text(text, 140)
    if not remittance:
        return ""
    return f"        <RmtInf>\n          <Ustrd>{escape(remittance)}</Ustrd>\n        </RmtInf>\n"


def _amendment(flavour: _Flavour, amendment: Amendment) -> str:
    """AmdmntInfDtls (depth 6), in the XSD's order: OrgnlMndtId, OrgnlDbtrAcct, OrgnlDbtrAgt."""
    parts = [_open(6, "AmdmntInfDtls")]
    if amendment.original_mandate_id:
        mandate_id = to_sepa_id(amendment.original_mandate_id, field="mandate_id")
        parts.append(_leaf(7, "OrgnlMndtId", mandate_id))
    if amendment.original_iban:
        parts.append(_account(7, "OrgnlDbtrAcct", amendment.original_iban))
    if amendment.new_bank:
        parts.append(_open(7, "OrgnlDbtrAgt", "FinInstnId", "Othr"))
        parts.append(_leaf(10, "Id", "SMNDA"))
        parts.append(_close(7, "OrgnlDbtrAgt", "FinInstnId", "Othr"))
    parts.append(_close(6, "AmdmntInfDtls"))
    return "".join(parts)


def _account(depth: int, tag: str, iban: str) -> str:
    pad, inner = _PAD[depth], _PAD[depth + 1]
    iban = escape(_compact(iban))
    return f"{pad}<{tag}>\n{inner}<Id>\n{inner}  <IBAN>{iban}</IBAN>\n{inner}</Id>\n{pad}</{tag}>\n"


@lru_cache(maxsize=4096)
def _agent(depth: int, flavour: _Flavour, tag: str, bic: str | None) -> str:
    """A bank by its BIC, or ``Othr/Id NOTPROVIDED`` when the BIC is not known (EPC IG).

    Cached: the same few banks come back in every file.
    """
    if bic:
        inner = _leaf(depth + 2, flavour.bic_tag, _compact(bic))
    else:
        inner = f"{_open(depth + 2, 'Othr')}{_leaf(depth + 3, 'Id', 'NOTPROVIDED')}"
        inner += _close(depth + 2, "Othr")
    return f"{_open(depth, tag, 'FinInstnId')}{inner}{_close(depth, tag, 'FinInstnId')}"


def _compact(code: str) -> str:
    """The code without any white space, upper case; refused like lxml refuses it when not XML."""
    compact = "".join(code.split()).upper()
    if _NOT_XML_CHAR.search(compact):
        raise ValueError(
            "All strings must be XML compatible: Unicode or ASCII, no NULL bytes or control "
            "characters"
        )
    return compact


def _address(depth: int, flavour: _Flavour, address: PostalAddress, record: str) -> str:
    inner = depth + 1
    if flavour.structured_address:
        parts = _structured_address(inner, address, record)
    else:
        parts = [_leaf(inner, "Ctry", address.country)]
        parts += [_leaf(inner, "AdrLine", line) for line in _address_lines(address)]
    return f"{_open(depth, 'PstlAdr')}{''.join(parts)}{_close(depth, 'PstlAdr')}"


def _structured_address(depth: int, address: PostalAddress, record: str) -> list[str]:
    """PostalAddress24 order: StrtNm, BldgNb, PstCd, TwnNm, Ctry, AdrLine."""
    parts = []
    for tag, value, max_len in (
        ("StrtNm", address.street, 70),
        ("BldgNb", address.building_number, 16),
        ("PstCd", address.postcode, 16),
    ):
        text = to_sepa_text(value or "", max_len)
        if text:
            parts.append(_leaf(depth, tag, text))
    parts.append(_leaf(depth, "TwnNm", _text(address.town, 35, record, "town")))
    parts.append(_leaf(depth, "Ctry", address.country))
    for line in address.lines:
        text = to_sepa_text(line, 70)
        if text:
            parts.append(_leaf(depth, "AdrLine", text))
    return parts


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
