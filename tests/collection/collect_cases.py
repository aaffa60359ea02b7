"""Shared set-up of the collection tests: the fixture club on a migrated database, and readers
of the pain.008 files written (lxml, by local name, so .02 and .08 read alike)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from conftest import write_config
from lxml import etree
from sqlalchemy import select
from support import FIXTURES

from sepa_batch import collection
from sepa_batch import config as config_module
from sepa_batch.collection.jobs import PARTIAL
from sepa_batch.db.schema import LedgerLine, Mandate
from sepa_batch.db.session import Database
from sepa_batch.money import parse_amount
from sepa_batch.services import master_data, sales
from sepa_batch.services.common import current_mandate, customer_by_code

HERE = Path(__file__).parent
GOLDEN = HERE / "golden"
#: C013, a member who signed a one-off mandate (mandate_type OOFF) for a licence.
ONE_OFF_CSV = (
    "customer_id,name,email,street,building_number,postcode,town,country,iban,bic,"
    "mandate_id,mandate_signed_on,mandate_type\n"
    "C013,Zoë Ødegård-Brontë,zoe@example.fr,Rue Mercière,5,69002,Lyon,FR,"
    "FR7630001007941234567890185,,LIC-C013-2010,2010-06-28,OOFF\n"
)


def make_config(tmp_path: Path, database_url: str, extra: str = "") -> config_module.Config:
    """The test configuration (folders under ``tmp_path``) with extra TOML, e.g. a bank key."""
    return config_module.load(write_config(tmp_path, database_url, extra))


def open_database(config: config_module.Config) -> Database:
    db = Database(config.database_url)
    db.migrate()
    config.folders.create()
    return db


def import_club(db: Database, day: date = date(2010, 7, 1)) -> None:
    """The fixture articles and customers C001–C012, and C013 with a one-off mandate."""
    master_data.import_articles(db, (FIXTURES / "articles.csv").read_text(encoding="utf-8"))
    customers = (FIXTURES / "customers.csv").read_text(encoding="utf-8")
    master_data.import_customers(db, customers, today=day)
    master_data.import_customers(db, ONE_OFF_CSV, today=day, source="one_off.csv")


def subscribe(db: Database, code: str, *, day: int = 5, months: int = 3, article="SUB_MONTH"):
    """Monthly instalments from July 2010; returns their line ids."""
    return sales.subscribe(
        db, code, article=article, start=date(2010, 7, 1), months=months, day=day,
        today=date(2010, 7, 1),
    ).instalments  # fmt: skip


def instalment(db: Database, code: str, cents: int, due: date, label: str | None = None) -> int:
    return sales.add_instalment(
        db, code, amount_cents=cents, due=due, mode="DIRECT_DEBIT", label=label,
        today=date(2010, 7, 1),
    )  # fmt: skip


def collect(db: Database, config, created: datetime, until: date | None = None, **options):
    return collection.collect_due(
        db, config, today=created.date(), created_at=created, until=until, **options
    )


def line(db: Database, line_id: int) -> LedgerLine:
    with db.reader() as session:
        found = session.get(LedgerLine, line_id)
        session.expunge(found)
        return found


def statuses(db: Database, ids) -> list[str]:
    with db.reader() as session:
        rows = session.execute(
            select(LedgerLine.id, LedgerLine.status).where(LedgerLine.id.in_(list(ids)))
        ).all()
    found = dict(rows)
    return [found[i] for i in ids]


def set_mandate(db: Database, customer_code: str, **values) -> None:
    """Change a mandate behind the services' back: data the checks must catch."""
    with db.transaction() as session:
        mandate = current_mandate(session, customer_by_code(session, customer_code).id)
        for key, value in values.items():
            setattr(mandate, key, value)


def mandate_of(db: Database, customer_code: str) -> Mandate:
    with db.reader() as session:
        mandate = current_mandate(session, customer_by_code(session, customer_code).id)
        session.expunge(mandate)
        return mandate


@dataclass(frozen=True)
class Tx:
    """One DrctDbtTxInf as the bank reads it, with its block's type and date."""

    sequence: str
    collection_date: str
    end_to_end_id: str
    cents: int
    mandate: str
    signed: str
    name: str
    iban: str
    bic: str
    amendment: tuple[str, str, str] | None  # (OrgnlMndtId, OrgnlDbtrAcct IBAN, agent Id)
    address: tuple[str, ...] | None  # the Dbtr/PstlAdr children as "Tag=text"
    remittance: str


