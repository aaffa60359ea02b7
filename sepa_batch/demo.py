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
from datetime import date, datetime, time, timedelta
from pathlib import Path

from lxml import etree
from rich.console import Console
from rich.table import Table
from schwifty import IBAN
from sqlalchemy import func, select

from sepa_batch import config as config_module
from sepa_batch.bank.simulator import simulate
from sepa_batch.console import ledger_table
from sepa_batch.db.schema import (
    BankFile,
    Customer,
    DunningNotice,
    LedgerLine,
    PaymentBatch,
    ReturnFile,
    ReturnItem,
)
from sepa_batch.db.session import Database
from sepa_batch.domain.model import Mode, Status
from sepa_batch.money import format_amount, parse_amount
from sepa_batch.reports.model import Period
from sepa_batch.scheduler import Runtime, run_due
from sepa_batch.services import master_data, sales
from sepa_batch.services.common import customer_by_code
from sepa_batch.services.ledger import blocked_customers, ledger_document, open_overdue_lines
from sepa_batch.services.payment import pay
from sepa_batch.services.reports import journal_entries

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
#: The chance, each day, that a blocked member comes to the desk and pays.
DESK_PAYMENT_RATE = 0.15


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


def write_config(folder: Path, *, pre_notification_days: int = 2) -> Path:
    """A configuration whose database and folders live in ``folder``."""
    path = folder / "config" / "sepa_batch.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "# written by `sepa-batch demo`: the built-in defaults with the folders here\n"
        '[database]\nurl = "sqlite:///var/sepa_batch.db"  # relative to the folder of config/\n\n'
        f"[collection]\npre_notification_days = {pre_notification_days}\n",
        encoding="utf-8",
    )
    return path


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
        self.last_day = _add_months(START, months) - timedelta(days=1)

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


def _month_table(club: Club, first: date, last: date) -> Table:
    table = Table(title=f"{first:%B %Y}")
    for column in ("what", "count", "amount (EUR)"):
        table.add_column(column, justify="left" if column == "what" else "right")
    with club.db.reader() as session:
        files = session.execute(
            select(
                func.count(), func.sum(BankFile.transactions), func.sum(BankFile.control_sum_cents)
            ).where(func.date(BankFile.created_at).between(first, last))
        ).one()
        table.add_row("pain.008 files written", str(files[0]), "")
        table.add_row("instalments collected", str(files[1] or 0), format_amount(files[2] or 0))
        for label, kinds in (
            ("rejected before settlement (pain.002)", ("reject",)),
            ("returned or refunded after settlement (camt.054)", ("return", "refund")),
        ):
            count, total = session.execute(
                select(func.count(), func.sum(ReturnItem.amount_cents))
                .join(ReturnFile, ReturnFile.id == ReturnItem.return_file_id)
                .where(
                    ReturnItem.kind.in_(kinds),
                    ReturnItem.outcome == "applied",
                    ReturnItem.level == "transaction",
                    ReturnFile.imported_on.between(first, last),
                )
            ).one()
            table.add_row(label, str(count), format_amount(total or 0))
        represented = session.execute(
            select(func.count(), func.sum(LedgerLine.amount_cents)).where(
                LedgerLine.represents_id.is_not(None), LedgerLine.date.between(first, last)
            )
        ).one()
        table.add_row(
            "re-presentations (amount + fee)",
            str(represented[0]),
            format_amount(represented[1] or 0),
        )
        desk = session.execute(
            select(func.count(), func.sum(LedgerLine.amount_cents)).where(
                LedgerLine.mode == Mode.CHEQUE,
                LedgerLine.status == Status.PAID,
                LedgerLine.amount_cents > 0,
                LedgerLine.paid_on.between(first, last),
            )
        ).one()
        table.add_row("paid at the desk (cheque)", str(desk[0]), format_amount(desk[1] or 0))
        notices = session.execute(
            select(func.count())
            .select_from(DunningNotice)
            .where(DunningNotice.issued_on.between(first, last), DunningNotice.covered_by.is_(None))
        ).scalar_one()
        table.add_row("dunning notices sent", str(notices), "")
    blocked = blocked_customers(club.db, last)
    table.add_row(
        f"blocked at the door on {last}",
        str(len(blocked)),
        format_amount(sum(b.overdue_cents for b in blocked)),
    )
    return table


def run_demo(
    folder: Path, *, members: int, months: int, seed: int = 2026, console: Console | None = None
) -> dict:
    """Tell the story month by month; returns the closing figures (also printed)."""
    console = console or Console()
    club = Club(folder, members=members, months=months, seed=seed)
    console.rule(f"[bold]sepa-batch demo: {club.config.creditor.name}")
    console.print(f"folder {folder}  ·  database {club.config.database_url}")
    club.open()
    console.print(
        f"{members} members with a SEPA mandate subscribe for {months} month(s); "
        f"instalments fall due on day {club.config.collection_day} of each month."
    )
    month_first = START
    for day, _ in club.days():
        if (day + timedelta(days=1)).month != day.month and day >= START:
            console.print(_month_table(club, month_first, day))
            month_first = day + timedelta(days=1)
    return _closing(club, console)


