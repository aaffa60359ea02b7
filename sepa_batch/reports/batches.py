"""``report batches``: per bank file and PmtInf block, where every collected euro went.

For each block collected in the period (by requested collection date):

- submitted: the lines and amount sent to the bank (the PmtInf control sum);
- rejected: refused before settlement — lines UNPAID and never paid, and lines sent back to
  the next collection (a technical reject takes them out of the block);
- returned: settled, then returned or refunded (UNPAID with a paid-on date);
- settled: PAID; in flight: SUBMITTED, collection date not passed yet;
- expected credit = submitted − rejected; credited by the bank (amount and booking date) and
  the difference credited − expected, never hidden;
- bank charges booked on the block's returns, rejection fees billed for its unpaid lines;
- net = credited (or expected, before the credit) − returned − bank charges: what the block
  left in the bank account;
- held: lines (in flight or settled) a return waiting for review holds out of settlement
  (``returns review``), counted in their category too.

submitted = rejected + returned + settled + in flight, to the cent.
"""

from __future__ import annotations

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from sepa_batch.db.schema import BankFile, LedgerLine, PaymentBatch, ReturnItem
from sepa_batch.domain.model import Status
from sepa_batch.reports.model import Column, Period, Report, sum_columns

COLUMNS = (
    Column("file", "file (MsgId)", in_table=False),
    Column("pmtinf", "PmtInfId"),
    Column("sequence", "seq"),
    Column("collection_date", "collection", "date"),
    Column("submitted_count", "lines", "count"),
    Column("submitted", "submitted", "amount"),
    Column("rejected_count", "rej.", "count", in_table=False),
    Column("rejected", "rejected", "amount"),
    Column("returned_count", "ret.", "count", in_table=False),
    Column("returned", "returned", "amount"),
    Column("settled_count", "set.", "count", in_table=False),
    Column("settled", "settled", "amount"),
    Column("in_flight_count", "fl.", "count", in_table=False),
    Column("in_flight", "in flight", "amount"),
    Column("expected_credit", "expected", "amount"),
    Column("credited", "credited", "amount"),
    Column("credited_on", "credited on", "date"),
    Column("difference", "difference", "amount"),
    Column("bank_charges", "bank charges", "amount"),
    Column("rejection_fees", "fees billed", "amount"),
    Column("net", "net", "amount"),
    Column("held_count", "hld.", "count", in_table=False),
    Column("held", "held", "amount", in_table=False),
)
SUMMED = tuple(c.key for c in COLUMNS if c.kind in ("count", "amount"))

_NEVER_PAID = and_(LedgerLine.status == Status.UNPAID, LedgerLine.paid_on.is_(None))
_RETURNED = and_(LedgerLine.status == Status.UNPAID, LedgerLine.paid_on.is_not(None))
_CATEGORIES = {
    "never_paid": _NEVER_PAID,
    "returned": _RETURNED,
    "settled": LedgerLine.status == Status.PAID,
    "in_flight": LedgerLine.status == Status.SUBMITTED,
    "held": LedgerLine.held_by_return_id.is_not(None),  # not a category: inside the others
}


def _line_figures(session: Session, batch_ids: list[int]) -> dict[int, dict[str, int]]:
    """Per block: count and amount of its lines in each category, and in all."""
    columns = [LedgerLine.batch_id, func.count(), func.sum(LedgerLine.amount_cents)]
    for condition in _CATEGORIES.values():
        columns.append(func.sum(case((condition, 1), else_=0)))
        columns.append(func.sum(case((condition, LedgerLine.amount_cents), else_=0)))
    figures = {}
    query = select(*columns).where(LedgerLine.batch_id.in_(batch_ids)).group_by(LedgerLine.batch_id)
    for batch_id, count, amount, *pairs in session.execute(query):
        found = {"count": count, "amount": int(amount)}
        for index, name in enumerate(_CATEGORIES):
            found[f"{name}_count"] = int(pairs[2 * index])
            found[name] = int(pairs[2 * index + 1])
        figures[batch_id] = found
    return figures


