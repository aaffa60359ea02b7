"""Configuration: a TOML file over built-in defaults, validated at load.

Where the file comes from (CLI.md): ``--config PATH``, else ``$SEPA_BATCH_CONFIG``, else
``./config/sepa_batch.toml`` if present, else the built-in defaults (a demo creditor), so a
fresh checkout runs with no set-up. ``$SEPA_BATCH_DATABASE_URL`` overrides the database URL.

Every error names the key: ``config creditor.iban: invalid IBAN checksum``.
"""

from __future__ import annotations

import copy
import difflib
import os
import re
import tomllib
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sepa_batch.domain.model import Mode
from sepa_batch.domain.policy import (
    Action,
    DateRule,
    MandateAction,
    PolicyTable,
    ReasonPolicy,
)
from sepa_batch.errors import InvalidInput
from sepa_batch.identifiers import Bic, CreditorId, Iban, InvalidIdentifier

PAIN008_VERSIONS = ("pain.008.001.08", "pain.008.001.02")

#: The built-in defaults; ``config/sepa_batch.example.toml`` says the same with comments
#: (a test keeps the two equal).
DEFAULTS: dict[str, Any] = {
    "creditor": {
        "name": "Club Sportif de Démonstration",
        "iban": "FR7630006000011234567890189",
        "bic": "AGRIFRPP",
        "creditor_id": "FR72ZZZ123456",
        "address": {
            "street": "Rue du Stade",
            "building_number": "12",
            "postcode": "69003",
            "town": "Lyon",
            "country": "FR",
        },
    },
    "bank": {
        "pain008_version": "pain.008.001.08",
        "want_frst": True,
        "cutoff_business_days": 1,
        "max_transactions_per_file": 50_000,
        "message_prefix": "SB",
    },
    "collection": {"day_of_month": 5, "pre_notification_days": 14, "mandate_void_months": 36},
    "folders": {
        "data": "var",
        "outbox": "var/outbox",
        "inbox": "var/inbox",
        "archive": "var/archive",
        "failed": "var/inbox/failed",
        "notices": "var/notices",
        "exports": "var/exports",
    },
    "database": {"url": ""},
    "club": {"language": "fr", "timezone": "Europe/Paris"},
    "returns": {"max_file_bytes": 50_000_000, "match_window_days": 90},
    "unpaid": {"fee_article": "FRAIS_REJET", "default_mode": "CHEQUE"},
    "dunning": {
        "language": "fr",
        "sender": "tresorerie@club.example",
        "levels": [
            {"level": 1, "days": 1, "title": "Rappel", "fee_article": ""},
            {"level": 2, "days": 15, "title": "Deuxième rappel", "fee_article": ""},
            {"level": 3, "days": 30, "title": "Mise en demeure", "fee_article": ""},
        ],
    },
    "accounts": {
        "customers": "411",
        "bank": "512",
        "services": "706",
        "fees": "7088",
        "bank_charges": "627",
        "journal_sales": "VE",
        "journal_bank": "BQ",
    },
    "scheduler": {
        "collection_cron": "0 6 1 * *",
        "inbox_poll_minutes": 15,
        "daily_cron": "30 5 * * *",
        "misfire_grace_hours": 12,
    },
    "web": {"language": "fr"},
    "policy": {
        "default": {
            "meaning": "unknown code: treated as a temporary failure",
            "action": "unpaid",
            "fee": True,
            "mode": "CHEQUE",
            "date": "today",
            "max_direct_debit_tries": 0,
            "mandate": "keep",
        },
        "rows": [
            {"codes": ["AM04", "MS03"], "meaning": "temporary (no funds, no reason given)",
             "action": "unpaid", "fee": True, "mode": "DIRECT_DEBIT", "date": "next_collection",
             "max_direct_debit_tries": 2, "mandate": "keep"},
            {"codes": ["MD06", "MS02", "AC06"], "meaning": "debtor disputes or blocked the debit",
             "action": "unpaid", "fee": True, "mode": "CHEQUE", "date": "today",
             "max_direct_debit_tries": 0, "mandate": "keep"},
            {"codes": ["AC04", "AC13", "AG01", "DNOR", "SL01", "RR04", "FRAD"],
             "meaning": "account dead or closed to debits", "action": "unpaid", "fee": True,
             "mode": "CHEQUE", "date": "today", "max_direct_debit_tries": 0,
             "mandate": "revoke"},
            {"codes": ["MD01", "MD07"], "meaning": "no valid mandate / debtor deceased",
             "action": "unpaid", "fee": False, "mode": "CHEQUE", "date": "today",
             "max_direct_debit_tries": 0, "mandate": "revoke"},
            {"codes": ["AC01", "RC01", "MD02", "RR01", "RR02"], "meaning": "debtor data wrong",
             "action": "unpaid", "fee": True, "mode": "CHEQUE", "date": "today",
             "max_direct_debit_tries": 0, "mandate": "flag"},
            {"codes": ["BE05", "FF01", "AG02", "CNOR", "RR03", "TECH"],
             "meaning": "creditor-side or technical", "action": "reschedule", "fee": False,
             "mode": "DIRECT_DEBIT", "date": "next_collection", "max_direct_debit_tries": 0,
             "mandate": "keep"},
            {"codes": ["AM05", "DUPL", "FOCR"], "meaning": "duplicate / cancelled",
             "action": "review", "fee": False, "mode": "CHEQUE", "date": "today",
             "max_direct_debit_tries": 0, "mandate": "keep"},
        ],
    },
}  # fmt: skip


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
    creditor: Creditor
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


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


