"""The back office's words and formats, in the user's language.

French: ``1 234,56 €`` and ``05/07/2010``; English: ``€1,234.56`` and ``2010-07-05``. The words
themselves are in ``words.py``; reading the inputs back is ``forms.py``.
"""

from __future__ import annotations

from datetime import date

from sepa_batch.web.words import WORDS


class Text:
    """Words and formats of one language, for the templates."""

    def __init__(self, language: str):
        self.language = language if language in WORDS else "fr"
        self.words = WORDS[self.language]

    def __call__(self, key: str, **values) -> str:
        word = self.words.get(key, key)
        return word.format(**values) if values else word

    def money(self, cents: int | None) -> str:
        if cents is None:
            return ""
        sign = "-" if cents < 0 else ""
        whole, part = divmod(abs(cents), 100)
        if self.language == "fr":
            return f"{sign}{whole:,}".replace(",", " ") + f",{part:02d} €"
        return f"{sign}€{whole:,}.{part:02d}"

    def amount_input(self, cents: int | None) -> str:
        """An amount as an input's value: ``39,00`` (fr) or ``39.00`` (en)."""
        if cents is None:
            return ""
        sign = "-" if cents < 0 else ""
        whole, part = divmod(abs(cents), 100)
        separator = "," if self.language == "fr" else "."
        return f"{sign}{whole}{separator}{part:02d}"

    def day(self, value: date | None) -> str:
        if value is None:
            return ""
        return value.strftime("%d/%m/%Y") if self.language == "fr" else value.isoformat()
