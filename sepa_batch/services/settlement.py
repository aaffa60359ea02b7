"""Settlement and bank credits (PRODUCT §6).

``settle``: a SUBMITTED line of a published file becomes PAID, paid on its requested
collection date, once that date has passed and unless a return item waiting for review holds
it — the bank credits the batch on the collection date, so a line collected on Monday is
settled by the run of Tuesday. One set-based UPDATE; running it twice changes nothing. A
return or refund that arrives later still runs the unpaid workflow on the PAID line.

``record_batch_credit``: a statement entry (camt.053 / camt.054 credit) that pays a collected
batch marks it credited with the bank's booking date and amount. The amount expected is the
batch's control sum minus what was rejected before settlement; any difference stays visible in
``report batches``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from sepa_batch.config import Config
from sepa_batch.db.schema import BankFile, LedgerLine, PaymentBatch, ReturnFile
from sepa_batch.db.session import Database, lock_job
from sepa_batch.domain.model import LineKind, Status
from sepa_batch.money import format_amount
from sepa_batch.returns.records import ReturnItem

#: A credit found by amount alone must be booked this close to the batch's collection date.
DAYS_BEFORE_COLLECTION = 2
DAYS_AFTER_COLLECTION = 5


@dataclass(frozen=True, slots=True)
class Settlement:
    as_of: date
    settled: int
    amount_cents: int
    batches: tuple[str, ...]

    def document(self) -> dict:
        return {
            "as_of": self.as_of.isoformat(),
            "settled": self.settled,
            "amount": format_amount(self.amount_cents),
            "batches": list(self.batches),
        }


def _due_for_settlement(today: date):
    """Submitted lines whose collection date has passed, in a file the bank was given (one
    written but never published — a crash before the rename — is not settled)."""
    published = (
        select(PaymentBatch.id)
        .join(BankFile, BankFile.id == PaymentBatch.bank_file_id)
        .where(BankFile.published_at.is_not(None))
    )
    return (
        LedgerLine.kind == LineKind.PAYMENT,
        LedgerLine.status == Status.SUBMITTED,
        LedgerLine.collection_date < today,
        LedgerLine.held_by_return_id.is_(None),  # a return a person must decide on
        LedgerLine.batch_id.in_(published),
    )


def _due_by_block(session: Session, today: date) -> list[tuple[str | None, int, int]]:
    """(PmtInfId, lines, cents) of what is due, per block. On PostgreSQL
    the lines are locked: an unpay running now either waits for the settlement or wins."""
    due = (
        select(LedgerLine.id, LedgerLine.amount_cents, LedgerLine.batch_id)
        .where(*_due_for_settlement(today))
        .with_for_update(of=LedgerLine)
        .cte("due")
    )
    return [
        (pmtinf, int(count), int(cents))
        for pmtinf, count, cents in session.execute(
            select(
                PaymentBatch.pmtinf_id,
                func.count(),
                func.coalesce(func.sum(due.c.amount_cents), 0),
            )
            .select_from(due)
            .outerjoin(PaymentBatch, PaymentBatch.id == due.c.batch_id)
            .group_by(PaymentBatch.pmtinf_id)
            .order_by(PaymentBatch.pmtinf_id)
        )
    ]


def settle(db: Database, today: date) -> Settlement:
    """Every SUBMITTED line whose collection date is before ``today`` becomes PAID on it."""
    with db.transaction() as session:
        lock_job(session, "settle")
        blocks = _due_by_block(session, today)
        if not blocks:
            return Settlement(today, 0, 0, ())
        done = session.execute(  # SUBMITTED → PAID: the "settle" move of domain.transitions
            update(LedgerLine)
            .where(*_due_for_settlement(today))
            .values(status=Status.PAID, paid_on=LedgerLine.collection_date)
            .execution_options(synchronize_session=False)
        ).rowcount
        count = sum(b[1] for b in blocks)
        if done != count:  # the lines were locked: cannot happen, but never settle half
            raise RuntimeError(f"settlement: {count} lines due but {done} settled; nothing changed")
        pmtinf_ids = tuple(b[0] for b in blocks if b[0] is not None)
        return Settlement(today, count, sum(b[2] for b in blocks), pmtinf_ids)


# --- bank credits ------------------------------------------------------------------------


def counts_for_credit():
    """The batch lines the bank credits: in flight, settled, or settled and returned later.
    A line rejected before settlement (UNPAID, never paid) is not credited."""
    return or_(
        LedgerLine.status.in_((Status.SUBMITTED, Status.PAID)), LedgerLine.paid_on.is_not(None)
    )


def expected_credits(session: Session, batch_ids: list[int]) -> dict[int, int]:
    """Per batch, in cents: the control sum minus what was rejected before settlement.

    Lines sent back to the next collection (technical rejects) have left the batch, so only
    the lines still in it and credited count."""
    if not batch_ids:
        return {}
    rows = session.execute(
        select(LedgerLine.batch_id, func.sum(LedgerLine.amount_cents))
        .where(LedgerLine.batch_id.in_(batch_ids), counts_for_credit())
        .group_by(LedgerLine.batch_id)
    ).all()
    found = {batch_id: int(total) for batch_id, total in rows}
    return {batch_id: found.get(batch_id, 0) for batch_id in batch_ids}


def _references(item: ReturnItem) -> list[str]:
    """Every reference the entry carries, then the words of its texts (a remittance text
    such as ``SEPA CORE SB-20100701-000001`` names the file inside it)."""
    refs = [item.original_payment_information_id, item.original_message_id, *item.references]
    seen: dict[str, None] = {}
    for ref in refs:
        if ref and ref.strip():
            seen.setdefault(ref.strip(), None)
    for ref in list(seen):
        for word in ref.replace("/", " ").split():
            seen.setdefault(word, None)
    return list(seen)


def _file_allocation(
    session: Session, file_id: int, amount: int
) -> list[tuple[PaymentBatch, int]] | None:
    """Which batches of one bank file a credit pays: its only batch (whatever the amount),
    the batch whose expected credit is the amount, or all of them when it is the file's."""
    batches = list(
        session.execute(
            select(PaymentBatch)
            .where(PaymentBatch.bank_file_id == file_id)
            .order_by(PaymentBatch.id)
        ).scalars()
    )
    if len(batches) == 1:
        return [(batches[0], amount)]
    expected = expected_credits(session, [batch.id for batch in batches])
    same = [batch for batch in batches if expected[batch.id] == amount]
    if len(same) == 1:
        return [(same[0], amount)]
    if batches and sum(expected.values()) == amount:
        return [(batch, expected[batch.id]) for batch in batches]
    return None


