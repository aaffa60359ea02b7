"""The built-in defaults; ``config/sepa_batch.example.toml`` says the same with comments (a
test keeps the two equal). A file's values are merged over these."""

from __future__ import annotations

from typing import Any

PAIN008_VERSIONS = ("pain.008.001.08", "pain.008.001.02")

#: The built-in defaults (see the module docstring).
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
