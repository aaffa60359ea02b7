"""A club driven through the services, as the scheduler and the back office would drive it,
for the settlement and report tests: subscriptions, collections, settlement, unpaid lines
(rejected before settlement, returned after), payments at the desk, bank credits."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time

from sqlalchemy import select
from support import FIXTURES

from sepa_batch import unpaid
from sepa_batch.collection import collect_due
from sepa_batch.config import Config
from sepa_batch.db.schema import (
    BankFile,
    Customer,
    LedgerLine,
    PaymentBatch,
    ReturnFile,
)
from sepa_batch.db.schema import ReturnItem as ReturnItemRow
from sepa_batch.db.session import Database
from sepa_batch.domain.model import Mode
from sepa_batch.matching import batches
from sepa_batch.returns.records import ReturnItem
from sepa_batch.services import payment, sales, settlement
from sepa_batch.services.common import payment_line
from sepa_batch.services.master_data import import_articles, import_customers

CREDITOR_IBAN = "FR7630006000011234567890189"  # the built-in demo creditor's account


class Club:
    def __init__(self, db: Database, config: Config):
        self.db = db
        self.config = config
        import_articles(self.db, (FIXTURES / "articles.csv").read_text(encoding="utf-8"))
        import_customers(
            self.db,
            (FIXTURES / "customers.csv").read_text(encoding="utf-8"),
            today=date(2010, 7, 1),
        )

    # --- the back office -----------------------------------------------------------------
    def subscribe(self, code: str, months: int = 3, article: str = "SUB_MONTH", **kw) -> None:
        sales.subscribe(
            self.db,
            code,
            article=article,
            start=kw.pop("start", date(2010, 7, 1)),
            months=months,
            day=kw.pop("day", 5),
            mode=kw.pop("mode", Mode.DIRECT_DEBIT),
            today=date(2010, 7, 1),
        )

    def instalment(self, code: str, cents: int, due: date, mode=Mode.DIRECT_DEBIT) -> int:
        return sales.add_instalment(
            self.db, code, amount_cents=cents, due=due, mode=mode, label=None, today=due
        )

    def sell(self, code: str, article: str, day: date) -> int:
        return sales.sell(self.db, code, article=article, day=day)

    def pay(self, line_id: int, day: date, mode: Mode = Mode.CHEQUE) -> None:
        payment.pay(self.db, line_id, day, mode=mode)

    def unpay(self, line_id: int, day: date, code: str) -> unpaid.UnpaidOutcome:
        """What the return import does for one rejected / returned line."""
        with self.db.transaction() as session:
            line = payment_line(session, line_id)
            return unpaid.apply_unpaid(
                session, self.config, line, day, unpaid.UnpayOptions(reason_code=code)
            )

    # --- the scheduler -------------------------------------------------------------------
    def collect(self, day: date, until: date):
        return collect_due(
            self.db, self.config, today=day, created_at=datetime.combine(day, time(6)), until=until
        )

    def settle(self, day: date) -> settlement.Settlement:
        return settlement.settle(self.db, day)

    # --- what the bank says --------------------------------------------------------------
    def bank_charge(self, line_id: int, cents: int, booked: date, code: str) -> None:
        """A return item as the import records it: the bank's charge kept on the item."""
        with self.db.transaction() as session:
            line = session.get(LedgerLine, line_id)
            returned = ReturnFile(
                sha256=uuid.uuid4().hex,
                name=f"camt054-{line_id}.xml",
                format="camt.054.001.02",
                message_id=f"NTF-{line_id}",
                imported_on=booked,
            )
            session.add(returned)
            session.flush()
            session.add(
                ReturnItemRow(
                    return_file_id=returned.id,
                    kind="return",
                    level="transaction",
                    end_to_end_id=line.end_to_end_id,
                    amount_cents=line.amount_cents,
                    charges_cents=cents,
                    reason_code=code,
                    booking_date=booked,
                    outcome="applied",
                    line_id=line.id,
                    batch_id=line.batch_id,
                )
            )

    def credit(self, cents: int, booked: date, **ids) -> int | None:
        """A camt.053 credit entry; ``ids``: pmtinf, msgid, references, iban."""
        item = credit_item(cents, booked, **ids)
        with self.db.transaction() as session:
            return batches.record_batch_credit(session, self.config, item, None)

    # --- look-ups ------------------------------------------------------------------------
    def line(self, code: str, due: date, *, amount: int | None = None) -> LedgerLine:
        """The customer's payment line due that day (the first one, or of that amount)."""
        with self.db.reader() as session:
            query = (
                select(LedgerLine)
                .join(Customer, Customer.id == LedgerLine.customer_id)
                .where(
                    Customer.code == code,
                    LedgerLine.kind == "payment",
                    LedgerLine.due_date == due,
                    LedgerLine.reverses_id.is_(None),
                )
                .order_by(LedgerLine.id)
            )
            if amount is not None:
                query = query.where(LedgerLine.amount_cents == amount)
            return session.execute(query).scalars().first()

    def lines(self, code: str | None = None) -> list[LedgerLine]:
        with self.db.reader() as session:
            query = select(LedgerLine).order_by(LedgerLine.id)
            if code is not None:
                query = query.join(Customer, Customer.id == LedgerLine.customer_id).where(
                    Customer.code == code
                )
            return list(session.execute(query).scalars())

    def batches(self) -> list[tuple[PaymentBatch, str]]:
        with self.db.reader() as session:
            return list(
                session.execute(
                    select(PaymentBatch, BankFile.message_id)
                    .join(BankFile, BankFile.id == PaymentBatch.bank_file_id)
                    .order_by(PaymentBatch.id)
                ).all()
            )

    def batch(self, pmtinf: str) -> PaymentBatch:
        with self.db.reader() as session:
            return session.execute(
                select(PaymentBatch).where(PaymentBatch.pmtinf_id == pmtinf)
            ).scalar_one()

    def customers(self) -> dict[int, str]:
        with self.db.reader() as session:
            return dict(session.execute(select(Customer.id, Customer.code)).all())


