"""Bank entries about whole batches: a credit that pays a collected batch, a file or PmtInf
rejected whole (PRODUCT §5, §6).

``record_batch_credit``: a statement entry (camt.053 / camt.054 credit) that pays a collected
batch marks it credited with the bank's booking date and amount. The amount expected is the
batch's control sum minus what was rejected before settlement; any difference stays visible in
``report batches``.

``batches_rejected``: the batches a file- or batch-level reject names (by PmtInfId or MsgId).
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from sepa_batch.config import Config
from sepa_batch.db.schema import BankFile, LedgerLine, PaymentBatch, ReturnFile
from sepa_batch.domain.model import Status
from sepa_batch.returns.records import ReturnItem

#: A credit found by amount alone must be booked this close to the batch's collection date.
DAYS_BEFORE_COLLECTION = 2
DAYS_AFTER_COLLECTION = 5


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


def batches_rejected(session: Session, item: ReturnItem) -> list[PaymentBatch]:
    """The batches a whole-batch (PmtInfId) or whole-file (MsgId) reject names."""
    if item.level == "batch" and item.original_payment_information_id:
        return list(
            session.execute(
                select(PaymentBatch).where(
                    PaymentBatch.pmtinf_id == item.original_payment_information_id
                )
            ).scalars()
        )
    if item.level == "file" and item.original_message_id:
        return list(
            session.execute(
                select(PaymentBatch)
                .join(BankFile, BankFile.id == PaymentBatch.bank_file_id)
                .where(BankFile.message_id == item.original_message_id)
            ).scalars()
        )
    return []
