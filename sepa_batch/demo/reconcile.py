"""Does it reconcile? Where every euro asked of the bank is, from three independent sources:
the files in the outbox, the bank's answers as imported, and the ledger lines' statuses."""

from __future__ import annotations

from pathlib import Path

from lxml import etree
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sepa_batch.db.schema import LedgerLine, PaymentBatch, ReturnItem
from sepa_batch.demo.club import Club
from sepa_batch.domain.model import Status
from sepa_batch.money import parse_amount
from sepa_batch.reports.model import Period
from sepa_batch.services.reports import journal_entries


def _control_sums(outbox: Path) -> int:
    """What the pain.008 files in the outbox ask the bank for, read from the files themselves."""
    total = 0
    for path in outbox.glob("*.xml"):
        for _, element in etree.iterparse(
            str(path), events=("end",), resolve_entities=False, no_network=True
        ):
            if etree.QName(element).localname == "GrpHdr":
                total += parse_amount(element.findtext("{*}CtrlSum"))
                break
    return total


def _total(session: Session, query) -> int:
    return int(session.execute(query).scalar_one() or 0)


def _ledger_and_returns(session: Session) -> dict:
    """Settled and in flight from the ledger lines; rejected and returned from the bank's
    answers as imported (a rejected batch counts whole)."""
    applied = (ReturnItem.outcome == "applied", ReturnItem.level == "transaction")
    amounts = select(func.sum(ReturnItem.amount_cents))
    lines = select(func.sum(LedgerLine.amount_cents))
    rejected_batches = select(func.sum(PaymentBatch.control_sum_cents)).where(
        PaymentBatch.rejected_reason.is_not(None)
    )
    return {
        "settled": _total(
            session,
            lines.where(LedgerLine.status == Status.PAID, LedgerLine.batch_id.is_not(None)),
        ),
        "in_flight": _total(session, lines.where(LedgerLine.status == Status.SUBMITTED)),
        "rejected": _total(session, amounts.where(ReturnItem.kind == "reject", *applied))
        + _total(session, rejected_batches),
        "returned": _total(
            session, amounts.where(ReturnItem.kind.in_(("return", "refund")), *applied)
        ),
    }


def _journal(club: Club) -> tuple[int, int, bool]:
    """The journal's total debits and credits, and whether every entry balances."""
    debits = credits = 0
    balanced = True
    with journal_entries(club.db, club.config, Period(None, None)) as entries:
        for entry in entries:
            debit = sum(p.debit_cents for p in entry.postings)
            credit = sum(p.credit_cents for p in entry.postings)
            balanced &= debit == credit
            debits, credits = debits + debit, credits + credit
    return debits, credits, balanced


def reconciliation(club: Club) -> dict:
    """Where every euro asked of the bank is, and whether it all adds up to the cent."""
    with club.db.reader() as session:
        found = _ledger_and_returns(session)
        debits, credits, balanced = _journal(club)
    submitted = _control_sums(club.config.folders.outbox)
    accounted = found["settled"] + found["rejected"] + found["returned"] + found["in_flight"]
    return {
        "submitted": submitted,
        "settled": found["settled"],
        "rejected": found["rejected"],
        "returned": found["returned"],
        "in_flight": found["in_flight"],
        "journal_debits": debits,
        "journal_credits": credits,
        "reconciles": submitted == accounted and balanced and debits == credits,
    }