def _by_reference(session: Session, item: ReturnItem) -> list[tuple[PaymentBatch, int]] | None:
    """A PmtInfId among the references, else a MsgId whose file the amount fits."""
    refs = _references(item)
    blocks = {
        batch.pmtinf_id: batch
        for batch in session.execute(
            select(PaymentBatch).where(PaymentBatch.pmtinf_id.in_(refs))
        ).scalars()
    }
    named = select(BankFile.message_id, BankFile.id).where(BankFile.message_id.in_(refs))
    files = dict(session.execute(named).all())
    for ref in refs:
        if ref in blocks:
            return [(blocks[ref], item.amount_cents)]
    for ref in refs:
        if ref in files:
            allocation = _file_allocation(session, files[ref], item.amount_cents)
            if allocation:
                return allocation
    return None


def _already_credited_otherwise(batch: PaymentBatch, day: date, cents: int) -> bool:
    if batch.credited_cents is None:
        return False
    return (batch.credited_on, batch.credited_cents) != (day, cents)


def _by_amount(
    session: Session, config: Config, item: ReturnItem, day: date
) -> list[tuple[PaymentBatch, int]] | None:
    """No reference: the one batch on the creditor's account whose expected credit is the
    amount, collected within a few days of the booking date (the nearest one wins)."""
    account = (item.account_iban or "").replace(" ", "").upper()
    if account != config.creditor.iban:
        return None
    candidates = list(
        session.execute(
            select(PaymentBatch).where(
                PaymentBatch.collection_date >= day - timedelta(days=DAYS_AFTER_COLLECTION),
                PaymentBatch.collection_date <= day + timedelta(days=DAYS_BEFORE_COLLECTION),
            )
        ).scalars()
    )
    expected = expected_credits(session, [batch.id for batch in candidates])
    matching = sorted(
        (abs((batch.collection_date - day).days), batch.id, batch)
        for batch in candidates
        if expected[batch.id] == item.amount_cents
        and not _already_credited_otherwise(batch, day, item.amount_cents)
    )
    if not matching or (len(matching) > 1 and matching[0][0] == matching[1][0]):
        return None  # nothing, or two equally likely batches: left for review
    return [(matching[0][2], item.amount_cents)]


def _booking_day(session: Session, item: ReturnItem, return_file_id: int | None) -> date | None:
    if item.booking_date is not None:
        return item.booking_date
    if return_file_id is None:
        return None
    return session.execute(
        select(ReturnFile.imported_on).where(ReturnFile.id == return_file_id)
    ).scalar_one_or_none()


def record_batch_credit(
    session: Session, config: Config, item: ReturnItem, return_file_id: int | None
) -> int | None:
    """Mark the collected batch that a bank credit pays as credited; return its id.

    Found by PmtInfId, else by MsgId (the bank file; see ``_file_allocation``), else by
    amount, date and account (``_by_amount``). Returns None, changing nothing, when nothing
    matches or the batch was already credited with another date or amount; the caller keeps
    the item for review. Recording the same credit twice changes nothing.
    """
    if item.kind != "credit" or item.amount_cents is None or item.amount_cents <= 0:
        return None
    if item.currency not in (None, "EUR"):
        return None
    day = _booking_day(session, item, return_file_id)
    if day is None:
        return None
    allocation = _by_reference(session, item) or _by_amount(session, config, item, day)
    if not allocation:
        return None
    if any(_already_credited_otherwise(batch, day, cents) for batch, cents in allocation):
        return None
    for batch, cents in allocation:
        batch.credited_on = day
        batch.credited_cents = cents
    session.flush()
    return allocation[0][0].id
