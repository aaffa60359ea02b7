"""Configuration: a TOML file over built-in defaults, validated at load.

Where the file comes from (CLI.md): ``--config PATH``, else ``$SEPA_BATCH_CONFIG``, else
``./config/sepa_batch.toml`` if present, else the built-in defaults (a demo creditor), so a
fresh checkout runs with no set-up. ``$SEPA_BATCH_DATABASE_URL`` overrides the database URL.

Every error names the key: ``config creditor.iban: invalid IBAN checksum``.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from sepa_batch.config import sections
from sepa_batch.config.defaults import DEFAULTS, PAIN008_VERSIONS
from sepa_batch.config.model import BankProfile, Config
from sepa_batch.config.reader import Reader, check_keys, merge
from sepa_batch.config.smtp import smtp
from sepa_batch.domain.model import Mode
from sepa_batch.errors import InvalidInput


def build(raw: dict[str, Any], *, source: str, base: Path, creditor: bool = True) -> Config:
    """Validate a merged configuration tree; relative folders are taken from ``base``.
    ``creditor=False``: the ``[creditor]`` section is not read (``Config.creditor`` is None),
    for a command that does not use it."""
    r = Reader(source, raw)
    folders = sections.folders(r, base)
    version = r.text("bank.pain008_version")
    if version not in PAIN008_VERSIONS:
        raise r.fail("bank.pain008_version", f"{version!r} is not one of {PAIN008_VERSIONS}")
    url = os.environ.get("SEPA_BATCH_DATABASE_URL")
    if not url:
        url = sections.relative_sqlite(r.get("database.url", str).strip(), base)
    if not url:
        url = f"sqlite:///{folders.data / 'sepa_batch.db'}"
    language = sections.language(r, "dunning.language")
    prefix = r.text("bank.message_prefix")
    if not (prefix.isalnum() and len(prefix) <= 8):
        raise r.fail("bank.message_prefix", "must be 1 to 8 letters or digits")
    accounts = r.get("accounts", dict)
    for key in DEFAULTS["accounts"]:
        r.text(f"accounts.{key}")
    return Config(
        source=source,
        creditor=sections.creditor(r) if creditor else None,
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
        policy=sections.policy(r),
        dunning_language=language,
        dunning_sender=r.text("dunning.sender"),
        dunning_levels=sections.levels(r),
        accounts={key: str(value) for key, value in accounts.items()},
        scheduler=dict(r.get("scheduler", dict)),
        language=sections.language(r, "club.language"),
        smtp=smtp(r),
        web_language=sections.language(r, "web.language"),
        timezone=sections.timezone(r),
    )


def load(path: str | Path | None = None, *, creditor: bool = True) -> Config:
    """Load the configuration the CLI conventions point to (see the module docstring);
    ``creditor`` as for ``build``."""
    if path is None:
        path = os.environ.get("SEPA_BATCH_CONFIG") or None
    if path is None and Path("config/sepa_batch.toml").is_file():
        path = Path("config/sepa_batch.toml")
    if path is None:
        return build(DEFAULTS, source="<built-in defaults>", base=Path.cwd(), creditor=creditor)
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
    return build(merge(DEFAULTS, override), source=str(path), base=base, creditor=creditor)
