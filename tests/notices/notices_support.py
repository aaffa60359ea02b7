"""A real SMTP server on 127.0.0.1 (aiosmtpd, in this process), a configuration with
``[smtp]`` pointing at it, and notices recorded by the real services or rendered by them."""

from __future__ import annotations

import asyncio
import socket
import threading
from dataclasses import dataclass, field
from datetime import date, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from conftest import Cli, write_config
from sqlalchemy import select, update
from support import FIXTURES

from sepa_batch import collection, notices
from sepa_batch import config as config_module
from sepa_batch.db.schema import Customer, DunningNotice
from sepa_batch.db.session import Database
from sepa_batch.demo.founding import members_csv
from sepa_batch.services import master_data, sales
from sepa_batch.unpaid import UnpayOptions, unpay

DAY = date(2010, 7, 20)
NOW = datetime(2010, 7, 20, 9, 0)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Mailbox:
    """What the server received; recipients in ``refuse`` get a 550; ``delay`` slows DATA."""

    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    rcpt_attempts: list[str] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    delay: float = 0.0
    port: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            self.rcpt_attempts.append(address)
        if address in self.refuse:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)  # a slow server: senders overlap
        with self.lock:
            self.messages.append(message_from_bytes(envelope.original_content, policy=policy.SMTP))
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            number = len(self.messages)
        return f"250 2.0.0 Ok: queued as Q{number:04d}"

    def message_ids(self) -> list[str]:
        return [str(message["Message-ID"]) for message in self.messages]


@pytest.fixture
def mailbox():
    box = Mailbox(port=free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    yield box
    controller.stop()


def smtp_section(smtp_port: int, **changes) -> str:
    values = {
        "host": '"127.0.0.1"',
        "port": str(smtp_port),
        "security": '"none"',
        "sender": '"Trésorerie du Club <tresorerie@club.example>"',
        "reply_to": '"bureau@club.example"',
        "max_per_minute": "1000",
        **changes,
    }
    return "\n[smtp]\n" + "".join(f"{key} = {value}\n" for key, value in values.items())


@pytest.fixture
def smtp_config_path(tmp_path, database_url, mailbox):
    return write_config(tmp_path, database_url, smtp_section(mailbox.port))


@pytest.fixture
def smtp_config(smtp_config_path):
    return config_module.load(smtp_config_path)


@pytest.fixture
def smtp_db(smtp_config):
    database = Database(smtp_config.database_url)
    database.migrate()
    smtp_config.folders.create()
    yield database
    database.dispose()


@pytest.fixture
def cli_run(smtp_config_path, smtp_db):
    return Cli(smtp_config_path)


@pytest.fixture
def prenotified(smtp_db, smtp_config):
    """The seed's C001 by direct debit; July's 50.00 comes back AM04 on 2010-07-20: a 60.00
    re-presentation by direct debit, pre-notified (the real unpaid service)."""
    master_data.import_articles(smtp_db, (FIXTURES / "articles.csv").read_text(encoding="utf-8"))
    master_data.import_customers(
        smtp_db, (FIXTURES / "customers.csv").read_text(encoding="utf-8"), today=date(2010, 7, 1)
    )
    subscription = sales.subscribe(
        smtp_db, "C001", article="SUB_MONTH", start=date(2010, 7, 1), months=3, day=5,
        today=date(2010, 7, 1),
    )  # fmt: skip
    collection.collect_due(
        smtp_db, smtp_config, today=date(2010, 7, 1), created_at=datetime(2010, 7, 1, 9, 0)
    )
    outcome = unpay(
        smtp_db, smtp_config, subscription.instalments[0], DAY, UnpayOptions(reason_code="AM04")
    )
    return outcome.representation_lines[0]


def dunning_notices(db, config, count: int, *, without_email: tuple[int, ...] = ()) -> None:
    """``count`` members (the demo's), each with a first-level dunning letter issued on DAY,
    rendered by ``notices.dunning_letter``; members numbered in ``without_email`` have none."""
    master_data.import_customers(db, members_csv(count, seed=7), today=date(2026, 1, 1))
    with db.transaction() as session:
        if without_email:
            codes = [f"M{number:05d}" for number in without_email]
            session.execute(update(Customer).where(Customer.code.in_(codes)).values(email=None))
        for customer in session.execute(select(Customer).order_by(Customer.id)).scalars():
            body = notices.dunning_letter(
                language="fr", sender=config.dunning_sender, creditor=config.creditor.name,
                name=customer.name, email=customer.email, title="Rappel", overdue_cents=5000,
                since=date(2010, 7, 5), day=DAY, lines=[("Abonnement", date(2010, 7, 5), 5000)],
                notice_key=f"{customer.id}-20100705-1",
            )  # fmt: skip
            session.add(
                DunningNotice(
                    customer_id=customer.id,
                    cycle_start=date(2010, 7, 5),
                    level=1,
                    issued_on=DAY,
                    overdue_cents=5000,
                    body=body,
                    path=str(config.folders.notices / f"dunning-{customer.code}.eml"),
                )
            )
