"""``sepa-batch demo``: a club's months told as a story, on a fresh SQLite database.

It creates a club (members with French, German and Belgian accounts, a few Swiss), then replays
the scheduler day by day: each month's collection file, the simulated bank's answers dropped
in the inbox on the day the bank would send them, their import and the unpaid workflow,
re-presentations in the next file, settlement, dunning and the door's blocked list. Everything
is seeded: the same options tell the same story.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from lxml import etree
from rich.console import Console
from rich.table import Table
from schwifty import IBAN
from sqlalchemy import func, select

from sepa_batch import config as config_module
from sepa_batch.bank.simulator import simulate
from sepa_batch.db.schema import BankFile, DunningNotice, LedgerLine, ReturnItem
from sepa_batch.db.session import Database
from sepa_batch.domain.model import Status
from sepa_batch.money import format_amount
from sepa_batch.scheduler import Runtime, run_due
from sepa_batch.services import master_data, sales

FIRST_NAMES = (
    "Élodie",
    "François",
    "Chloé",
    "Jérôme",
    "Anaïs",
    "Théo",
    "Maëlle",
    "Zoé",
    "Jürgen",
    "Sören",
    "Lena",
    "Lukas",
    "Pieter",
    "Ines",
    "Noé",
    "Léa",
    "Björn",
    "Agnès",
    "Hélène",
    "Loïc",
    "Ueli",
    "Margaux",
    "Yannick",
    "Céline",
)
LAST_NAMES = (
    "Martin",
    "Lefèvre",
    "Dubois-Müller",
    "Garçon",
    "N'Guyen",
    "Weiß",
    "Groß",
    "Schäfer",
    "Van den Broeck",
    "De Smet",
    "Rivière",
    "Bernard",
    "Moreau",
    "Fournier",
    "Zürcher",
    "Peeters",
    "Müller",
    "Faure",
    "Lambert",
    "Dupont & Fils",
)
TOWNS = {
    "FR": ("Lyon", "69002"),
    "DE": ("Köln", "50667"),
    "BE": ("Liège", "4000"),
    "CH": ("Genève", "1201"),
}
BANKS = {
    "FR": ("20041", "30004", "10278", "18206", "30003"),
    "DE": ("37040044", "50010517", "10020030"),
    "BE": ("539", "096", "068"),
    "CH": ("00762",),
}
ARTICLES = """code,label,price,kind
SUB_MONTH,Abonnement mensuel,39.90,SUBSCRIPTION
SUB_YOUTH,Abonnement jeune,24.50,SUBSCRIPTION
FRAIS_REJET,Frais de rejet de prélèvement,10.00,REJECTION_FEE
FRAIS_RELANCE,Frais de relance,5.00,DUNNING_FEE
"""
START = date(2026, 1, 1)


def _account(rng: random.Random, country: str) -> str:
    bank = rng.choice(BANKS[country])
    if country == "FR":
        account = f"{rng.randrange(10**5):05d}{rng.randrange(10**11):011d}"
        return IBAN.generate("FR", bank_code=bank + account[:5], account_code=account[5:]).compact
    digits = {"DE": 10, "BE": 7, "CH": 12}[country]
    return IBAN.generate(
        country, bank_code=bank, account_code=f"{rng.randrange(10**digits):0{digits}d}"
    ).compact


def members_csv(count: int, seed: int) -> str:
    """A club of ``count`` members with valid IBANs, mandates signed before the start."""
    rng = random.Random(seed)
    lines = [
        "customer_id,name,email,street,building_number,postcode,town,country,iban,bic,"
        "mandate_id,mandate_signed_on"
    ]
    for number in range(1, count + 1):
        country = rng.choices(("FR", "DE", "BE", "CH"), weights=(80, 9, 9, 2))[0]
        town, postcode = TOWNS[country]
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        signed = START - timedelta(days=rng.randrange(10, 400))
        lines.append(
            ",".join(
                [
                    f"M{number:05d}",
                    name,
                    f"member{number}@example.org",
                    "Rue du Parc",
                    str(rng.randrange(1, 120)),
                    postcode,
                    town,
                    country,
                    _account(rng, country),
                    "",
                    f"DEMO-M{number:05d}",
                    signed.isoformat(),
                ]
            )
        )
    return "\n".join(lines) + "\n"


def _add_months(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month + 1, day.day)


@dataclass(slots=True)
class DemoBank:
    """Holds the simulated bank's answers until the day the bank would send them."""

    inbox: Path
    seed: int
    pending: list[tuple[date, str, bytes]] = field(default_factory=list)
    answered: set[str] = field(default_factory=set)

    def answer(self, outbox: Path) -> None:
        for path in sorted(outbox.glob("*.xml")):
            if path.name in self.answered:
                continue
            self.answered.add(path.name)
            answer = simulate(path.read_bytes(), reject_rate=0.04, return_rate=0.03, seed=self.seed)
            for suffix, data in (
                ("pain002", answer.pain002),
                ("camt054", answer.camt054),
                ("camt053", answer.camt053),
            ):
                if data:
                    self.pending.append((_created_on(data), f"{path.stem}.{suffix}.xml", data))

    def deliver(self, day: date) -> int:
        due = [p for p in self.pending if p[0] <= day]
        self.pending = [p for p in self.pending if p[0] > day]
        for _, name, data in due:
            (self.inbox / name).write_bytes(data)
        return len(due)


