"""Dunning (relances financières, PRODUCT §7): reminders while a customer has overdue lines.

A payment that comes back unpaid opens a **dunning cycle** for its customer (the unpaid
workflow does it, asking ``cycle_is_over``); the cycle's first day is
``Customer.dunning_since``. The daily job ``run_dunning`` then, for every customer with an
open cycle:

- **closes** the cycle when the customer has no overdue line and no re-presentation still open
  (it was paid, or collected by direct debit). A re-presentation that is not due yet keeps the
  cycle open: it becomes overdue the day after its due date, and the reminders must follow.
  A later unpaid opens a new cycle, whose levels start again at the first one;
- otherwise counts the **days overdue**: days since the due date of the oldest overdue line.
  Every configured level whose ``days`` are reached and that this cycle has not issued yet is
  due. Only the highest of them is issued — one e-mail-ready ``.eml`` notice, and a sale line
  of the level's DUNNING_FEE article if it has one; the lower ones, skipped because the job ran
  late (or the customer was already far overdue), are recorded as covered by it and never come
  later. So a customer gets at most one notice a day, never the same level twice in a cycle.

Notices are recorded in the job's transaction and written to the notices folder after the
commit (``notices.write_pending``). The job holds the ``dunning`` job lock: two runs at once
(two processes on PostgreSQL) issue each notice once; a cycle is closed only if no unpaid
recorded meanwhile has started a new one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sepa_batch import notices
from sepa_batch.config import Config, DunningLevel
from sepa_batch.db.schema import Article, Customer, DunningNotice, LedgerLine
from sepa_batch.db.session import Database, lock_job
from sepa_batch.domain.ledger import OPEN
from sepa_batch.domain.model import ArticleKind, LineKind
from sepa_batch.domain.unpaid import fit_label
from sepa_batch.errors import InvalidInput, SepaBatchError
from sepa_batch.money import format_amount
from sepa_batch.services.common import article_by_code
from sepa_batch.services.ledger import open_overdue_lines
from sepa_batch.services.sales import sale_line


@dataclass(frozen=True, slots=True)
class IssuedNotice:
    customer: str
    level: int
    title: str
    overdue_cents: int
    path: str
    fee_line: int | None = None
    covered: tuple[int, ...] = ()  # lower levels skipped, covered by this one

    def document(self) -> dict:
        return {
            "customer": self.customer,
            "level": self.level,
            "title": self.title,
            "overdue": format_amount(self.overdue_cents),
            "path": self.path,
        }


@dataclass(slots=True)
class DunningRun:
    as_of: date
    notices: list[IssuedNotice] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)  # customer codes whose cycle ended

    def document(self) -> dict:
        return {
            "as_of": self.as_of.isoformat(),
            "notices": [notice.document() for notice in self.notices],
            "closed": self.closed,
        }


# --- the cycle --------------------------------------------------------------------------------


def _has_open_representation(session: Session, customer_id: int) -> bool:
    query = select(LedgerLine.id).where(
        LedgerLine.customer_id == customer_id,
        LedgerLine.kind == LineKind.PAYMENT,
        LedgerLine.status == OPEN,
        LedgerLine.represents_id.is_not(None),
    )
    return session.execute(query.limit(1)).first() is not None


def cycle_is_over(session: Session, customer_id: int, day: date) -> bool:
    """Nothing overdue on ``day`` and no re-presentation waiting to be paid or collected."""
    return not open_overdue_lines(session, customer_id, day) and not _has_open_representation(
        session, customer_id
    )


# --- the daily job ----------------------------------------------------------------------------


def _fee_articles(session: Session, config: Config) -> dict[int, Article]:
    """Each level's dunning-fee article, checked before anything is issued."""
    fees = {}
    for index, level in enumerate(config.dunning_levels):
        if not level.fee_article:
            continue
        try:
            fees[level.level] = article_by_code(
                session, level.fee_article, kind=ArticleKind.DUNNING_FEE
            )
        except SepaBatchError as exc:
            raise InvalidInput(
                f"config {config.source}", f"dunning.levels[{index}].fee_article", str(exc)
            ) from None
    return fees