def _closing(club: Club, console: Console) -> dict:
    config = club.config
    with club.db.reader() as session:
        written = [Path(p) for p in session.execute(select(BankFile.path)).scalars()]
    console.rule("[bold]Files written")
    for folder, what in (
        (config.folders.outbox, "pain.008 for the bank"),
        (config.folders.archive, "bank answers imported"),
        (config.folders.notices, "e-mail-ready notices"),
        (config.folders.exports, "blocked lists for the door"),
    ):
        files = sorted(p for p in folder.glob("*") if p.is_file())
        console.print(f"{folder} — {what}: {len(files)} file(s)")
        for path in files[:3]:
            console.print(f"    {path.name}")
        if len(files) > 3:
            console.print(f"    … and {len(files) - 3} more")
    _one_member(club, console)
    figures = reconciliation(club)
    console.rule("[bold]Does it reconcile?")
    table = Table()
    table.add_column("")
    table.add_column("EUR", justify="right")
    for key, label in (
        ("submitted", "submitted in pain.008 files"),
        ("settled", "  settled (credited by the bank)"),
        ("rejected", "  rejected before settlement"),
        ("returned", "  returned or refunded after settlement"),
        ("in_flight", "  still in flight"),
    ):
        table.add_row(label, format_amount(figures[key]))
    table.add_row("journal debits = credits", format_amount(figures["journal_debits"]))
    console.print(table)
    verdict = "[green]yes, to the cent[/]" if figures["reconciles"] else "[red]NO[/]"
    console.print(
        f"submitted = settled + rejected + returned + in flight, and the journal "
        f"balances: {verdict}  ({len(written)} bank file(s))"
    )
    return figures


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


def reconciliation(club: Club) -> dict:
    """Where every euro asked of the bank is, from three independent sources: the files in the
    outbox, the bank's answers as imported, and the ledger lines' statuses."""
    config = club.config
    with club.db.reader() as session:

        def total(query) -> int:
            return int(session.execute(query).scalar_one() or 0)

        settled = total(
            select(func.sum(LedgerLine.amount_cents)).where(
                LedgerLine.status == Status.PAID, LedgerLine.batch_id.is_not(None)
            )
        )
        in_flight = total(
            select(func.sum(LedgerLine.amount_cents)).where(LedgerLine.status == Status.SUBMITTED)
        )
        applied = (ReturnItem.outcome == "applied", ReturnItem.level == "transaction")
        rejected = total(
            select(func.sum(ReturnItem.amount_cents)).where(ReturnItem.kind == "reject", *applied)
        )
        rejected += total(
            select(func.sum(PaymentBatch.control_sum_cents)).where(
                PaymentBatch.rejected_reason.is_not(None)
            )
        )
        returned = total(
            select(func.sum(ReturnItem.amount_cents)).where(
                ReturnItem.kind.in_(("return", "refund")), *applied
            )
        )
        with journal_entries(club.db, config, Period(None, None)) as entries:
            debits = credits = 0
            balanced = True
            for entry in entries:
                debit = sum(p.debit_cents for p in entry.postings)
                credit = sum(p.credit_cents for p in entry.postings)
                balanced &= debit == credit
                debits, credits = debits + debit, credits + credit
    submitted = _control_sums(config.folders.outbox)
    return {
        "submitted": submitted,
        "settled": settled,
        "rejected": rejected,
        "returned": returned,
        "in_flight": in_flight,
        "journal_debits": debits,
        "journal_credits": credits,
        "reconciles": submitted == settled + rejected + returned + in_flight
        and balanced
        and debits == credits,
    }


def _one_member(club: Club, console: Console) -> None:
    """The ledger of the first member whose payment came back unpaid: the procedure's story."""
    with club.db.reader() as session:
        code = session.execute(
            select(Customer.code)
            .join(LedgerLine, LedgerLine.customer_id == Customer.id)
            .where(LedgerLine.status == Status.UNPAID)
            .order_by(LedgerLine.id)
            .limit(1)
        ).scalar_one_or_none()
    if code is None:
        return
    document = ledger_document(club.db, code, club.last_day)
    console.rule(f"[bold]One member's ledger: {code}")
    console.print(ledger_table(document, title=""))
    state = "blocked" if document["blocked"] else "allowed at the door"
    console.print(f"balance {document['balance']} EUR on {document['as_of']}: {state}")
