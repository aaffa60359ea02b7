"""The unpaid workflow (Impayer, PRODUCT §4): one service for one line and for a return file.

- :mod:`sepa_batch.domain.unpaid_rules` decides (fee, re-presentation, mandate) from an
  ``UnpaidCase``; :mod:`sepa_batch.domain.unpaid` plans the lines added;
- :mod:`.cases` reads the cases of many lines at once (``load_cases``);
- :mod:`.batch` queues the decisions of many lines and writes them together
  (``UnpaidBatch``): the back office's ``unpay`` is a batch of one, the return import
  (:mod:`sepa_batch.matching.apply`) plans a chunk of its file at a time.

With a reason code the policy table (configuration) chooses what the back office did not:
``unpaid`` runs the workflow (fee or not, re-presentation mode and date, what becomes of the
mandate), ``reschedule`` puts a rejected line back for the next collection, ``review`` only
flags the line.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from sepa_batch import notices
from sepa_batch.config import Config
from sepa_batch.db.schema import LedgerLine
from sepa_batch.db.session import Database
from sepa_batch.domain.unpaid_rules import UnpayOptions
from sepa_batch.services.common import payment_line
from sepa_batch.unpaid.batch import UnpaidBatch, UnpaidOutcome
from sepa_batch.unpaid.cases import load_cases

__all__ = ["UnpaidOutcome", "UnpayOptions", "apply_unpaid", "unpay"]


def apply_unpaid(
    session: Session,
    config: Config,
    line: LedgerLine,
    day: date,
    options: UnpayOptions = UnpayOptions(),
) -> UnpaidOutcome:
    """Run the unpaid workflow on ``line`` inside the caller's transaction (a batch of one)."""
    session.flush()
    [case] = load_cases(session, LedgerLine.id == line.id)
    batch = UnpaidBatch(session, config, day)
    outcome = batch.unpaid(case, options)
    batch.write()
    session.refresh(line)  # the caller sees the line as the workflow left it
    return outcome


def unpay(
    db: Database, config: Config, line_id: int, day: date, options: UnpayOptions = UnpayOptions()
) -> UnpaidOutcome:
    """The back office's Impayer: one transaction, then the notices are written."""
    with db.transaction() as session:
        line = payment_line(session, line_id)
        outcome = apply_unpaid(session, config, line, day, options)
    notices.write_pending(db)
    return outcome
