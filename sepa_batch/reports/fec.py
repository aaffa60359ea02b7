"""The journal in the French FEC layout (fichier des écritures comptables).

Article A47 A-1 of the Livre des procédures fiscales: a flat text file, one posting a line,
a header row of the 18 column names below, fields separated by tabulations, dates as
YYYYMMDD, amounts with a decimal comma and no thousands separator, the customer's
sub-account (auxiliary account) beside the collective 411 account. Amounts are in euros,
the accounting currency, so ``Montantdevise`` and ``Idevise`` stay empty; entries are not
lettered (``EcritureLet``, ``DateLet`` empty) and are validated on their date.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TextIO

from sepa_batch.money import format_amount
from sepa_batch.reports.journal import Entry

COLUMNS = (
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "EcritureLet",
    "DateLet",
    "ValidDate",
    "Montantdevise",
    "Idevise",
)
SEPARATOR = "\t"
END_OF_LINE = "\r\n"


def fec_date(day: date) -> str:
    """YYYYMMDD.

    >>> fec_date(date(2010, 7, 5))
    '20100705'
    """
    return day.strftime("%Y%m%d")


def fec_amount(cents: int) -> str:
    """A decimal comma, no thousands separator.

    >>> fec_amount(123456), fec_amount(0)
    ('1234,56', '0,00')
    """
    return format_amount(cents).replace(".", ",")


def fec_text(value: str | None) -> str:
    """A field never holds the separator or a line break.

    >>> fec_text("a\\tb\\nc")
    'a b c'
    """
    if not value:
        return ""
    return " ".join(value.replace("\t", " ").replace("\r", " ").replace("\n", " ").split())


def fec_lines(entries: Iterable[Entry]) -> Iterable[list[str]]:
    for entry in entries:
        day = fec_date(entry.day)
        for posting in entry.postings:
            yield [
                entry.journal,
                entry.journal_label,
                entry.number,
                day,
                posting.account,
                posting.account_label,
                fec_text(posting.customer),
                fec_text(posting.customer_name),
                entry.piece,
                day,
                fec_text(entry.label),
                fec_amount(posting.debit_cents),
                fec_amount(posting.credit_cents),
                "",
                "",
                day,
                "",
                "",
            ]


def write_fec(entries: Iterable[Entry], out: TextIO) -> None:
    """Stream the FEC file (header row, then one line per posting) to ``out``."""
    out.write(SEPARATOR.join(COLUMNS) + END_OF_LINE)
    for fields in fec_lines(entries):
        out.write(SEPARATOR.join(fields) + END_OF_LINE)
