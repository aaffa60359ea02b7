"""Exact money: amounts are integer euro cents everywhere inside the product.

Only the boundaries (command line, CSV, JSON, XML) turn text into cents and cents into
text, through the two functions below. No float ever touches an amount.

>>> parse_amount("57.00")
5700
>>> parse_amount("7")
700
>>> format_amount(-5000)
'-50.00'

Amounts a person types (prices, sales, instalments, fees) are at most ``MAX_AMOUNT_CENTS``,
999 999.99 EUR: far above anything a club bills, and a typo such as 99 999 999 999.00 is
refused at the door rather than sent to the bank.

>>> parse_amount("99999999999.00", record="option", field="--amount", maximum=MAX_AMOUNT_CENTS)
Traceback (most recent call last):
...
sepa_batch.errors.InvalidInput: option: --amount: 99999999999.00 is more than the maximum 999999.99
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import NewType

from sepa_batch.errors import InvalidInput

#: An amount in integer euro cents (signed). Plain ``int`` at run time; the name says the unit.
Cents = NewType("Cents", int)

_AMOUNT = re.compile(r"^-?\d{1,13}(\.\d{1,2})?$")
#: The largest amount a person may type (see the module docstring): 999 999.99 EUR.
MAX_AMOUNT_CENTS = 99_999_999


def parse_amount(
    text: str, *, record: str = "amount", field: str = "amount", maximum: int | None = None
) -> Cents:
    """Parse a decimal string with at most two decimals into cents; refuse anything else,
    and, with ``maximum``, any amount whose size is above it."""
    value = text.strip() if isinstance(text, str) else str(text)
    if not _AMOUNT.match(value):
        raise InvalidInput(record, field, f"{text!r} is not an amount like 57.00")
    cents = to_cents(Decimal(value), record=record, field=field)
    if maximum is not None and abs(cents) > maximum:
        raise InvalidInput(
            record, field, f"{value} is more than the maximum {format_amount(maximum)}"
        )
    return cents


def to_cents(value: Decimal, *, record: str = "amount", field: str = "amount") -> Cents:
    """Convert an exact Decimal to cents; refuse fractions of a cent."""
    try:
        cents = value * 100
        if cents != cents.to_integral_value():
            raise InvalidInput(record, field, f"{value} has fractions of a cent")
        return Cents(int(cents))
    except InvalidOperation as exc:  # NaN, infinity
        raise InvalidInput(record, field, f"{value!r} is not a number") from exc


def format_amount(cents: int) -> str:
    """Cents as a decimal string with two decimals, the form used in JSON, CSV and XML."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole}.{part:02d}"
