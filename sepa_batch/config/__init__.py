"""Configuration: a TOML file over built-in defaults, validated at load (``loading``).

``defaults`` holds the built-in values, ``model`` the frozen dataclasses, ``reader`` the typed
access to the raw tree, ``sections`` and ``smtp`` the reading of each section. Everything a
caller needs is here: ``from sepa_batch.config import Config, load``. Light on purpose: every
command loads it at start-up (schwifty is imported only when the creditor is read).
"""

from sepa_batch.config.defaults import DEFAULTS, PAIN008_VERSIONS
from sepa_batch.config.loading import build, load
from sepa_batch.config.model import (
    Address,
    BankProfile,
    Config,
    Creditor,
    DunningLevel,
    Folders,
    SmtpSettings,
)
from sepa_batch.config.reader import OPTIONAL_SECTIONS, check_keys
from sepa_batch.config.smtp import SMTP_KEYS, SMTP_SECURITY

__all__ = [
    "DEFAULTS",
    "OPTIONAL_SECTIONS",
    "PAIN008_VERSIONS",
    "SMTP_KEYS",
    "SMTP_SECURITY",
    "Address",
    "BankProfile",
    "Config",
    "Creditor",
    "DunningLevel",
    "Folders",
    "SmtpSettings",
    "build",
    "check_keys",
    "load",
]
