"""The review queue: return items a person must decide on (PRODUCT §5).

An item that matched nothing, or that holds its line (a reversal, a code the policy sends to
review, an amount other than what was collected), stays open until someone resolves it:
applied to a line (the unpaid workflow runs) or dismissed (the lines it held are released and
settle normally). Every decision is audited: who, when, why.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sepa_batch import notices
from sepa_batch.config import Config
from sepa_batch.db.schema import LedgerLine, ReturnFile
from sepa_batch.db.schema import ReturnItem as ReturnItemRow
from sepa_batch.db.session import Database, lock_job
from sepa_batch.domain.policy import Action
from sepa_batch.domain.unpaid_rules import UnpayOptions
from sepa_batch.errors import InvalidInput, NotFound
from sepa_batch.money import format_amount
from sepa_batch.services.common import payment_line
from sepa_batch.unpaid.batch import UnpaidBatch
from sepa_batch.unpaid.cases import load_cases


def _money(cents: int | None) -> str | None:
    return None if cents is None else format_amount(cents)


def review_document(row: ReturnItemRow, file_name: str) -> dict:
    """One item of the review queue (``returns review --json``)."""
    return {
        "id": row.id,
        "file": file_name,
        "kind": row.kind,
        "level": row.level,
        "end_to_end_id": row.end_to_end_id,
        "mandate_id": row.mandate_ref,
        "amount": _money(row.amount_cents),
        "reason_code": row.reason_code,
        "outcome": row.outcome,
        "booking_date": row.booking_date.isoformat() if row.booking_date else None,
        "currency": row.currency,
        "line": row.line_id,
        "expected_amount": _money(row.expected_amount_cents),
        "expected_currency": row.expected_currency,
        "review_reason": row.review_reason,
        "status": row.review_status,
        "applied_line": row.applied_line_id,
        "resolved_at": row.resolved_at.isoformat() if row.resolved_at else None,
        "resolved_by": row.resolved_by,
        "note": row.resolution_note,
    }


def review_items(db: Database) -> list[dict]:
    """The open review queue: items that matched nothing, and items holding their line."""
    with db.reader() as session:
        rows = session.execute(
            select(ReturnItemRow, ReturnFile.name)
            .join(ReturnFile, ReturnFile.id == ReturnItemRow.return_file_id)
            .where(ReturnItemRow.review_status == "open")
            .order_by(ReturnItemRow.id)
        ).all()
        return [review_document(row, name) for row, name in rows]


def _release(session: Session, item: ReturnItemRow) -> None:
    """The lines ``item`` holds are held by their next open item, or released."""
    held = session.execute(
        select(LedgerLine).where(LedgerLine.held_by_return_id == item.id).with_for_update()
    ).scalars()
    for line in held:
        other = session.execute(
            select(ReturnItemRow.id)
            .where(
                ReturnItemRow.line_id == line.id,
                ReturnItemRow.review_status == "open",
                ReturnItemRow.id != item.id,
            )
            .order_by(ReturnItemRow.id)
            .limit(1)
        ).scalar_one_or_none()
        line.held_by_return_id = other
        line.needs_review = other is not None


def resolve(
    db: Database,
    config: Config,
    item_id: int,
    *,
    apply_to: int | None,
    note: str,
    by: str,
    at: datetime,
    today: date,
) -> dict:
    """A person's decision on an open review item, audited (who, when, note).

    ``apply_to`` LINE: the item was an unpaid of that line; the unpaid workflow runs on it
    as the policy says for the item's code — or, for a code the policy sends to review, as the
    back office's ``unpay`` without a code, the code kept on the line. Otherwise the item is
    dismissed: the lines it held are released and settle normally.
    """
    record = f"return item {item_id}"
    if not note.strip():
        raise InvalidInput(record, "note", "a decision needs a note saying why")
    with db.transaction() as session:
        lock_job(session, "returns")
        item = session.execute(
            select(ReturnItemRow).where(ReturnItemRow.id == item_id).with_for_update()
        ).scalar_one_or_none()
        if item is None:
            raise NotFound(f"{record}: not found")
        if item.review_status != "open":
            state = item.review_status or f"{item.outcome}, not kept for review"
            raise InvalidInput(record, "status", f"is {state}: nothing to resolve")
        if apply_to is not None and item.kind not in ("reject", "return", "refund", "reversal"):
            raise InvalidInput(
                record, "apply", f"a {item.kind} is not an unpaid: dismiss it with a note"
            )
        _release(session, item)
        if apply_to is not None:
            _apply_decided(session, config, item, apply_to, today)
        item.review_status = "dismissed" if apply_to is None else "applied"
        item.resolved_at = at
        item.resolved_by = by
        item.resolution_note = note
        session.flush()
        name = session.get(ReturnFile, item.return_file_id).name
        document = review_document(item, name)
    notices.write_pending(db)
    return document


def _apply_decided(
    session: Session, config: Config, item: ReturnItemRow, line_id: int, today: date
) -> None:
    session.flush()
    line = payment_line(session, line_id)
    if line.held_by_return_id is not None:
        raise InvalidInput(
            f"line {line_id}",
            "held",
            f"is held by return item {line.held_by_return_id}: resolve that item first",
        )
    code = item.reason_code
    reviewed = bool(code) and config.policy.for_code(code).action is Action.REVIEW
    [case] = load_cases(session, LedgerLine.id == line.id)
    batch = UnpaidBatch(session, config, today)
    batch.unpaid(case, UnpayOptions(reason_code=None if reviewed else code))
    batch.write()
    session.refresh(line)
    if reviewed:
        line.reason_code = code
    item.applied_line_id = line.id