def credit_item(
    cents: int,
    booked: date | None,
    *,
    pmtinf: str | None = None,
    msgid: str | None = None,
    references: tuple[str, ...] = (),
    iban: str | None = CREDITOR_IBAN,
    kind: str = "credit",
    currency: str | None = "EUR",
) -> ReturnItem:
    return ReturnItem(
        kind=kind,
        level="batch",
        end_to_end_id=None,
        original_message_id=msgid,
        original_payment_information_id=pmtinf,
        mandate_id=None,
        amount_cents=cents,
        currency=currency,
        reason_code=None,
        reason_text=None,
        booking_date=booked,
        charges_cents=None,
        references=references,
        account_iban=iban,
    )


# --- the small story the report tests compute by hand -------------------------------------

FILE_1 = "SB-20100701-000001"
FILE_2 = "SB-20100720-000002"
BLOCK_1 = f"{FILE_1}-001"  # FRST 2010-07-05: C001, C002, C003 July (3 × 50.00)
BLOCK_2 = f"{FILE_2}-001"  # FRST 2010-08-05: C003 August 50.00 (July's FRST was rejected)
BLOCK_3 = f"{FILE_2}-002"  # RCUR 2010-08-05: C001, C002 August 50.00, C003's 60.00 again


def small_story(club: Club) -> None:
    """Three members, two months, line ids L1…L15 (see the report tests).

    C001–C003 subscribe for July and August (sales L1, L4, L7 of 100.00; instalments L2/L3,
    L5/L6, L8/L9 of 50.00 due on the 5th). July's file: C003 rejected before settlement
    (AM04: fee L10, compensating line L11, direct-debit re-presentation L12 of 60.00 in
    August); C002 refunded after settlement on 07-20 (MD06: fee L13, compensating line L14,
    cheque L15 of 60.00 paid on 07-27), the bank charging 2.50. The July block is credited
    100.00, August's RCUR block 157.00 for 160.00 expected; its FRST block is not credited.
    """
    for code in ("C001", "C002", "C003"):
        club.subscribe(code, months=2)
    club.collect(date(2010, 7, 1), until=date(2010, 7, 5))
    club.unpay(8, date(2010, 7, 2), "AM04")
    club.settle(date(2010, 7, 6))
    club.credit(10_000, date(2010, 7, 5), pmtinf=BLOCK_1)
    club.unpay(5, date(2010, 7, 20), "MD06")
    club.bank_charge(5, 250, date(2010, 7, 20), "MD06")
    club.pay(15, date(2010, 7, 27), Mode.CHEQUE)
    club.collect(date(2010, 7, 20), until=date(2010, 8, 5))
    club.settle(date(2010, 8, 6))
    club.credit(15_700, date(2010, 8, 5), pmtinf=BLOCK_3)