class _Reader:
    """Typed access to the raw TOML tree; every error names the dotted key."""

    def __init__(self, source: str, raw: dict[str, Any]):
        self.source = source
        self.raw = raw

    def fail(self, key: str, reason: str) -> InvalidInput:
        return InvalidInput(f"config {self.source}", key, reason)

    def get(self, key: str, kind: type | tuple[type, ...], tree: dict | None = None) -> Any:
        node: Any = self.raw if tree is None else tree
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                raise self.fail(key, "missing")
            node = node[part]
        if (kind is int and isinstance(node, bool)) or not isinstance(node, kind):
            name = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
            raise self.fail(key, f"expected {name}, got {node!r}")
        return node

    def text(self, key: str, *, optional: bool = False) -> str | None:
        value = self.get(key, str).strip()
        if not value and not optional:
            raise self.fail(key, "must not be empty")
        return value or None

    def number(self, key: str, low: int, high: int) -> int:
        value = self.get(key, int)
        if not low <= value <= high:
            raise self.fail(key, f"must be between {low} and {high}, got {value}")
        return value

    def choice(self, key: str, enum: type, tree: dict | None = None, label: str | None = None):
        value = self.get(key, str, tree)
        try:  # any case: "cheque" is CHEQUE, "KEEP" is keep
            return next(m for m in enum if m.value.lower() == value.strip().lower())
        except StopIteration:
            allowed = ", ".join(member.value for member in enum)
            raise self.fail(label or key, f"{value!r} is not one of {allowed}") from None


def _creditor(r: _Reader) -> Creditor:
    def identifier(kind, key: str, optional: bool = False) -> str | None:
        value = r.text(key, optional=optional)
        if value is None:
            return None
        try:
            return str(kind(value))
        except InvalidIdentifier as exc:
            raise r.fail(key, str(exc)) from None

    iban = identifier(Iban, "creditor.iban")
    bic = identifier(Bic, "creditor.bic", optional=True)
    creditor_id = identifier(CreditorId, "creditor.creditor_id")
    country = r.text("creditor.address.country").upper()
    if len(country) != 2 or not country.isalpha():
        raise r.fail("creditor.address.country", f"{country!r} is not an ISO country code")
    return Creditor(
        name=r.text("creditor.name"),
        iban=iban,
        bic=bic,
        creditor_id=creditor_id,
        address=Address(
            street=r.text("creditor.address.street", optional=True),
            building_number=r.text("creditor.address.building_number", optional=True),
            postcode=r.text("creditor.address.postcode", optional=True),
            town=r.text("creditor.address.town"),
            country=country,
        ),
    )


def _policy_row(r: _Reader, tree: dict, label: str, codes: tuple[str, ...]) -> ReasonPolicy:
    def sub(key: str) -> str:
        return f"{label}.{key}"

    fee = r.get("fee", bool, tree)
    tries = r.get("max_direct_debit_tries", int, tree)
    if tries < 0:
        raise r.fail(sub("max_direct_debit_tries"), "must be 0 or more")
    return ReasonPolicy(
        codes=codes,
        meaning=str(tree.get("meaning", "")),
        action=r.choice("action", Action, tree, sub("action")),
        fee=fee,
        mode=r.choice("mode", Mode, tree, sub("mode")),
        date_rule=r.choice("date", DateRule, tree, sub("date")),
        max_direct_debit_tries=tries,
        mandate=r.choice("mandate", MandateAction, tree, sub("mandate")),
    )


def _policy(r: _Reader) -> PolicyTable:
    rows = r.get("policy.rows", list)
    seen: dict[str, int] = {}
    parsed = []
    for index, tree in enumerate(rows):
        label = f"policy.rows[{index}]"
        if not isinstance(tree, dict):
            raise r.fail(label, "must be a table")
        codes = tuple(code.upper() for code in r.get("codes", list, tree))
        for code in codes:
            if code in seen:
                raise r.fail(f"{label}.codes", f"{code} is already in policy.rows[{seen[code]}]")
            seen[code] = index
        parsed.append(_policy_row(r, tree, label, codes))
    default = _policy_row(r, r.get("policy.default", dict), "policy.default", ())
    return PolicyTable(rows=tuple(parsed), default=default)


