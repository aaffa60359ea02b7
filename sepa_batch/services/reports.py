"""The accountant's reports (PRODUCT §9), read in one database session.

``open_report`` yields a report while its session is open, so a streamed report (the
journal) can be written row by row; ``journal_entries`` does the same for the FEC export.
The report modules live in ``sepa_batch.reports``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from sepa_batch.config import Config
from sepa_batch.db.session import Database
from sepa_batch.errors import InvalidInput
from sepa_batch.reports import ageing, batches, journal, returns
from sepa_batch.reports.journal import Entry
from sepa_batch.reports.model import Period, Report

REPORTS = ("batches", "ageing", "returns", "journal")


@contextmanager
def open_report(
    db: Database, config: Config, name: str, period: Period, today: date
) -> Iterator[Report]:
    """The report ``name`` for ``period``; ageing is as of ``period.end``, else ``today``."""
    with db.reader() as session:
        if name == "batches":
            yield batches.build(session, period)
        elif name == "ageing":
            yield ageing.build(session, period.end or today)
        elif name == "returns":
            yield returns.build(session, period, config.policy)
        elif name == "journal":
            yield journal.build(session, period, config.accounts)
        else:
            raise InvalidInput("report", "name", f"{name!r} is not one of {', '.join(REPORTS)}")


@contextmanager
def journal_entries(db: Database, config: Config, period: Period) -> Iterator[Iterator[Entry]]:
    """The journal's balanced entries in date order, streamed from one session."""
    with db.reader() as session:
        yield journal.entries(journal.events(session, period), config.accounts)