def _text(node, path: str) -> str:
    steps = "/".join(f"*[local-name()='{step}']" for step in path.split("/"))
    return node.xpath(f"string({steps})")


def read_transactions(path: str | Path) -> list[Tx]:
    root = etree.parse(str(path)).getroot()
    found = []
    for block in root.xpath("//*[local-name()='PmtInf']"):
        for tx in block.xpath("*[local-name()='DrctDbtTxInf']"):
            amended = _text(tx, "DrctDbtTx/MndtRltdInf/AmdmntInd") == "true"
            details = "DrctDbtTx/MndtRltdInf/AmdmntInfDtls/"
            address = tx.xpath("*[local-name()='Dbtr']/*[local-name()='PstlAdr']/*")
            found.append(
                Tx(
                    sequence=_text(block, "PmtTpInf/SeqTp"),
                    collection_date=_text(block, "ReqdColltnDt"),
                    end_to_end_id=_text(tx, "PmtId/EndToEndId"),
                    cents=parse_amount(_text(tx, "InstdAmt")),
                    mandate=_text(tx, "DrctDbtTx/MndtRltdInf/MndtId"),
                    signed=_text(tx, "DrctDbtTx/MndtRltdInf/DtOfSgntr"),
                    name=_text(tx, "Dbtr/Nm"),
                    iban=_text(tx, "DbtrAcct/Id/IBAN"),
                    bic=_text(tx, "DbtrAgt/FinInstnId/BICFI")
                    or _text(tx, "DbtrAgt/FinInstnId/BIC"),
                    amendment=(
                        _text(tx, details + "OrgnlMndtId"),
                        _text(tx, details + "OrgnlDbtrAcct/Id/IBAN"),
                        _text(tx, details + "OrgnlDbtrAgt/FinInstnId/Othr/Id"),
                    )
                    if amended
                    else None,
                    address=tuple(f"{etree.QName(a).localname}={a.text}" for a in address) or None,
                    remittance=_text(tx, "RmtInf/Ustrd"),
                )
            )
    return found


def by_name(transactions: list[Tx]) -> dict[str, Tx]:
    return {tx.name: tx for tx in transactions}


def outbox_files(config) -> list[Path]:
    return sorted(config.folders.outbox.glob("*.xml"))


def partial_files(config) -> list[Path]:
    return sorted((config.folders.outbox / PARTIAL).glob("*"))


# --- the golden story (see test_collection_golden.py) ---------------------------------

RUNS = [
    ("july", datetime(2010, 7, 1, 9, 30), date(2010, 7, 10)),
    ("august", datetime(2010, 8, 1, 9, 30), date(2010, 8, 10)),
    ("september", datetime(2010, 9, 1, 9, 30), date(2010, 9, 10)),
]


def story(make_club, version: str) -> dict:
    """Run the three collections; {run: (result, {file name: bytes})}."""
    config, db = make_club("[bank]\nmax_transactions_per_file = 5\n")
    for code in ("C001", "C002", "C003", "C004"):
        subscribe(db, code)
    subscribe(db, "C005", day=10, article="SUB_YOUTH")
    for code in ("C006", "C007", "C008", "C009"):
        subscribe(db, code)
    subscribe(db, "C010", day=8)
    for code in ("C011", "C012"):
        subscribe(db, code)
    instalment(db, "C013", 4250, date(2010, 7, 5), "Licence 2010-2011")
    instalment(db, "C013", 4250, date(2010, 8, 5), "Licence 2010-2011 (2)")
    runs = {}
    for name, created, until in RUNS:
        if name == "august":
            master_data.update_mandate(db, "C002", iban="FR7630004000030002009876578")
            master_data.update_mandate(db, "C006", iban="DE41500105170123456789")
            master_data.update_mandate(
                db, "C009", iban="BE68539007547034", reference="CLUB-C009-2010-B"
            )
        result = collect(db, config, created, until, version=version)
        runs[name] = (result, {Path(f.path).name: Path(f.path).read_bytes() for f in result.files})
    return runs