def _levels(r: _Reader) -> tuple[DunningLevel, ...]:
    levels = []
    for index, tree in enumerate(r.get("dunning.levels", list)):
        label = f"dunning.levels[{index}]"
        days = r.get("days", int, tree)
        if days < 0:
            raise r.fail(f"{label}.days", "must be 0 or more")
        levels.append(
            DunningLevel(
                level=r.get("level", int, tree),
                days=days,
                title=r.get("title", str, tree),
                fee_article=(tree.get("fee_article") or None),
            )
        )
    numbers = [level.level for level in levels]
    if numbers != sorted(set(numbers)):
        raise r.fail("dunning.levels", "levels must be numbered in increasing order, once each")
    return tuple(levels)


def _folders(r: _Reader, base: Path) -> Folders:
    def path(key: str) -> Path:
        value = Path(r.text(f"folders.{key}"))
        return value if value.is_absolute() else base / value

    return Folders(**{key: path(key) for key in Folders.__slots__})


def _relative_sqlite(url: str, base: Path) -> str:
    """An SQLite file named by a relative path in the config file lives under ``base`` (like
    the relative folders), wherever the command is run from."""
    if not url.startswith("sqlite:///") or url.startswith("sqlite:////"):
        return url
    path, _, query = url[len("sqlite:///") :].partition("?")
    if not path or path == ":memory:" or path.startswith("file:") or Path(path).is_absolute():
        return url
    return f"sqlite:///{(base / path).as_posix()}" + (f"?{query}" if query else "")


SMTP_KEYS = (
    "host",
    "port",
    "security",
    "user",
    "password_env",
    "sender",
    "reply_to",
    "max_per_minute",
)
SMTP_SECURITY = {"starttls": 587, "ssl": 465, "none": 25}


def _smtp(r: _Reader) -> SmtpSettings | None:
    """``[smtp]`` if present: exactly the keys of ``SMTP_KEYS``; ``port`` defaults from
    ``security`` (587 starttls, 465 ssl, 25 none)."""
    if "smtp" not in r.raw:
        return None
    tree = r.get("smtp", dict)
    for key in tree:
        if key not in SMTP_KEYS:
            raise r.fail(f"smtp.{key}", f"unknown key (the keys are {', '.join(SMTP_KEYS)})")

    def text(key: str, *, optional: bool = True) -> str | None:
        if key not in tree:
            if optional:
                return None
            raise r.fail(f"smtp.{key}", "missing")
        return r.text(f"smtp.{key}", optional=optional)

    security = text("security") or "starttls"
    if security not in SMTP_SECURITY:
        raise r.fail("smtp.security", f"{security!r} is not one of starttls, ssl, none")
    port = r.number("smtp.port", 1, 65535) if "port" in tree else SMTP_SECURITY[security]
    per_minute = r.number("smtp.max_per_minute", 1, 100_000) if "max_per_minute" in tree else 30
    user = text("user")
    password_env = text("password_env")
    if password_env and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", password_env):
        raise r.fail(
            "smtp.password_env",
            "must be the NAME of an environment variable holding the password "
            "(letters, digits, underscores), not the password itself",
        )
    if user and not password_env:
        raise r.fail("smtp.password_env", "missing (required when smtp.user is set)")
    addresses = {}
    for key in ("sender", "reply_to"):
        value = text(key, optional=key != "sender")
        if value is not None and "@" not in parseaddr(value)[1]:
            raise r.fail(f"smtp.{key}", f"{value!r} is not an e-mail address")
        addresses[key] = value
    host = text("host", optional=False)
    if any(c.isspace() for c in host):
        raise r.fail("smtp.host", f"{host!r} is not a host name")
    return SmtpSettings(
        host=host,
        port=port,
        security=security,
        user=user,
        password_env=password_env,
        sender=addresses["sender"],
        reply_to=addresses["reply_to"],
        max_per_minute=per_minute,
    )


