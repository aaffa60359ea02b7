"""The configuration as values: frozen dataclasses, one per section, and ``Config``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sepa_batch.domain.model import Mode
from sepa_batch.domain.policy import PolicyTable


@dataclass(frozen=True, slots=True)
class Address:
    street: str | None
    building_number: str | None
    postcode: str | None
    town: str
    country: str


@dataclass(frozen=True, slots=True)
class Creditor:
    name: str
    iban: str
    bic: str | None
    creditor_id: str
    address: Address


@dataclass(frozen=True, slots=True)
class BankProfile:
    pain008_version: str
    want_frst: bool
    cutoff_business_days: int
    max_transactions_per_file: int
    message_prefix: str


@dataclass(frozen=True, slots=True)
class Folders:
    data: Path
    outbox: Path
    inbox: Path
    archive: Path
    failed: Path
    notices: Path
    exports: Path

    def create(self) -> None:
        for name in self.__slots__:
            getattr(self, name).mkdir(parents=True, exist_ok=True)


@dataclass(frozen=True, slots=True)
class DunningLevel:
    level: int
    days: int
    title: str
    fee_article: str | None


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """``[smtp]``: where notices are sent. The password is never here: ``password_env`` names
    the environment variable that holds it, read only when sending."""

    host: str
    port: int
    security: str  # starttls | ssl | none
    user: str | None
    password_env: str | None
    sender: str
    reply_to: str | None
    max_per_minute: int


@dataclass(frozen=True, slots=True)
class Config:
    source: str
    #: None only when loaded for a command that never uses the creditor (``load(...,
    #: creditor=False)``: its identifiers are not checked, so schwifty is not imported).
    creditor: Creditor | None
    bank: BankProfile
    collection_day: int
    pre_notification_days: int
    mandate_void_months: int
    folders: Folders
    database_url: str
    max_return_file_bytes: int
    match_window_days: int
    fee_article: str | None
    default_mode: Mode
    policy: PolicyTable
    dunning_language: str
    dunning_sender: str
    dunning_levels: tuple[DunningLevel, ...]
    accounts: dict[str, str]
    scheduler: dict[str, Any]
    #: The language of the labels of generated lines (``sepa_batch.labels``): fr or en.
    language: str = "fr"
    smtp: SmtpSettings | None = None  # None: notices stay files
    web_language: str = "fr"
    timezone: str = "Europe/Paris"  # the club's: "today" for every command and job
