"""The club on a fresh database, and its days replayed by the scheduler."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sepa_batch import config as config_module
from sepa_batch.db.session import Database
from sepa_batch.demo.bank import DemoBank
from sepa_batch.demo.founding import ARTICLES, START, last_day, members_csv, write_config
from sepa_batch.domain.model import Mode
from sepa_batch.scheduler import Runtime, run_due
from sepa_batch.services import master_data, sales
from sepa_batch.services.common import customer_by_code
from sepa_batch.services.ledger import blocked_customers, open_overdue_lines
from sepa_batch.services.payment import pay

#: The chance, each day, that a blocked member comes to the desk and pays.
DESK_PAYMENT_RATE = 0.15


class Club:
    """A club on a fresh database, and its days replayed by the scheduler with a simulated
    bank answering every file it writes."""

    def __init__(self, folder: Path, *, members: int, months: int, seed: int = 2026):
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.members, self.months, self.seed = members, months, seed
        self.config = config_module.load(write_config(folder))
        self.config.folders.create()
        self.db = Database(self.config.database_url)
        self.db.migrate()
        self.runtime = Runtime(self.config, self.db)
        self.bank = DemoBank(self.config.folders.inbox, seed)
        self.rng = random.Random(seed)
        self.first_day = START - timedelta(days=3)
        self.last_day = last_day(months)

    def open(self) -> None:
        """Articles, members with their mandates, and a subscription for everyone."""
        master_data.import_articles(self.db, ARTICLES)
        master_data.import_customers(self.db, members_csv(self.members, self.seed), today=START)
        for number in range(1, self.members + 1):
            article = "SUB_YOUTH" if number % 5 == 0 else "SUB_MONTH"
            sales.subscribe(
                self.db,
                f"M{number:05d}",
                article=article,
                start=START,
                months=self.months,
                day=self.config.collection_day,
                today=START - timedelta(days=15),
            )

    def run_day(self, day: date) -> dict[str, str]:
        """The bank's files of the day land in the inbox; the scheduler runs the day; the bank
        reads the new pain.008 files."""
        self.bank.deliver(day)
        outcomes = run_due(self.runtime, day, datetime.combine(day, time(6, 0)))
        self.bank.answer(self.config.folders.outbox)
        outcomes["desk"] = f"{self.pay_at_the_desk(day)} payment(s) at the desk"
        return outcomes

    def pay_at_the_desk(self, day: date) -> int:
        """Some blocked members come to the desk and pay what is overdue, by cheque."""
        paid = 0
        for blocked in blocked_customers(self.db, day):
            if self.rng.random() >= DESK_PAYMENT_RATE:
                continue
            with self.db.reader() as session:
                customer = customer_by_code(session, blocked.customer)
                lines = [line.id for line in open_overdue_lines(session, customer.id, day)]
            for line in lines:
                pay(self.db, line, day, mode=Mode.CHEQUE)
                paid += 1
        return paid

    def days(self):
        day = self.first_day
        while day <= self.last_day:
            yield day, self.run_day(day)
            day += timedelta(days=1)