def _fees(session: Session, batch_ids: list[int]) -> dict[int, int]:
    """Rejection fees billed per block. The unpaid workflow re-presents amount + fee, so the
    fee of an unpaid line is what its re-presentations add to its amount."""
    again = (
        select(
            LedgerLine.represents_id.label("line_id"),
            func.sum(LedgerLine.amount_cents).label("total"),
        )
        .where(LedgerLine.represents_id.is_not(None))
        .group_by(LedgerLine.represents_id)
        .subquery()
    )
    rows = session.execute(
        select(LedgerLine.batch_id, func.sum(again.c.total - LedgerLine.amount_cents))
        .join(again, again.c.line_id == LedgerLine.id)
        .where(LedgerLine.batch_id.in_(batch_ids), LedgerLine.status == Status.UNPAID)
        .group_by(LedgerLine.batch_id)
    ).all()
    return {batch_id: int(total) for batch_id, total in rows}


def _charges(session: Session, batch_ids: list[int]) -> dict[int, int]:
    """Bank charges of the returns of each block (the same return seen twice counts once)."""
    block = func.coalesce(ReturnItem.batch_id, LedgerLine.batch_id)
    rows = session.execute(
        select(block, func.sum(ReturnItem.charges_cents))
        .outerjoin(LedgerLine, LedgerLine.id == ReturnItem.line_id)
        .where(
            block.in_(batch_ids),
            ReturnItem.charges_cents.is_not(None),
            ReturnItem.outcome != "duplicate",
            ReturnItem.kind != "credit",  # a credit's charges are inside its difference
        )
        .group_by(block)
    ).all()
    return {batch_id: int(total) for batch_id, total in rows}


def _row(batch: PaymentBatch, message_id: str, lines: dict, fees: int, charges: int) -> dict:
    left = batch.transactions - lines["count"]  # sent back to the next collection
    rejected = batch.control_sum_cents - lines["amount"] + lines["never_paid"]
    expected = batch.control_sum_cents - rejected
    credited = batch.credited_cents
    difference = None if credited is None else credited - expected
    return {
        "file": message_id,
        "pmtinf": batch.pmtinf_id,
        "sequence": batch.sequence_type,
        "collection_date": batch.collection_date,
        "submitted_count": batch.transactions,
        "submitted": batch.control_sum_cents,
        "rejected_count": left + lines["never_paid_count"],
        "rejected": rejected,
        "returned_count": lines["returned_count"],
        "returned": lines["returned"],
        "settled_count": lines["settled_count"],
        "settled": lines["settled"],
        "in_flight_count": lines["in_flight_count"],
        "in_flight": lines["in_flight"],
        "expected_credit": expected,
        "credited": credited,
        "credited_on": batch.credited_on,
        "difference": difference,
        "bank_charges": charges,
        "rejection_fees": fees,
        "net": (expected if credited is None else credited) - lines["returned"] - charges,
        "held_count": lines["held_count"],
        "held": lines["held"],
    }


EMPTY = {"count": 0, "amount": 0} | {
    key: 0 for name in _CATEGORIES for key in (name, f"{name}_count")
}


def rows(session: Session, period: Period) -> list[dict]:
    blocks = session.execute(
        select(PaymentBatch, BankFile.message_id)
        .join(BankFile, BankFile.id == PaymentBatch.bank_file_id)
        .where(*period.clauses(PaymentBatch.collection_date))
        .order_by(PaymentBatch.collection_date, BankFile.message_id, PaymentBatch.pmtinf_id)
    ).all()
    ids = [batch.id for batch, _ in blocks]
    lines = _line_figures(session, ids) if ids else {}
    fees = _fees(session, ids) if ids else {}
    charges = _charges(session, ids) if ids else {}
    return [
        _row(
            batch,
            message_id,
            lines.get(batch.id, EMPTY),
            fees.get(batch.id, 0),
            charges.get(batch.id, 0),
        )
        for batch, message_id in blocks
    ]


def build(session: Session, period: Period) -> Report:
    return Report(
        name="batches",
        title="Bank files and payment blocks",
        columns=COLUMNS,
        rows=rows(session, period),
        heading=period.document(),
        summarise=lambda found: sum_columns(found, SUMMED),
    )
