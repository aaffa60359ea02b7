"""The identifiers of SEPA direct debit as small value objects, checked when they are made.

``Iban``, ``Bic``, ``MandateReference`` and ``CreditorId`` are built from what a user typed
(a CSV cell, a command-line option, a config value). Building one either gives a value in its
compact, canonical form or raises ``InvalidIdentifier`` whose message names the bad value (an
IBAN only by its last four characters) and says what is wrong. Like python-stdnum, every class
also has the verbs ``compact``, ``validate`` (the compact form, or the error) and ``is_valid``.

Pure: no database, no clock. The boundaries (imports, CLI options, the config) turn the error
into ``InvalidInput(record, field, message)``.

>>> Iban("fr76 3000 6000 0112 3456 7890 189")
Iban('FR7630006000011234567890189')
>>> Iban("FR7630006000011234567890188")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
sepa_batch.identifiers.InvalidIdentifier: invalid IBAN ****...0188: wrong check digits
>>> MandateReference.validate("CLUB//2010")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
sepa_batch...InvalidIdentifier: invalid mandate reference 'CLUB//2010': must not contain '//'
>>> Bic.is_valid("AGRIFRPP"), CreditorId.validate(" fr72 zzz 123456 ")
(True, 'FR72ZZZ123456')
"""

from __future__ import annotations

import re
from typing import ClassVar

from schwifty import BIC, IBAN, exceptions
from stdnum.eu import at_02
from stdnum.exceptions import ValidationError

from sepa_batch.errors import InvalidInput, SepaBatchError
from sepa_batch.sepa.charset import SEPA_CHARACTERS

#: The SEPA Latin character set (EPC rulebook), as allowed in an identifier.
SEPA_ID_CHARACTERS = SEPA_CHARACTERS
#: 1 to 35 SEPA characters, not starting or ending with ``/`` or a space (EPC).
SEPA_ID = re.compile(r"[A-Za-z0-9?:().,'+-]([A-Za-z0-9/?:().,'+ -]{0,33}[A-Za-z0-9?:().,'+-])?")
#: The stricter of the two XSD patterns (pain.008.001.02 BIC, .08 BICFI).
BIC_FORM = re.compile(r"[A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?")
MAX_ID_LENGTH = 35


class InvalidIdentifier(SepaBatchError, ValueError):
    """A value that is not a valid identifier of its kind; the message names the value."""

    def __init__(self, kind: str, shown: str, reason: str):
        self.kind = kind
        self.shown = shown
        self.reason = reason
        super().__init__(f"invalid {kind} {shown}: {reason}")

    def at(self, record: str, field: str) -> InvalidInput:
        """The same problem, located: for the boundaries (a CSV line, an option, a key)."""
        return InvalidInput(record, field, str(self))


def is_sepa_identifier(text: str) -> bool:
    """1 to 35 characters of the SEPA set, not starting or ending with ``/`` or a space, and
    no ``//`` (EPC).

    >>> [is_sepa_identifier(t) for t in ("RUM-2010/07", "/RUM", "RUM//1", "RÜM", "")]
    [True, False, False, False, False]
    """
    return SEPA_ID.fullmatch(text) is not None and "//" not in text


def sepa_identifier_problem(text: str, max_len: int = MAX_ID_LENGTH) -> str | None:
    """Why ``text`` cannot be a SEPA identifier, in words, or None.

    >>> sepa_identifier_problem("RÜM-1")
    "has characters outside the SEPA set: 'Ü'"
    >>> sepa_identifier_problem("X" * 36)
    'has 36 characters, at most 35'
    >>> sepa_identifier_problem("/RUM"), sepa_identifier_problem("RUM-1") is None
    ("must not start or end with '/'", True)
    """
    if not text:
        return "is empty"
    outside = "".join(dict.fromkeys(ch for ch in text if ch not in SEPA_ID_CHARACTERS))
    if outside:
        return f"has characters outside the SEPA set: {outside!r}"
    if len(text) > max_len:
        return f"has {len(text)} characters, at most {max_len}"
    if "//" in text:
        return "must not contain '//'"
    if text[0] == "/" or text[-1] == "/":
        return "must not start or end with '/'"
    if text[0] == " " or text[-1] == " ":
        return "must not start or end with a space"
    return None


def mask_iban(iban: str) -> str:
    """Logs and console output show only the last four characters of an IBAN.

    >>> mask_iban("FR76 3000 6000 0112 3456 7890 189")
    '***********************0189'
    """
    compact = "".join(iban.split())
    return "*" * max(len(compact) - 4, 0) + compact[-4:]