def build(raw: dict[str, Any], *, source: str, base: Path) -> Config:
    """Validate a merged configuration tree; relative folders are taken from ``base``."""
    r = _Reader(source, raw)
    folders = _folders(r, base)
    version = r.text("bank.pain008_version")
    if version not in PAIN008_VERSIONS:
        raise r.fail("bank.pain008_version", f"{version!r} is not one of {PAIN008_VERSIONS}")
    url = os.environ.get("SEPA_BATCH_DATABASE_URL")
    if not url:
        url = _relative_sqlite(r.get("database.url", str).strip(), base)
    if not url:
        url = f"sqlite:///{folders.data / 'sepa_batch.db'}"
    language = _language(r, "dunning.language")
    prefix = r.text("bank.message_prefix")
    if not (prefix.isalnum() and len(prefix) <= 8):
        raise r.fail("bank.message_prefix", "must be 1 to 8 letters or digits")
    accounts = r.get("accounts", dict)
    for key in DEFAULTS["accounts"]:
        r.text(f"accounts.{key}")
    return Config(
        source=source,
        creditor=_creditor(r),
        bank=BankProfile(
            pain008_version=version,
            want_frst=r.get("bank.want_frst", bool),
            cutoff_business_days=r.number("bank.cutoff_business_days", 1, 10),
            max_transactions_per_file=r.number("bank.max_transactions_per_file", 1, 10_000_000),
            message_prefix=prefix,
        ),
        collection_day=r.number("collection.day_of_month", 1, 28),
        pre_notification_days=r.number("collection.pre_notification_days", 0, 60),
        mandate_void_months=r.number("collection.mandate_void_months", 1, 120),
        folders=folders,
        database_url=url,
        max_return_file_bytes=r.number("returns.max_file_bytes", 1_000, 2_000_000_000),
        match_window_days=r.number("returns.match_window_days", 0, 800),
        fee_article=r.text("unpaid.fee_article", optional=True),
        default_mode=r.choice("unpaid.default_mode", Mode),
        policy=_policy(r),
        dunning_language=language,
        dunning_sender=r.text("dunning.sender"),
        dunning_levels=_levels(r),
        accounts={key: str(value) for key, value in accounts.items()},
        scheduler=dict(r.get("scheduler", dict)),
        language=_language(r, "club.language"),
        smtp=_smtp(r),
        web_language=_language(r, "web.language"),
        timezone=_timezone(r),
    )


def _language(r: _Reader, key: str) -> str:
    language = r.text(key).lower()
    if language not in ("fr", "en"):
        raise r.fail(key, f"{language!r} is not fr or en")
    return language


def _known_keys(tree: Any) -> dict[str, Any]:
    """What a table of the file may hold: the keys of its defaults (a list of tables, such as
    ``policy.rows``, takes the keys of any of its defaults)."""
    if isinstance(tree, list):
        known: dict[str, Any] = {}
        for item in tree:
            if isinstance(item, dict):
                known.update(item)
        return known
    return tree


#: Sections without built-in defaults (absent means "off"), whose keys their own reader checks.
OPTIONAL_SECTIONS = {"smtp"}


def check_keys(override: Any, defaults: Any, source: str, prefix: str = "") -> None:
    """Refuse a key or section the product does not know (a typo would be silently ignored),
    naming it and the closest known one."""
    if isinstance(defaults, list) and isinstance(override, list):
        known = _known_keys(defaults)
        for index, item in enumerate(override):
            if isinstance(item, dict) and known:
                check_keys(item, known, source, f"{prefix}[{index}]")
        return
    if not isinstance(override, dict) or not isinstance(defaults, dict):
        return
    for key, value in override.items():
        name = f"{prefix}.{key}" if prefix else key
        if not prefix and key in OPTIONAL_SECTIONS:
            continue
        if key not in defaults:
            what = "section" if isinstance(value, dict) else "key"
            known = list(defaults) + ([] if prefix else sorted(OPTIONAL_SECTIONS))
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
            hint = ""
            if close:
                near = f"{prefix}.{close[0]}" if prefix else close[0]
                hint = f"; did you mean {f'[{near}]' if what == 'section' else near}?"
            raise InvalidInput(f"config {source}", name, f"unknown {what}{hint}")
        check_keys(value, defaults[key], source, name)


def _timezone(r: _Reader) -> str:
    name = r.text("club.timezone")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise r.fail("club.timezone", f"{name!r} is not a time zone such as Europe/Paris") from None
    return name


def load(path: str | Path | None = None) -> Config:
    """Load the configuration the CLI conventions point to (see the module docstring)."""
    if path is None:
        path = os.environ.get("SEPA_BATCH_CONFIG") or None
    if path is None and Path("config/sepa_batch.toml").is_file():
        path = Path("config/sepa_batch.toml")
    if path is None:
        return build(DEFAULTS, source="<built-in defaults>", base=Path.cwd())
    path = Path(path)
    try:
        with path.open("rb") as handle:
            override = tomllib.load(handle)
    except FileNotFoundError:
        raise InvalidInput(f"config {path}", "file", "not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"config {path}", "syntax", str(exc)) from None
    check_keys(override, DEFAULTS, str(path))
    base = path.resolve().parent
    if base.name == "config":
        base = base.parent
    return build(_merge(DEFAULTS, override), source=str(path), base=base)