def _levels_due(
    session: Session, config: Config, customer: Customer, days_overdue: int
) -> list[DunningLevel]:
    """Levels reached and not issued (or covered) yet in this cycle, lowest first."""
    recorded = set(
        session.execute(
            select(DunningNotice.level).where(
                DunningNotice.customer_id == customer.id,
                DunningNotice.cycle_start == customer.dunning_since,
            )
        ).scalars()
    )
    highest = max(recorded, default=None)
    return [
        level
        for level in config.dunning_levels
        if level.days <= days_overdue
        and level.level not in recorded
        and (highest is None or level.level > highest)
    ]


def _dun(
    session: Session,
    config: Config,
    customer: Customer,
    overdue: list[LedgerLine],
    day: date,
    fees: dict[int, Article],
) -> IssuedNotice | None:
    since = overdue[0].due_date
    due = _levels_due(session, config, customer, (day - since).days)
    if not due:
        return None
    level, covered = due[-1], due[:-1]
    overdue_cents = sum(line.amount_cents for line in overdue)
    fee_line = _fee_line(session, customer, level, day, fees.get(level.level))
    cycle = customer.dunning_since
    path = config.folders.notices / notices.file_name(
        "dunning", customer.code, f"{cycle:%Y%m%d}", f"level{level.level}"
    )
    body = notices.dunning_letter(
        language=config.dunning_language,
        sender=config.dunning_sender,
        creditor=config.creditor.name,
        name=customer.name,
        email=customer.email,
        title=level.title,
        overdue_cents=overdue_cents,
        since=since,
        day=day,
        lines=[(line.label, line.due_date, line.amount_cents) for line in overdue],
        notice_key=f"{customer.id}-{cycle:%Y%m%d}-{level.level}",
        fee_cents=fee_line.amount_cents if fee_line else 0,
    )
    common = {
        "customer_id": customer.id,
        "cycle_start": cycle,
        "issued_on": day,
        "overdue_cents": overdue_cents,
    }
    session.add(
        DunningNotice(
            **common,
            level=level.level,
            path=str(path),
            body=body,
            fee_line_id=fee_line.id if fee_line else None,
            written=False,
        )
    )
    for skipped in covered:
        session.add(
            DunningNotice(**common, level=skipped.level, covered_by=level.level, written=True)
        )
    return IssuedNotice(
        customer=customer.code,
        level=level.level,
        title=level.title,
        overdue_cents=overdue_cents,
        path=str(path),
        fee_line=fee_line.id if fee_line else None,
        covered=tuple(skipped.level for skipped in covered),
    )


def _fee_line(
    session: Session, customer: Customer, level: DunningLevel, day: date, article: Article | None
) -> LedgerLine | None:
    if article is None or article.price_cents <= 0:
        return None
    line = sale_line(
        customer,
        article_id=article.id,
        day=day,
        label=fit_label(f"{article.label} ({level.title})"),
        amount_cents=article.price_cents,
    )
    session.add(line)
    session.flush()
    return line


def _close(session: Session, customer: Customer) -> bool:
    """End the cycle, unless an unpaid recorded meanwhile (another process) opened a new one."""
    closed = session.execute(
        update(Customer)
        .where(Customer.id == customer.id, Customer.dunning_since == customer.dunning_since)
        .values(dunning_since=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.expire(customer, ["dunning_since"])
    return closed == 1


def run_dunning(db: Database, config: Config, day: date) -> DunningRun:
    """The daily dunning job for ``day`` (see the module docstring). Safe to run twice."""
    result = DunningRun(day)
    with db.transaction() as session:
        lock_job(session, "dunning")
        fees = _fee_articles(session, config)
        customers = session.execute(
            select(Customer)
            .where(Customer.dunning_since.is_not(None), Customer.dunning_since <= day)
            .order_by(Customer.code)
        ).scalars()
        for customer in list(customers):
            overdue = open_overdue_lines(session, customer.id, day)
            if not overdue:
                if not _has_open_representation(session, customer.id) and _close(session, customer):
                    result.closed.append(customer.code)
                continue
            notice = _dun(session, config, customer, overdue, day, fees)
            if notice is not None:
                result.notices.append(notice)
    notices.write_pending(db)
    return result