class _Identifier(str):
    """A str in compact form that was validated when it was made."""

    kind: ClassVar[str] = "identifier"
    __slots__ = ()

    def __new__(cls, value: str):
        return super().__new__(cls, cls.validate(value))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"

    @classmethod
    def compact(cls, value: str) -> str:
        return "".join(str(value).split()).upper()

    @classmethod
    def shown(cls, value: str) -> str:
        return repr(value)

    @classmethod
    def problem(cls, compact: str) -> str | None:  # pragma: no cover - overridden
        raise NotImplementedError

    @classmethod
    def validate(cls, value: str) -> str:
        """The compact form of ``value``, or ``InvalidIdentifier`` naming it."""
        compact = cls.compact(value)
        problem = "is empty" if not compact else cls.problem(compact)
        if problem:
            raise InvalidIdentifier(cls.kind, cls.shown(value), problem)
        return compact

    @classmethod
    def is_valid(cls, value: str) -> bool:
        try:
            cls.validate(value)
        except InvalidIdentifier:
            return False
        return True

    @classmethod
    def checked(cls, value: str, record: str, field: str):
        """Build one at a boundary: a bad value becomes ``InvalidInput(record, field, ...)``."""
        try:
            return cls(value)
        except InvalidIdentifier as exc:
            raise exc.at(record, field) from None


_IBAN_REASONS = {
    exceptions.InvalidChecksumDigits: "wrong check digits",
    exceptions.InvalidCountryCode: "unknown country code",
    exceptions.InvalidLength: "wrong length for its country",
    exceptions.InvalidStructure: "wrong characters or structure for its country",
}


class Iban(_Identifier):
    """An IBAN (ISO 13616) of the SEPA zone; shown masked in every message.

    >>> Iban("BR1800360305000010009795493C1")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sepa_batch...InvalidIdentifier: invalid IBAN ****...93C1: outside the SEPA zone
    >>> Iban.is_valid("DE89 3704 0044 0532 0130 00"), Iban.is_valid("FR76")
    (True, False)
    """

    kind = "IBAN"
    __slots__ = ()

    @classmethod
    def shown(cls, value: str) -> str:
        return mask_iban(value) or "''"

    @classmethod
    def problem(cls, compact: str) -> str | None:
        try:
            iban = IBAN(compact)
        except exceptions.SchwiftyException as exc:
            for kind, reason in _IBAN_REASONS.items():
                if isinstance(exc, kind):
                    return reason
            return "not an IBAN"
        return None if iban.in_sepa_zone else "outside the SEPA zone"

    @property
    def masked(self) -> str:
        return mask_iban(self)

    @property
    def country_code(self) -> str:
        return self[:2]

    @property
    def bank_code(self) -> str:
        return IBAN(self).bank_code


class Bic(_Identifier):
    """A BIC (ISO 9362) of 8 or 11 characters, as the pain.008 schemas accept it.

    >>> Bic("agrifrpp"), Bic.is_valid("AGRIXXPP")
    (Bic('AGRIFRPP'), False)
    """

    kind = "BIC"
    __slots__ = ()

    @classmethod
    def problem(cls, compact: str) -> str | None:
        if len(compact) not in (8, 11):
            return f"has {len(compact)} characters, not 8 or 11"
        try:
            BIC(compact)
        except exceptions.InvalidCountryCode:
            return "unknown country code"
        except exceptions.SchwiftyException:
            return "not a BIC"
        return None if BIC_FORM.fullmatch(compact) else "not a BIC"


class MandateReference(_Identifier):
    """A unique mandate reference (UMR): 1 to 35 SEPA characters, no ``//``, not starting or
    ending with ``/``. Kept as written (case matters, inner spaces too).

    >>> MandateReference(" CLUB-C001-2010 ")
    MandateReference('CLUB-C001-2010')
    >>> print(MandateReference.problem("RÜM-1"))
    has characters outside the SEPA set: 'Ü'
    """

    kind = "mandate reference"
    __slots__ = ()

    @classmethod
    def compact(cls, value: str) -> str:
        return str(value).strip()

    @classmethod
    def problem(cls, compact: str) -> str | None:
        return sepa_identifier_problem(compact)


class CreditorId(_Identifier):
    """A SEPA creditor identifier (ICS), checked by ``stdnum.eu.at_02``.

    >>> CreditorId.validate("FR73ZZZ123456")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sepa_batch...: invalid creditor identifier 'FR73ZZZ123456': wrong check digits
    """

    kind = "creditor identifier"
    __slots__ = ()

    @classmethod
    def problem(cls, compact: str) -> str | None:
        try:
            at_02.validate(compact)
        except ValidationError as exc:
            return "wrong check digits" if "checksum" in str(exc) else "not a creditor identifier"
        return sepa_identifier_problem(compact)


def text_problem(value: str | None, max_len: int) -> str | None:
    """Why a free text does not fit its column, or None.

    >>> text_problem("Lyon", 35), text_problem("x" * 36, 35)
    (None, 'has 36 characters, at most 35')
    """
    if value is not None and len(value) > max_len:
        return f"has {len(value)} characters, at most {max_len}"
    return None


_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")


def email_problem(value: str) -> str | None:
    """Why ``value`` is not an e-mail address (a light check: name@domain.tld), or None.

    >>> email_problem("anne@example.fr") is None, email_problem("not-an-email")
    (True, "'not-an-email' is not an e-mail address like name@example.org")
    """
    if _EMAIL.fullmatch(value) is None:
        return f"{value!r} is not an e-mail address like name@example.org"
    return None
