"""Reading a form's fields back: amounts and dates as people type them, or a ``FormError``
that names the field in the user's language.

Amount inputs accept ``39,00`` and ``39.00`` (and ``39``); date inputs ``2010-07-05`` and
``05/07/2010``.
"""

from __future__ import annotations

from datetime import date

from sepa_batch.domain.model import Mode
from sepa_batch.errors import InvalidInput
from sepa_batch.money import parse_amount
from sepa_batch.web.text import Text


class FormError(Exception):
    """A field of a form the back office must correct (shown in the dialog)."""


def parse_money(text: Text, value: str, field: str) -> int:
    """``39,00``, ``39.00``, ``1 234,56 €`` → cents; a message in the user's language else."""
    raw = (value or "").strip().replace("€", "").replace("\u00a0", "").replace(" ", "")
    try:
        return parse_amount(raw.replace(",", "."), record=field, field="amount")
    except InvalidInput:
        raise FormError(text("bad_amount", field=field, value=value)) from None


def parse_day(text: Text, value: str, field: str) -> date:
    raw = (value or "").strip()
    try:
        if "/" in raw:
            day, month, year = raw.split("/")
            return date(int(year), int(month), int(day))
        return date.fromisoformat(raw)
    except ValueError:
        raise FormError(text("bad_date", field=field, value=value)) from None


def parse_mode(text: Text, value: str) -> Mode:
    """A payment mode's code (``CHEQUE``, …); a message in the user's language else."""
    try:
        return Mode(value)
    except ValueError:
        raise FormError(text("refused", message=f"{text('mode')}: {value!r}")) from None
