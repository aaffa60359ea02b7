"""``report returns``: unpaid direct debits per month of collection and reason code.

Counted: the direct debits that came back unpaid — rejected before settlement or returned /
refunded after — by the month of their requested collection date, so that the rate (unpaid
count / count collected that month, every PmtInf transaction included) compares like with
like. Technical rejects sent back to the next collection are not customer unpaids (PRODUCT
§4) and are not counted; unpaid lines marked by hand without a reason code have none.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from sepa_batch.db.schema import LedgerLine, PaymentBatch
from sepa_batch.domain.model import LineKind, Status
from sepa_batch.domain.policy import PolicyTable
from sepa_batch.reports.model import Column, Period, Report, basis_points

COLUMNS = (
    Column("month", "month"),
    Column("reason_code", "reason"),
    Column("meaning", "meaning"),
    Column("rejected", "rejected", "count"),
    Column("returned", "returned", "count"),
    Column("count", "unpaid", "count"),
    Column("amount", "amount", "amount"),
    Column("collected", "collected in month", "count"),
    Column("rate", "rate %", "percent"),
)


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _collected(session: Session, period: Period) -> dict[str, int]:
    found: dict[str, int] = defaultdict(int)
    query = (
        select(PaymentBatch.collection_date, func.sum(PaymentBatch.transactions))
        .where(*period.clauses(PaymentBatch.collection_date))
        .group_by(PaymentBatch.collection_date)
    )
    for day, count in session.execute(query):
        found[_month(day)] += int(count)
    return found


def _unpaid(session: Session, period: Period) -> dict[tuple[str, str | None], list[int]]:
    """(month, reason) → [rejected, returned, amount]."""
    found: dict[tuple[str, str | None], list[int]] = defaultdict(lambda: [0, 0, 0])
    query = (
        select(
            LedgerLine.collection_date,
            LedgerLine.reason_code,
            func.sum(case((LedgerLine.paid_on.is_(None), 1), else_=0)),
            func.sum(case((LedgerLine.paid_on.is_not(None), 1), else_=0)),
            func.sum(LedgerLine.amount_cents),
        )
        .where(
            LedgerLine.kind == LineKind.PAYMENT,
            LedgerLine.status == Status.UNPAID,
            LedgerLine.collection_date.is_not(None),
            *period.clauses(LedgerLine.collection_date),
        )
        .group_by(LedgerLine.collection_date, LedgerLine.reason_code)
    )
    for day, code, rejected, returned, amount in session.execute(query):
        figures = found[(_month(day), code)]
        figures[0] += int(rejected)
        figures[1] += int(returned)
        figures[2] += int(amount)
    return found


def rows(session: Session, period: Period, policy: PolicyTable) -> list[dict]:
    collected = _collected(session, period)
    found = []
    for (month, code), (rejected, returned, amount) in sorted(
        _unpaid(session, period).items(), key=lambda item: (item[0][0], item[0][1] or "")
    ):
        count = rejected + returned
        found.append(
            {
                "month": month,
                "reason_code": code,
                "meaning": policy.for_code(code).meaning if code else "marked unpaid by hand",
                "rejected": rejected,
                "returned": returned,
                "count": count,
                "amount": amount,
                "collected": collected.get(month, 0),
                "rate": basis_points(count, collected.get(month, 0)),
            }
        )
    return found


def totals(found: list[dict], collected: int) -> dict:
    count = sum(row["count"] for row in found)
    return {
        "rejected": sum(row["rejected"] for row in found),
        "returned": sum(row["returned"] for row in found),
        "count": count,
        "amount": sum(row["amount"] for row in found),
        "collected": collected,
        "rate": basis_points(count, collected),
    }


def build(session: Session, period: Period, policy: PolicyTable) -> Report:
    collected = sum(_collected(session, period).values())
    return Report(
        name="returns",
        title="Unpaid direct debits by month of collection and reason",
        columns=COLUMNS,
        rows=rows(session, period, policy),
        heading=period.document(),
        summarise=lambda found: totals(found, collected),
    )
