"""The items of one return file applied in order, inside the file's transaction.

Transactions are matched by chunks (:mod:`.transactions`) and their unpaid workflows queued in
an ``UnpaidBatch``, written with the items' records and guards (:mod:`.claims`); a bank credit
or a whole batch rejected (:mod:`.batches`) is applied on its own, once what came before it is
written.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from sepa_batch.config import Config
from sepa_batch.db.bulk import insert_rows
from sepa_batch.db.schema import LedgerLine
from sepa_batch.db.schema import ReturnItem as ReturnItemRow
from sepa_batch.domain.model import Status
from sepa_batch.domain.unpaid_rules import UnpaidCase, UnpayOptions
from sepa_batch.matching import batches, transactions
from sepa_batch.matching.claims import Claims
from sepa_batch.matching.transactions import COLLECTED, CURRENCY
from sepa_batch.returns import ReturnItem
from sepa_batch.unpaid.batch import UnpaidBatch
from sepa_batch.unpaid.cases import load_cases

if TYPE_CHECKING:
    from sepa_batch.matching.apply import FileOutcome

#: Items planned and written together: their lines are read with one query (``IN_CHUNK``
#: keys), their changes written with a few statements.
CHUNK = 1000


def _one_at_a_time(item: ReturnItem) -> bool:
    """A bank credit or a whole batch / file rejected reads what the items before it did."""
    return item.kind == "credit" or (item.kind == "reject" and item.level != "transaction")


def item_record(item: ReturnItem, file_id: int, outcome: str, **columns) -> dict:
    """The ``return_items`` row of ``item``: what the bank said, and what we did with it."""
    return {
        "return_file_id": file_id,
        "kind": item.kind,
        "level": item.level,
        "end_to_end_id": item.end_to_end_id,
        "original_message_id": item.original_message_id,
        "original_pmtinf_id": item.original_payment_information_id,
        "mandate_ref": item.mandate_id,
        "amount_cents": item.amount_cents,
        "charges_cents": item.charges_cents,
        "reason_code": item.reason_code,
        "reason_text": item.reason_text,
        "booking_date": item.booking_date,
        "outcome": outcome,
        "line_id": None,
        "batch_id": None,
        "currency": item.currency,
        "expected_amount_cents": None,
        "expected_currency": None,
        "review_status": None,
        "review_reason": None,
        "resolved_at": None,
        "resolved_by": None,
        "resolution_note": None,
        "applied_line_id": None,
        **columns,
    }


class Application:
    """One file applied item after item, in the order given; the transactions' unpaid workflows
    are planned by chunks and written together, with the items' records and guards."""

    def __init__(
        self, session: Session, config: Config, file_id: int, today: date, result: FileOutcome
    ):
        self.session = session
        self.config = config
        self.file_id = file_id
        self.result = result
        self.unpaid = UnpaidBatch(session, config, today)
        self.claims = Claims(session)
        self.records: list[dict] = []

    def apply(self, items: list[ReturnItem]) -> None:
        chunk: list[ReturnItem] = []
        for item in items:
            if not _one_at_a_time(item):
                chunk.append(item)
                if len(chunk) == CHUNK:
                    self._chunk(chunk)
                    chunk = []
                continue
            self._chunk(chunk)
            chunk = []
            if item.kind == "credit":
                self._credit(item)
            else:
                self._group_reject(item)
            self.write()
        self._chunk(chunk)

    def write(self) -> None:
        self.unpaid.write()
        self.claims.write()
        insert_rows(self.session, ReturnItemRow.__table__, self.records)
        self.records = []

    def record(
        self,
        item: ReturnItem,
        outcome: str,
        *,
        line_id: int | None = None,
        batch_id: int | None = None,
        review: str | None = None,
        expected: tuple[int, str] | None = None,
    ) -> None:
        """Queue the item's record; an unmatched item, or one with a ``review`` reason, is an
        open item of the review queue."""
        if outcome == "unmatched" and review is None:
            review = "matches nothing we collected"
        row = item_record(item, self.file_id, outcome, line_id=line_id, batch_id=batch_id)
        if expected is not None:
            row["expected_amount_cents"], row["expected_currency"] = expected
        if review is not None:
            row["review_status"], row["review_reason"] = "open", review
        self.records.append(row)

    def _unmatched(self, item: ReturnItem, described: dict | None = None) -> None:
        self.record(item, "unmatched")
        self.result.unmatched += 1
        if described is not None:
            self.result.unmatched_items.append(described)

    # --- transactions, by chunks ------------------------------------------------------------
    def _chunk(self, items: list[ReturnItem]) -> None:
        """Items of transactions (and acceptances): their lines read at once by end-to-end id;
        a line whose customer or mandate an earlier item of the chunk changed is read again,
        once that item is written."""
        if not items:
            return
        wanted = {item.end_to_end_id for item in items if transactions.by_end_to_end_id(item)}
        cases = transactions.cases_by_end_to_end_id(self.session, wanted)
        self.claims.look_up(wanted)
        changed: set[tuple[str, int]] = set()
        for item in items:
            if item.kind == "accepted":
                self.record(item, "recorded")
                self.result.recorded += 1
            elif item.level != "transaction":
                self._unmatched(item)
            else:
                case = cases.get(item.end_to_end_id) if item.end_to_end_id else None
                if case is None or case.keys & changed:
                    case = self._match_now(item, by_end_to_end_id=case is not None)
                if case is None:
                    self._unmatched(
                        item,
                        {
                            "end_to_end_id": item.end_to_end_id,
                            "mandate_id": item.mandate_id,
                            "kind": item.kind,
                        },
                    )
                    continue
                changed |= case.keys
                self._transaction(item, case)
        self.write()

    def _match_now(self, item: ReturnItem, *, by_end_to_end_id: bool) -> UnpaidCase | None:
        """The item's line as it is now, once what the chunk decided so far is written."""
        if not by_end_to_end_id and not (item.mandate_id and item.amount_cents):
            return None
        self.unpaid.write()
        return transactions.match_now(
            self.session, self.config, item, by_end_to_end_id=by_end_to_end_id
        )

    def _transaction(self, item: ReturnItem, case: UnpaidCase) -> None:
        key = case.end_to_end_id or f"line:{case.line_id}"
        if not self.claims.claim(key, item.kind) or case.status not in COLLECTED:
            self.record(item, "duplicate", line_id=case.line_id)
            self.result.duplicates += 1
            return
        reason = transactions.review_reason(self.config, item, case)
        if reason is not None:
            self._hold(item, case, reason)
            return
        outcome = self.unpaid.unpaid(case, UnpayOptions(reason_code=item.reason_code))
        batch_id = None if outcome.rescheduled else case.batch_id
        self.record(item, "applied", line_id=case.line_id, batch_id=batch_id)
        self.result.applied += 1

    def _hold(self, item: ReturnItem, case: UnpaidCase, reason: str) -> None:
        """The item is an open review item and holds its line; nothing else changes."""
        self.record(
            item,
            "review",
            line_id=case.line_id,
            review=reason,
            expected=(case.amount_cents, CURRENCY),
        )
        self.write()  # the item's id is the hold's
        held_by = self.session.execute(
            select(ReturnItemRow.id)
            .where(ReturnItemRow.return_file_id == self.file_id)
            .order_by(ReturnItemRow.id.desc())
            .limit(1)
        ).scalar_one()
        self.unpaid.flag_for_review(case, held_by=held_by)
        self.result.review += 1
        self.result.review_items.append(
            {"end_to_end_id": item.end_to_end_id, "line": case.line_id, "reason": reason}
        )

    # --- one at a time ------------------------------------------------------------------------
    def _credit(self, item: ReturnItem) -> None:
        self.write()  # the batch's expected credit counts the lines as the items left them
        batch_id = batches.record_batch_credit(self.session, self.config, item, self.file_id)
        self.record(item, "applied" if batch_id else "unmatched", batch_id=batch_id)
        if batch_id:
            self.result.applied += 1
        else:
            self.result.unmatched += 1

    def _group_reject(self, item: ReturnItem) -> None:
        """A whole file or PmtInf rejected is not a customer unpaid: back to SCHEDULED, no
        fee."""
        self.write()
        rejected = batches.batches_rejected(self.session, item)
        ident = item.original_payment_information_id or item.original_message_id
        if not rejected:
            self._unmatched(item, {"level": item.level, "id": ident, "kind": item.kind})
            return
        if not self.claims.claim(f"{item.level}:{ident}", item.kind):
            self.record(item, "duplicate", batch_id=rejected[0].id)
            self.result.duplicates += 1
            return
        for batch in rejected:
            batch.rejected_reason = item.reason_code or "RJCT"
            for case in load_cases(
                self.session, LedgerLine.batch_id == batch.id, LedgerLine.status == Status.SUBMITTED
            ):
                self.unpaid.reschedule(case, item.reason_code)
            self.unpaid.write()
            self.record(item, "applied", batch_id=batch.id)
        self.result.applied += 1
