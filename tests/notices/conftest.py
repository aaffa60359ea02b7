"""Fixtures of the SMTP delivery tests (see ``notices_support``)."""

from notices.notices_support import (  # noqa: F401 - fixtures
    cli_run,
    mailbox,
    prenotified,
    smtp_config,
    smtp_config_path,
    smtp_db,
)
