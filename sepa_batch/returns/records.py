"""What a bank return file says, as immutable records, and its ``returns inspect`` JSON form.

A parsed file is a list of :class:`ReturnItem`: a reject (pain.002, before settlement), a
return or refund (camt ``RtrInf``, after settlement), a creditor-initiated reversal, a
credit of a collected batch, or an acceptance. Parsers only describe; the matcher and the
services decide what an item means for the ledger.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sepa_batch.money import format_amount

KINDS = ("reject", "return", "refund", "reversal", "credit", "accepted")
LEVELS = ("file", "batch", "transaction")

#: ISO 20022 reason codes that make a camt return a *refund* (debtor's right, SDD rulebook):
#: MD06 refund of an authorised debit (8 weeks), MD01 unauthorised / no mandate (13 months).
REFUND_REASONS = frozenset({"MD01", "MD06"})


@dataclass(frozen=True, slots=True)
class ReturnItem:
    """One thing the bank reports about our collections."""

    kind: str  # "reject" | "return" | "refund" | "reversal" | "credit" | "accepted"
    level: str  # "file" | "batch" | "transaction"
    end_to_end_id: str | None
    original_message_id: str | None
    original_payment_information_id: str | None
    mandate_id: str | None
    amount_cents: int | None  # the ORIGINAL collected amount, charges excluded
    currency: str | None
    reason_code: str | None  # ISO code (Rsn/Cd), or the proprietary one when no Cd
    reason_text: str | None  # AddtlInf joined, or None
    booking_date: date | None  # BookgDt (camt); None for pain.002
    charges_cents: int | None  # bank charges (Chrgs), kept apart
    references: tuple[str, ...] = ()  # every reference text seen, to find a credited batch
    account_iban: str | None = None  # the statement / notification account (camt)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown return item kind {self.kind!r}")
        if self.level not in LEVELS:
            raise ValueError(f"unknown return item level {self.level!r}")


@dataclass(frozen=True, slots=True)
class ParsedFile:
    """A whole bank file: its message format with version, its id, and its items."""

    format: str  # e.g. "camt.054.001.02", "pain.002.001.10", "pain.002.001.03.ch.02"
    message_id: str | None
    items: tuple[ReturnItem, ...]
    #: camt only: how many entries (``Ntry``) were read, and why those that gave no item
    #: gave none (reason, count), so that an empty answer can say why
    entries: int = 0
    ignored: tuple[tuple[str, int], ...] = ()


def _money(cents: int | None) -> str | None:
    return None if cents is None else format_amount(cents)


def inspect_item(item: ReturnItem) -> dict[str, Any]:
    """One item in the ``returns inspect --json`` shape (CLI.md), keys in documented order."""
    return {
        "kind": item.kind,
        "level": item.level,
        "end_to_end_id": item.end_to_end_id,
        "original_message_id": item.original_message_id,
        "original_payment_information_id": item.original_payment_information_id,
        "mandate_id": item.mandate_id,
        "amount": _money(item.amount_cents),
        "currency": item.currency,
        "reason_code": item.reason_code,
        "reason_text": item.reason_text,
        "booking_date": item.booking_date.isoformat() if item.booking_date else None,
        "charges": _money(item.charges_cents),
    }


def inspect_document(parsed: ParsedFile) -> dict[str, Any]:
    """The ``returns inspect --json`` document of CLI.md for a parsed file.

    >>> inspect_document(ParsedFile("camt.054.001.02", "M1", ()))
    {'format': 'camt.054.001.02', 'message_id': 'M1', 'items': []}
    """
    return {
        "format": parsed.format,
        "message_id": parsed.message_id,
        "items": [inspect_item(item) for item in parsed.items],
    }


def identifier(raw: str | None) -> str | None:
    """A reference as reported, or None for the EPC placeholder ``NOTPROVIDED``.

    >>> identifier("E2E-1"), identifier("NOTPROVIDED"), identifier(None)
    ('E2E-1', None, None)
    """
    if raw is None or raw.upper() == "NOTPROVIDED":
        return None
    return raw


def unique_references(values: list[str | None]) -> tuple[str, ...]:
    """Reference texts in order of appearance, without blanks, placeholders or repeats."""
    seen: dict[str, None] = {}
    for raw in values:
        ref = identifier(raw)
        if ref:
            seen.setdefault(ref, None)
    return tuple(seen)
