"""A realistic database for the benchmarks (issue 17), shared by collect.py and returns.py.

Every customer has a year of history behind the benchmark's day (1 December 2026):

- a 24-month subscription sold on 1 December 2025 (one sale line of 24 × the monthly price)
  and its 24 monthly direct-debit instalments, due on the 5th: the 12 of December 2025 to
  November 2026 collected (in one payment batch and bank file a month) and PAID, the 12 from
  December 2026 on not yet collected (SCHEDULED) — the December one is the one due;
- about 8 % of the customers had one instalment returned unpaid (AM04) during the year: the
  line UNPAID, a rejection-fee sale, the reversal (minus the unpaid amount) and the
  re-presentation of amount + fee, collected and PAID the same month; 1 % had November's
  returned, and its re-presentation is due on 20 November (still SCHEDULED, so a second
  collection date in December);
- 20 % bought a federation licence in January, paid by cheque;
- 2 % of the mandates carry an amendment not yet presented (a new IBAN), 1 % of the customers
  changed bank in May (an old mandate REVOKED, a new one signed in June), 0.5 % revoked their
  only mandate in October (their December instalment cannot be collected);
- every mandate has its events (``added``, ``amended``, ``revoked``).

With ``submitted=True`` the December instalment is already in a bank file (SUBMITTED,
collected on 5 December, end-to-end id ``SB-L<line>-1``), for the returns benchmark.

Rows go in by chunks of customers with SQLAlchemy Core executemany; explicit ids, then (on
PostgreSQL) the sequences moved past them. ``database()`` gives a SQLite file or a PostgreSQL
schema of its own (from ``SEPA_BATCH_TEST_DATABASE_URL``), dropped at the end.
"""

from __future__ import annotations

import contextlib
import os
import platform
import resource
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import Connection, create_engine, insert, text

from sepa_batch.db.schema import Article, BankFile, PaymentBatch
from sepa_batch.db.session import Database

TODAY = date(2026, 12, 1)
SOLD_ON = date(2025, 12, 1)
FIRST_DUE = date(2025, 12, 5)
DECEMBER = date(2026, 12, 5)
FEE_CENTS = 700
CHUNK = 5_000  # customers per round of inserts
OLD_MANDATE = 10_000_000  # ids of the replaced (revoked) mandates: customer id + this

FIRST = ["Élodie", "François", "Jürgen", "Maëlle", "Sören", "Chloé", "Théo", "Zoë", "Ana", "Ueli"]
LAST = ["Martin", "Lefèvre", "Weiß", "Van den Broeck", "Groß-Bäcker", "N'Guyen", "Dubois-Müller",
        "Núñez", "Zürcher", "Garçon & Fils"]  # fmt: skip
# (country, share in 100, BBAN maker from a serial number, BIC or None, town)
COUNTRIES = [
    ("FR", 40, lambda n: f"3000400003{n:011d}{n % 97:02d}", "BNPAFRPP", "Lyon"),
    ("DE", 25, lambda n: f"37040044{n:010d}", "COBADEFFXXX", "Köln"),
    ("BE", 10, lambda n: f"539{n:07d}{n % 97 or 97:02d}", None, "Bruxelles"),
    ("NL", 10, lambda n: f"ABNA{n:010d}", "ABNANL2A", "Amsterdam"),
    ("ES", 5, lambda n: f"21000418{n % 100:02d}{n:010d}", None, "Madrid"),
    ("IT", 5, lambda n: f"X0542811101{n:012d}", None, "Milano"),
    ("CH", 5, lambda n: f"00762{n:012d}", "UBSWCHZH80A", "Zürich"),
]
_LETTERS = {chr(c): str(c - 55) for c in range(ord("A"), ord("Z") + 1)}