def _created_on(data: bytes) -> date:
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    stamp = root.xpath("//*[local-name()='GrpHdr']/*[local-name()='CreDtTm']/text()")[0]
    return datetime.fromisoformat(stamp[:19]).date()


def _write_config(folder: Path) -> Path:
    path = folder / "config" / "sepa_batch.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "# written by `sepa-batch demo`: the built-in defaults with the folders here\n"
        f'[database]\nurl = "sqlite:///{(folder / "var" / "sepa_batch.db").as_posix()}"\n\n'
        "[collection]\npre_notification_days = 2\n",
        encoding="utf-8",
    )
    return path


def _count(session, query) -> int:
    return int(session.execute(query).scalar_one() or 0)


def _month_table(rt: Runtime, month_start: date, month_end: date) -> Table:
    table = Table(title=f"{month_start:%B %Y}", show_header=True)
    for column in ("what", "count", "amount (EUR)"):
        table.add_column(column, justify="left" if column == "what" else "right")
    with rt.db.reader() as session:
        files = session.execute(
            select(
                func.count(), func.sum(BankFile.transactions), func.sum(BankFile.control_sum_cents)
            ).where(
                func.date(BankFile.created_at) >= month_start,
                func.date(BankFile.created_at) <= month_end,
            )
        ).one()
        table.add_row("bank files written", str(files[0]), "")
        table.add_row("instalments collected", str(files[1] or 0), format_amount(files[2] or 0))
        for label, kinds in (
            ("rejected before settlement (pain.002)", ("reject",)),
            ("returned or refunded (camt.054)", ("return", "refund")),
        ):
            row = session.execute(
                select(func.count(), func.sum(ReturnItem.amount_cents))
                .where(
                    ReturnItem.kind.in_(kinds),
                    ReturnItem.outcome == "applied",
                    ReturnItem.level == "transaction",
                    ReturnItem.booking_date.is_(None)
                    | (ReturnItem.booking_date.between(month_start, month_end)),
                )
                .join(LedgerLine, LedgerLine.id == ReturnItem.line_id)
                .where(
                    LedgerLine.collection_date.between(month_start - timedelta(days=40), month_end)
                )
            ).one()
            table.add_row(label, str(row[0]), format_amount(row[1] or 0))
        notices = _count(
            session,
            select(func.count())
            .select_from(DunningNotice)
            .where(DunningNotice.issued_on.between(month_start, month_end)),
        )
        table.add_row("dunning notices", str(notices), "")
    return table


def run_demo(
    folder: Path, *, members: int, months: int, seed: int = 2026, console: Console | None = None
) -> dict:
    """Tell the story; returns the closing figures (also printed)."""
    console = console or Console()
    folder.mkdir(parents=True, exist_ok=True)
    config_path = _write_config(folder)
    config = config_module.load(config_path)
    config.folders.create()
    db = Database(config.database_url)
    db.migrate()
    rt = Runtime(config, db)
    console.rule(f"[bold]sepa-batch demo: {config.creditor.name}")
    console.print(f"folder {folder}  ·  database {config.database_url}")
    master_data.import_articles(db, ARTICLES)
    result = master_data.import_customers(db, members_csv(members, seed), today=START)
    console.print(
        f"{result.customers} members, {result.mandates} SEPA mandates; every member "
        f"subscribes for {months} month(s), collected on day {config.collection_day}"
    )
    for number in range(1, members + 1):
        article = "SUB_YOUTH" if number % 5 == 0 else "SUB_MONTH"
        sales.subscribe(
            db,
            f"M{number:05d}",
            article=article,
            start=START,
            months=months,
            day=config.collection_day,
            today=START - timedelta(days=15),
        )
    bank = DemoBank(config.folders.inbox, seed)
    day, last = START - timedelta(days=3), _add_months(START, months) - timedelta(days=1)
    month_start = START
    while day <= last:
        bank.deliver(day)
        run_due(rt, day, datetime.combine(day, datetime.min.time()).replace(hour=6))
        bank.answer(config.folders.outbox)
        next_day = day + timedelta(days=1)
        if next_day.month != day.month and day >= START:
            console.print(_month_table(rt, month_start, day))
            month_start = next_day
        day = next_day
    return _closing(rt, last, console, folder)


def _closing(rt: Runtime, day: date, console: Console, folder: Path) -> dict:
    with rt.db.reader() as session:
        by_status = dict(
            session.execute(
                select(LedgerLine.status, func.sum(LedgerLine.amount_cents))
                .where(LedgerLine.batch_id.is_not(None))
                .group_by(LedgerLine.status)
            ).all()
        )
        submitted = _count(session, select(func.sum(BankFile.control_sum_cents)))
    figures = {status: int(by_status.get(status, 0) or 0) for status in Status}
    table = Table(title=f"Where every collected euro is, on {day}")
    table.add_column("status")
    table.add_column("amount (EUR)", justify="right")
    for status in (Status.PAID, Status.UNPAID, Status.SUBMITTED, Status.SCHEDULED):
        table.add_row(status.value, format_amount(figures[status]))
    table.add_row("[bold]total submitted in bank files", format_amount(submitted))
    console.print(table)
    console.print(
        f"files written under {folder / 'var'}: outbox (pain.008), archive (bank "
        "answers imported), notices (.eml), exports (blocked lists)"
    )
    return {"submitted_cents": submitted, **{k.value: v for k, v in figures.items()}}
