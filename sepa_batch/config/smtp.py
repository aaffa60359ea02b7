"""``[smtp]``: where notices are sent (absent: notices stay files)."""

from __future__ import annotations

import re

from sepa_batch.config.model import SmtpSettings
from sepa_batch.config.reader import Reader

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


def smtp(r: Reader) -> SmtpSettings | None:
    """``[smtp]`` if present: exactly the keys of ``SMTP_KEYS``; ``port`` defaults from
    ``security`` (587 starttls, 465 ssl, 25 none)."""
    if "smtp" not in r.raw:
        return None
    from email.utils import parseaddr  # only when there is an [smtp] section

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