def iban(country: str, bban: str) -> str:
    """An IBAN with correct ISO 7064 check digits."""
    digits = "".join(_LETTERS.get(ch, ch) for ch in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


def country_of(number: int):
    slot = number % 100
    for entry in COUNTRIES:
        if slot < entry[1]:
            return entry
        slot -= entry[1]
    raise AssertionError(number)


def month(k: int) -> date:
    """The 5th of the k-th month from December 2025."""
    year, index = divmod(11 + k, 12)
    return date(2025 + year, index + 1, 5)


def price(n: int) -> int:
    return 2500 + (n * 37) % 5500


def unpaid_month(n: int) -> int | None:
    """The month (0–11) whose instalment came back unpaid, or None."""
    if n % 100 == 7:
        return 11  # November: its re-presentation is still due
    if n % 12 == 5:
        return n % 11  # re-presented and paid within the year
    return None


def changed_bank(n: int) -> bool:
    return n % 100 == 11


def left(n: int) -> bool:
    """The only mandate revoked in October: nothing more can be collected."""
    return n % 200 == 17


def amended(n: int) -> bool:
    return n % 50 == 3


class CustomerRow(NamedTuple):
    """A row of ``customers``, as the builders load it (dates as ISO text, booleans as 0/1:
    what SQLite stores and what PostgreSQL's COPY reads)."""

    id: int
    code: str
    name: str
    email: str | None
    street: str | None
    building_number: str | None
    postcode: str | None
    town: str
    country: str
    dunning_since: str | None = None
    language: str | None = None


class MandateRow(NamedTuple):
    id: int
    customer_id: int
    reference: str
    iban: str
    bic: str | None
    status: str
    status_reason: str | None
    signed_on: str
    one_off: int
    first_used: int
    last_presented_on: str | None
    amend_original_reference: str | None = None
    amend_original_iban: str | None = None
    amend_new_bank: int = 0
    revoked_on: str | None = None


class EventRow(NamedTuple):
    mandate_id: int
    on: str
    kind: str
    detail: str | None


class LineRow(NamedTuple):
    id: int
    customer_id: int
    kind: str
    date: str
    label: str
    amount_cents: int
    article_id: int | None = None
    mode: str | None = None
    due_date: str | None = None
    status: str | None = None
    paid_on: str | None = None
    represents_id: int | None = None
    reverses_id: int | None = None
    batch_id: int | None = None
    mandate_id: int | None = None
    end_to_end_id: str | None = None
    collection_date: str | None = None
    reason_code: str | None = None
    direct_debit_tries: int = 0
    presentations: int = 0
    needs_review: int = 0


TABLES = {CustomerRow: "customers", MandateRow: "mandates", EventRow: "mandate_events",
          LineRow: "ledger_lines"}  # fmt: skip


def customer_row(n: int) -> CustomerRow:
    """Customer ``n``: a name with accents, a country by ``COUNTRIES``' shares."""
    code, _, _, _, town = country_of(n)
    name = f"{FIRST[n % 10]} {LAST[(n // 10) % 10]} {n}"
    return CustomerRow(n, f"M{n:08d}", name, f"m{n}@example.org", "Hauptstrasse",
                       str(n % 200 + 1), f"{8000 + n % 900}", town, code)  # fmt: skip


def mandate_row(n: int, signed_on: date, last_presented_on: date | None) -> MandateRow:
    """Customer ``n``'s active mandate (id ``n``), on an account of its country; half of them
    without a BIC."""
    code, _, bban, bic, _ = country_of(n)
    return MandateRow(n, n, f"RUM-{n:010d}", iban(code, bban(n)), bic if n % 2 else None,
                      "ACTIVE", None, signed_on.isoformat(), 0,
                      1 if last_presented_on else 0,
                      last_presented_on.isoformat() if last_presented_on else None)  # fmt: skip


class _Month(NamedTuple):
    """The k-th month of the subscription's dates and label, as the rows hold them."""

    due: str
    created: str  # the instalment line's date: 20 days before it is due
    paid: str
    returned: str
    again: str  # when the re-presentation is due
    label: str


def _dates(due: date, label: str = "") -> _Month:
    return _Month(due.isoformat(), (due - timedelta(days=20)).isoformat(),
                  (due + timedelta(days=3)).isoformat(), (due + timedelta(days=5)).isoformat(),
                  (due + timedelta(days=15)).isoformat(), label)  # fmt: skip


MONTHS = [_dates(month(k), f"Abonnement 24 mois {month(k):%m/%Y}") for k in range(24)]


@dataclass
class Built:
    """What was built (counted as it was generated), for the benchmarks' checks."""

    customers: int = 0
    mandates: int = 0
    lines: int = 0
    events: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    #: the December instalments that can be collected (line id → cents), and the November
    #: re-presentations due (line id → cents)
    due: dict[int, int] = field(default_factory=dict)
    represented_due: dict[int, int] = field(default_factory=dict)
    #: with ``submitted``: line id → (end-to-end id, cents) of the December instalments
    submitted: dict[int, tuple[str, int]] = field(default_factory=dict)


class _Rows:
    """The rows of a chunk of customers, generated in id order (line ids follow)."""

    def __init__(self, built: Built, submitted: bool):
        self.built = built
        self.submitted = submitted
        self.customers: list[CustomerRow] = []
        self.mandates: list[MandateRow] = []
        self.events: list[EventRow] = []
        self.lines: list[LineRow] = []
        self.next_line = 1

    def _add(self, *values) -> int:
        """A ledger line of these values (``LineRow``'s fields after the id); its id."""
        line_id = self.next_line
        self.next_line += 1
        self.lines.append(LineRow(line_id, *values))
        return line_id

    def collected(self, n: int, k: int, label: str, cents: int, mandate: int, *,
                  status="PAID", represents=None, tries=0, month_k=None) -> int:  # fmt: skip
        """A direct debit that went to the bank in month ``k``'s batch (``month_k``: the dates
        it was due on, if not month ``k``'s instalment's)."""
        m = month_k or MONTHS[k]
        paid = m.paid if status == "PAID" else None
        reason = "AM04" if status == "UNPAID" else None
        return self._add(n, "payment", m.created, label, cents, None, "DIRECT_DEBIT", m.due,
                         status, paid, represents, None, k + 1, mandate,
                         f"SB-L{self.next_line}-1", m.due, reason, tries, 1)  # fmt: skip

    def scheduled(self, n: int, day: str, label: str, cents: int, due: str, *,
                  represents=None, tries=0) -> int:  # fmt: skip
        return self._add(n, "payment", day, label, cents, None, "DIRECT_DEBIT", due,
                         "SCHEDULED", None, represents, None, None, None, None, None, None,
                         tries)  # fmt: skip

    def sale(self, n: int, day: str, label: str, cents: int, article: int) -> int:
        return self._add(n, "sale", day, label, cents, article)

    def customer(self, n: int) -> None:
        self.customers.append(customer_row(n))
        old = self.mandate(n)
        monthly = price(n)
        self.sale(n, SOLD_ON.isoformat(), "Abonnement 24 mois", 24 * monthly, 1)
        self.year(n, monthly, old)
        if n % 5 == 0:
            self.sale(n, "2026-01-15", "Licence fédérale 2026", 3500, 3)
            self._add(n, "payment", "2026-01-15", "Chèque licence", 3500, None, "CHEQUE",
                      "2026-01-15", "PAID", "2026-01-20")  # fmt: skip
        self.ahead(n, monthly)

    def mandate(self, n: int) -> int | None:
        """Customer ``n``'s mandate(s) and their events; the id of the one replaced in May."""
        mandate = mandate_row(n, date(2015 + n % 10, 1 + n % 12, 1), month(11))
        if amended(n):  # the debtor gave a new account at the same bank, not yet presented
            code, _, bban, _, _ = country_of(n)
            mandate = mandate._replace(amend_original_iban=iban(code, bban(n + 1_000_000)))
            self.events.append(EventRow(n, "2026-11-12", "amended", "IBAN changed"))
        old = None
        if changed_bank(n):
            old = mandate._replace(id=OLD_MANDATE + n, reference=f"RUM-{n:010d}-A",
                                   status="REVOKED", status_reason="replaced by a new mandate",
                                   revoked_on="2026-05-20", last_presented_on=MONTHS[5].due,
                                   amend_original_iban=None)  # fmt: skip
            mandate = mandate._replace(signed_on="2026-06-01")
            self.events.append(EventRow(old.id, old.signed_on, "added", None))
            self.events.append(EventRow(old.id, old.revoked_on, "revoked", old.status_reason))
            self.mandates.append(old)
        self.events.append(EventRow(n, mandate.signed_on, "added", None))
        if left(n):
            mandate = mandate._replace(status="REVOKED", status_reason="the member left the club",
                                       revoked_on="2026-10-20")  # fmt: skip
            self.events.append(EventRow(n, mandate.revoked_on, "revoked", mandate.status_reason))
        self.mandates.append(mandate)
        return old.id if old else None

    def year(self, n: int, monthly: int, old: int | None) -> None:
        """The 12 instalments of the year behind, collected; one of them maybe unpaid."""
        bad = unpaid_month(n)
        for k in range(12):
            used = old if old and k < 6 else n
            label = MONTHS[k].label
            if k != bad:
                self.collected(n, k, label, monthly, used)
            else:
                self.unpaid(n, k, monthly, used)

    def unpaid(self, n: int, k: int, monthly: int, used: int) -> None:
        """Month ``k``'s instalment returned (AM04): the fee, the reversal, the
        re-presentation (collected the same month, or November's still due)."""
        m = MONTHS[k]
        unpaid = self.collected(n, k, m.label, monthly, used, status="UNPAID")
        self.sale(n, m.returned, "Frais de rejet", FEE_CENTS, 2)
        self._add(n, "payment", m.returned, f"Annulation ligne {unpaid}", -monthly, None,
                  "DIRECT_DEBIT", m.returned, "PAID", m.returned, None, unpaid)  # fmt: skip
        label = f"Re-présentation {m.label}"
        if k == 11:  # November's: due on the 20th, not collected yet
            line_id = self.scheduled(n, m.returned, label, monthly + FEE_CENTS, m.again,
                                     represents=unpaid, tries=1)  # fmt: skip
            if not left(n):
                self.built.represented_due[line_id] = monthly + FEE_CENTS
            return
        again = _dates(month(k) + timedelta(days=15))
        self.collected(n, k + 1, label, monthly + FEE_CENTS, used, represents=unpaid, tries=1,
                       month_k=again)  # fmt: skip

    def ahead(self, n: int, monthly: int) -> None:
        """The 12 instalments not collected yet; December's due (or, with ``submitted``,
        already in December's bank file)."""
        for k in range(12, 24):
            m = MONTHS[k]
            if k == 12 and not left(n):
                if self.submitted:
                    line_id = self.collected(n, k, m.label, monthly, n, status="SUBMITTED")
                    self.built.submitted[line_id] = (f"SB-L{line_id}-1", monthly)
                    continue
                self.built.due[self.next_line] = monthly
            self.scheduled(n, m.created, m.label, monthly, m.due)

    def flush(self, loader: Loader) -> None:
        built = self.built
        for kind in (self.customers, self.mandates, self.events, self.lines):
            loader.load(kind)
        for status in (line.status for line in self.lines):
            if status:
                built.by_status[status] = built.by_status.get(status, 0) + 1
        built.customers += len(self.customers)
        built.mandates += len(self.mandates)
        built.events += len(self.events)
        built.lines += len(self.lines)
        self.customers, self.mandates, self.events, self.lines = [], [], [], []


class Loader:
    """Loads rows (``CustomerRow``, ``MandateRow``, ``EventRow``, ``LineRow`` lists) into
    their table in the transaction of ``connection``: PostgreSQL by ``COPY``, SQLite by one
    executemany of plain tuples (no SQLAlchemy statement: its per-row work was most of the
    build's time)."""

    def __init__(self, connection, is_sqlite: bool):
        self.cursor = connection.connection.dbapi_connection.cursor()
        self.is_sqlite = is_sqlite

    def load(self, rows: list) -> None:
        if not rows:
            return
        fields = type(rows[0])._fields
        table, columns = TABLES[type(rows[0])], ", ".join(f'"{f}"' for f in fields)
        if self.is_sqlite:
            marks = ", ".join("?" * len(fields))
            self.cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
            return
        with self.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


#: SQLite for the build only: a throwaway database nobody else uses, so no rollback journal,
#: no fsync and no foreign-key lookups per row (the rows are consistent by construction; the
#: benchmark tests check it); a larger page cache for the indexes. Reset afterwards.
SQLITE_BUILD = ("journal_mode=OFF", "synchronous=OFF", "foreign_keys=OFF", "cache_size=-131072")
SQLITE_AFTER = ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "cache_size=-2000")


