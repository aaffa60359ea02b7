"""The SEPA Latin character set, and how any text is brought into it.

The EPC implementation guidelines (SDD Core rulebook, section "Character set") allow only
``a-z A-Z 0-9 / - ? : ( ) . , ' +`` and the space in the texts of a SEPA message, unless
the banks agreed otherwise. Identifiers (MsgId, PmtInfId, EndToEndId, MndtId, ...) must
in addition never start or end with ``/`` nor contain ``//`` (EPC clarification paper on
the use of slashes).

Transliteration choices, following the EPC best practices for the conversion of extended
characters (EPC217-08) where they say something:

- letters with diacritics lose them, through ``anyascii``: é → e, ø → o, Ł → L, and the
  German umlauts too (ä → a, the EPC's first choice; "ae" is only the alternative);
- ß → ss, æ → ae, œ → oe, þ → th (``anyascii``);
- ``&`` → ``+`` (the EPC/DK conversion for the ampersand; "and" would differ per language);
- any white space (tab, new line, no-break space) → one space;
- "other symbols" (Unicode category So: emoji, ©, °, ♥, flags) are dropped rather than
  spelt out (anyascii would write ``:thumbsup:`` or ``deg``);
- whatever is still outside the set after that (``@ _ ; # " * %`` ...) is dropped.

>>> to_sepa_text("Société Générale & Fils — Müller", 70)
'Societe Generale + Fils - Muller'
>>> to_sepa_text("Straße 5", 70)
'Strasse 5'
>>> to_sepa_id("/ABO//2026/")
'ABO/2026'
>>> is_sepa_text("Jean-Luc O'Neil (club)")
True
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from anyascii import anyascii

from sepa_batch.errors import InvalidInput

SEPA_CHARACTERS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-?:().,'+ "
)
_ONLY_SEPA = re.compile(r"[a-zA-Z0-9/\-?:().,'+ ]*")
_SPECIAL = {"&": "+"}


def is_sepa_text(text: str) -> bool:
    """True when every character of ``text`` is in the SEPA Latin set (the empty text is).

    >>> is_sepa_text("Muller")
    True
    >>> is_sepa_text("Müller")
    False
    >>> is_sepa_text("a_b")
    False
    """
    return _ONLY_SEPA.fullmatch(text) is not None


def to_sepa_text(text: str, max_len: int) -> str:
    """Transliterate ``text`` to the SEPA Latin set, collapse spaces, strip, cut to ``max_len``.

    The result may be empty (a text made only of emoji); the caller decides whether that
    is acceptable for the field.

    >>> to_sepa_text("  Ærø   Øresund\\tÅse ", 70)
    'Aero Oresund Ase'
    >>> to_sepa_text("Cotisation 👍 décembre", 70)
    'Cotisation decembre'
    >>> to_sepa_text("abcdef ghij", 7)
    'abcdef'
    """
    if max_len < 1:
        raise ValueError(f"max_len must be positive, not {max_len}")
    return _clean(text)[:max_len].rstrip()


def to_sepa_id(text: str, max_len: int = 35, *, field: str = "identifier") -> str:
    """Bring an identifier into the SEPA set: no leading, trailing or double ``/``.

    Raises InvalidInput when nothing is left.

    >>> to_sepa_id("//MANDATE//2026-01//")
    'MANDATE/2026-01'
    >>> to_sepa_id("Réf. n° 12", 35)
    'Ref. n 12'
    """
    if max_len < 1:
        raise ValueError(f"max_len must be positive, not {max_len}")
    cleaned = re.sub(r"/{2,}", "/", _clean(text)).strip("/ ")
    cleaned = cleaned[:max_len].rstrip("/ ")
    if not cleaned:
        raise InvalidInput(repr(text), field, "nothing left in the SEPA character set")
    return cleaned


def _clean(text: str) -> str:
    """Transliterate and collapse white space, without any length limit."""
    if not is_sepa_text(text):
        text = "".join(_transliterate(ch) for ch in text)
    return " ".join(text.split())


@lru_cache(maxsize=4096)
def _transliterate(ch: str) -> str:
    """One character into zero or more SEPA characters (see the module docstring)."""
    if ch in SEPA_CHARACTERS:
        return ch
    if ch in _SPECIAL:
        return _SPECIAL[ch]
    if ch.isspace():
        return " "
    category = unicodedata.category(ch)
    if category == "So" or category.startswith("C"):
        return ""
    return "".join(c for c in anyascii(ch) if c in SEPA_CHARACTERS)
