"""What a pain.008 carries: the creditor, the message header, the payment blocks and their
direct debits — checked when made, then written by :mod:`sepa_batch.sepa.pain008`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sepa_batch.errors import InvalidInput

SEQUENCE_TYPES = frozenset({"FRST", "RCUR", "OOFF", "FNAL"})
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