@contextlib.contextmanager
def bulk_load(db: Database) -> Iterator[tuple[Connection, Loader]]:
    """One transaction to build in, and its loader. The loaded tables' secondary indexes (and
    on PostgreSQL their foreign keys) are dropped first and made again, from their own
    definitions, once the rows are in: one sort per index, one join per key, instead of an
    update per row. On PostgreSQL the sequences are then moved past the ids given."""
    with db.engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        if db.is_sqlite:
            for pragma in SQLITE_BUILD:
                raw.execute(f"PRAGMA {pragma}")
        try:
            with connection.begin():
                rebuilt = _rebuilt_later(connection, db.is_sqlite)
                for drop, _ in rebuilt:
                    connection.exec_driver_sql(drop)
                yield connection, Loader(connection, db.is_sqlite)
                for _, create in reversed(rebuilt):
                    connection.exec_driver_sql(create)
                if not db.is_sqlite:
                    _move_sequences(connection)
        finally:
            if db.is_sqlite:
                for pragma in SQLITE_AFTER:
                    raw.execute(f"PRAGMA {pragma}")


LOADED = tuple(TABLES.values())


def _rebuilt_later(connection, is_sqlite: bool) -> list[tuple[str, str]]:
    """(drop, create) statements of the loaded tables' foreign keys (PostgreSQL), then of their
    indexes that no constraint owns (the primary and unique keys stay)."""
    tables = ", ".join(f"'{table}'" for table in LOADED)
    if is_sqlite:
        rows = connection.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({tables}) ORDER BY name"
        )
        return [(f'DROP INDEX "{name}"', sql) for name, sql in rows]
    keys = connection.exec_driver_sql(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'f' AND connamespace = current_schema()::regnamespace "
        f"AND conrelid::regclass::text IN ({tables}) ORDER BY conname"
    )
    indexes = connection.exec_driver_sql(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
        f"AND tablename IN ({tables}) AND indexname NOT IN (SELECT conname FROM pg_constraint "
        "WHERE connamespace = current_schema()::regnamespace) ORDER BY indexname"
    )
    return [
        (f'ALTER TABLE {table} DROP CONSTRAINT "{name}"',
         f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        for table, name, definition in keys
    ] + [(f'DROP INDEX "{name}"', definition) for name, definition in indexes]  # fmt: skip


def _move_sequences(connection) -> None:
    for table in ("customers", "mandates", "mandate_events", "ledger_lines", "articles",
                  "bank_files", "payment_batches"):  # fmt: skip
        sequence = f"pg_get_serial_sequence('{table}', 'id')"
        connection.execute(  # (an empty table's sequence is left alone)
            text(f"SELECT setval({sequence}, max(id)) FROM {table} HAVING max(id) IS NOT NULL")
        )


def bank_file(number: int, message_id: str, created: datetime, transactions: int,
              control_sum_cents: int = 0) -> dict:  # fmt: skip
    """A bank file published long ago (the recovery of unpublished files leaves it alone); its
    path is a name only: no such file exists."""
    return {"id": number, "message_id": message_id, "path": f"history/{message_id}.xml",
            "format": "pain.008.001.08", "created_at": created, "published_at": created,
            "transactions": transactions, "control_sum_cents": control_sum_cents,
            "rejected_reason": None}  # fmt: skip


def payment_batch(number: int, pmtinf_id: str, collection_date: date, transactions: int,
                  control_sum_cents: int = 0) -> dict:  # fmt: skip
    """An RCUR payment batch in bank file ``number``."""
    return {"id": number, "bank_file_id": number, "pmtinf_id": pmtinf_id,
            "sequence_type": "RCUR", "collection_date": collection_date,
            "transactions": transactions, "control_sum_cents": control_sum_cents,
            "rejected_reason": None, "credited_on": None, "credited_cents": None}  # fmt: skip


ARTICLES = [
    {"id": 1, "code": "SUB_24", "label": "Abonnement 24 mois", "price_cents": 4000,
     "kind": "SUBSCRIPTION"},
    {"id": 2, "code": "FRAIS_REJET", "label": "Frais de rejet", "price_cents": FEE_CENTS,
     "kind": "REJECTION_FEE"},
    {"id": 3, "code": "LICENCE", "label": "Licence fédérale", "price_cents": 3500,
     "kind": "OTHER"},
]  # fmt: skip


def _history(connection, submitted: bool, customers: int) -> None:
    """Articles, and one bank file and RCUR payment batch a month (13: December's too)."""
    connection.execute(insert(Article.__table__), ARTICLES)
    files, batches = [], []
    for k in range(13 if submitted else 12):
        due = month(k)
        created = datetime.combine(due - timedelta(days=4), datetime.min.time())
        files.append(bank_file(k + 1, f"SB-{due:%Y%m}-1", created, customers))
        batches.append(payment_batch(k + 1, f"SB-{due:%Y%m}-1-001", due, customers))
    connection.execute(insert(BankFile.__table__), files)
    connection.execute(insert(PaymentBatch.__table__), batches)


def build(
    url: str,
    customers: int,
    *,
    submitted: bool = False,
    migrate: bool = True,
    analyze: bool = False,
) -> Built:
    """Migrate (unless told not to), then fill the database; what was built. No ``ANALYZE``
    unless asked: the planner sees what a database nobody analysed gives it."""
    db = Database(url)
    if migrate:
        db.migrate()
    built = Built()
    rows = _Rows(built, submitted)
    with bulk_load(db) as (connection, loader):
        _history(connection, submitted, customers)
        for start in range(1, customers + 1, CHUNK):
            for n in range(start, min(start + CHUNK, customers + 1)):
                rows.customer(n)
            rows.flush(loader)
    if analyze:
        with db.engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
            connection.commit()
    db.dispose()
    return built


@contextlib.contextmanager
def database(kind: str, folder: Path) -> Iterator[str]:
    """The URL of an empty database: a SQLite file in ``folder``, or a PostgreSQL schema of
    its own (``SEPA_BATCH_TEST_DATABASE_URL``), dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'bench.db'}"
        return
    server = os.environ.get("SEPA_BATCH_TEST_DATABASE_URL")
    if not server:
        raise SystemExit("--database postgresql needs SEPA_BATCH_TEST_DATABASE_URL")
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    engine = create_engine(server)
    with engine.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        separator = "&" if "?" in server else "?"
        yield f"{server}{separator}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()


class PeakRss:
    """Samples the resident memory of this process and its children every 50 ms; ``peak_mb``
    is the highest sum seen (shared pages counted once per process: an upper bound). Without
    psutil: this process's ru_maxrss only."""

    def __init__(self):
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_mb = max(self.peak_mb, own_peak_rss_mb())

    def _sample(self) -> None:
        try:
            import psutil
        except ImportError:
            return
        me = psutil.Process()
        while not self._stop.wait(0.05):
            total = 0
            for process in [me, *me.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    total += process.memory_info().rss
            self.peak_mb = max(self.peak_mb, total / 2**20)


def own_peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def machine() -> str:
    model = "?"
    with contextlib.suppress(OSError):
        for text_line in Path("/proc/cpuinfo").read_text().splitlines():
            if text_line.startswith("model name"):
                model = text_line.split(":", 1)[1].strip()
                break
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}, "
            f"load average {load}")  # fmt: skip
