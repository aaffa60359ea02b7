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

from sqlalchemy import create_engine, insert, text

from sepa_batch.db.schema import (
    Article,
    BankFile,
    Customer,
    LedgerLine,
    Mandate,
    MandateEvent,
    PaymentBatch,
)
from sepa_batch.db.session import Database

TODAY = date(2026, 12, 1)
SOLD_ON = date(2025, 12, 1)
FIRST_DUE = date(2025, 12, 5)
DECEMBER = date(2026, 12, 5)
FEE_CENTS = 700
CHUNK = 2_000  # customers per round of inserts
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
    def __init__(self, built: Built, submitted: bool):
        self.built = built
        self.submitted = submitted
        self.customers: list[dict] = []
        self.mandates: list[dict] = []
        self.events: list[dict] = []
        self.lines: list[dict] = []
        self.next_line = 1

    def line(self, customer: int, kind: str, day: date, label: str, cents: int, **values) -> int:
        line_id = self.next_line
        self.next_line += 1
        row = {"id": line_id, "customer_id": customer, "kind": kind, "date": day, "label": label,
               "amount_cents": cents, "article_id": None, "mode": None, "due_date": None,
               "status": None, "paid_on": None, "represents_id": None, "reverses_id": None,
               "batch_id": None, "mandate_id": None, "end_to_end_id": None,
               "collection_date": None, "reason_code": None, "direct_debit_tries": 0,
               "presentations": 0, "needs_review": False}  # fmt: skip
        row.update(values)
        self.lines.append(row)
        if row["status"]:
            by_status = self.built.by_status
            by_status[row["status"]] = by_status.get(row["status"], 0) + 1
        return line_id

    def collected(self, customer, label, cents, due, batch, mandate, **values) -> int:
        """A direct debit that went to the bank (PAID unless said otherwise)."""
        line_id = self.next_line
        values = {"mode": "DIRECT_DEBIT", "due_date": due, "status": "PAID",
                  "paid_on": due + timedelta(days=3), "batch_id": batch, "mandate_id": mandate,
                  "end_to_end_id": f"SB-L{line_id}-1", "collection_date": due,
                  "presentations": 1, **values}  # fmt: skip
        return self.line(customer, "payment", due - timedelta(days=20), label, cents, **values)

    def customer(self, n: int) -> None:
        code, _, bban, bic, town = country_of(n)
        name = f"{FIRST[n % 10]} {LAST[(n // 10) % 10]} {n}"
        self.customers.append(
            {"id": n, "code": f"M{n:08d}", "name": name, "email": f"m{n}@example.org",
             "street": "Hauptstrasse", "building_number": str(n % 200 + 1),
             "postcode": f"{8000 + n % 900}", "town": town, "country": code,
             "dunning_since": None, "language": None}
        )  # fmt: skip
        account = iban(code, bban(n))
        mandate = {"id": n, "customer_id": n, "reference": f"RUM-{n:010d}", "iban": account,
                   "bic": bic if n % 2 else None, "status": "ACTIVE", "status_reason": None,
                   "signed_on": date(2015 + n % 10, 1 + n % 12, 1), "one_off": False,
                   "first_used": True, "last_presented_on": month(11),
                   "amend_original_reference": None, "amend_original_iban": None,
                   "amend_new_bank": False, "revoked_on": None}  # fmt: skip
        if amended(n):  # the debtor gave a new account at the same bank, not yet presented
            mandate["amend_original_iban"] = iban(code, bban(n + 1_000_000))
            self.events.append({"mandate_id": n, "on": date(2026, 11, 12), "kind": "amended",
                                "detail": "IBAN changed"})  # fmt: skip
        old = None
        if changed_bank(n):
            old = {**mandate, "id": OLD_MANDATE + n, "reference": f"RUM-{n:010d}-A",
                   "status": "REVOKED", "status_reason": "replaced by a new mandate",
                   "revoked_on": date(2026, 5, 20), "last_presented_on": month(5),
                   "amend_original_iban": None}  # fmt: skip
            mandate["signed_on"] = date(2026, 6, 1)
            self.events.append({"mandate_id": old["id"], "on": old["signed_on"],
                                "kind": "added", "detail": None})  # fmt: skip
            self.events.append({"mandate_id": old["id"], "on": old["revoked_on"],
                                "kind": "revoked", "detail": old["status_reason"]})  # fmt: skip
        self.events.append({"mandate_id": n, "on": mandate["signed_on"], "kind": "added",
                            "detail": None})  # fmt: skip
        if left(n):
            mandate.update(status="REVOKED", status_reason="the member left the club",
                           revoked_on=date(2026, 10, 20))  # fmt: skip
            self.events.append({"mandate_id": n, "on": mandate["revoked_on"], "kind": "revoked",
                                "detail": mandate["status_reason"]})  # fmt: skip
        if old:
            self.mandates.append(old)
        self.mandates.append(mandate)

        monthly = price(n)
        self.line(n, "sale", SOLD_ON, "Abonnement 24 mois", 24 * monthly, article_id=1)
        bad = unpaid_month(n)
        for k in range(12):
            due = month(k)
            label = f"Abonnement 24 mois {due:%m/%Y}"
            used = OLD_MANDATE + n if old and k < 6 else n
            if k != bad:
                self.collected(n, label, monthly, due, k + 1, used)
                continue
            returned = due + timedelta(days=5)
            unpaid = self.collected(n, label, monthly, due, k + 1, used, status="UNPAID",
                                    paid_on=None, reason_code="AM04")  # fmt: skip
            self.line(n, "sale", returned, "Frais de rejet", FEE_CENTS, article_id=2)
            self.line(n, "payment", returned, f"Annulation ligne {unpaid}", -monthly,
                      mode="DIRECT_DEBIT", due_date=returned, status="PAID",
                      paid_on=returned, reverses_id=unpaid)  # fmt: skip
            again = due + timedelta(days=15)
            if k == 11:  # November's: due on the 20th, not collected yet
                line_id = self.line(n, "payment", returned, f"Re-présentation {label}",
                                    monthly + FEE_CENTS, mode="DIRECT_DEBIT", due_date=again,
                                    status="SCHEDULED", represents_id=unpaid,
                                    direct_debit_tries=1)  # fmt: skip
                if not left(n):
                    self.built.represented_due[line_id] = monthly + FEE_CENTS
            else:
                self.collected(n, f"Re-présentation {label}", monthly + FEE_CENTS, again,
                               k + 2, used, represents_id=unpaid,
                               direct_debit_tries=1)  # fmt: skip
        if n % 5 == 0:
            bought = date(2026, 1, 15)
            self.line(n, "sale", bought, "Licence fédérale 2026", 3500, article_id=3)
            self.line(n, "payment", bought, "Chèque licence", 3500, mode="CHEQUE",
                      due_date=bought, status="PAID", paid_on=date(2026, 1, 20))  # fmt: skip
        for k in range(12, 24):
            due = month(k)
            label = f"Abonnement 24 mois {due:%m/%Y}"
            if k == 12 and self.submitted and not left(n):
                line_id = self.collected(n, label, monthly, due, 13, n, status="SUBMITTED",
                                         paid_on=None)  # fmt: skip
                self.built.submitted[line_id] = (f"SB-L{line_id}-1", monthly)
                continue
            line_id = self.line(n, "payment", due - timedelta(days=20), label, monthly,
                                mode="DIRECT_DEBIT", due_date=due,
                                status="SCHEDULED")  # fmt: skip
            if k == 12 and not left(n):
                self.built.due[line_id] = monthly

    def flush(self, connection) -> None:
        for table, rows in ((Customer, self.customers), (Mandate, self.mandates),
                            (MandateEvent, self.events), (LedgerLine, self.lines)):  # fmt: skip
            if rows:
                connection.execute(insert(table.__table__), rows)
        self.built.customers += len(self.customers)
        self.built.mandates += len(self.mandates)
        self.built.events += len(self.events)
        self.built.lines += len(self.lines)
        self.customers, self.mandates, self.events, self.lines = [], [], [], []


def _history(connection, submitted: bool, customers: int) -> None:
    """Articles, and one bank file and RCUR payment batch a month (13: December's too)."""
    connection.execute(
        insert(Article.__table__),
        [{"id": 1, "code": "SUB_24", "label": "Abonnement 24 mois", "price_cents": 4000,
          "kind": "SUBSCRIPTION"},
         {"id": 2, "code": "FRAIS_REJET", "label": "Frais de rejet", "price_cents": FEE_CENTS,
          "kind": "REJECTION_FEE"},
         {"id": 3, "code": "LICENCE", "label": "Licence fédérale", "price_cents": 3500,
          "kind": "OTHER"}],
    )  # fmt: skip
    months = 13 if submitted else 12
    files, batches = [], []
    for k in range(months):
        due = month(k)
        created = datetime.combine(due - timedelta(days=4), datetime.min.time())
        # published long ago (the recovery of unpublished files leaves them alone); the path
        # is a name only: no file of the history exists
        files.append({"id": k + 1, "message_id": f"SB-{due:%Y%m}-1",
                      "path": f"history/SB-{due:%Y%m}-1.xml", "format": "pain.008.001.08",
                      "created_at": created, "published_at": created,
                      "transactions": customers, "control_sum_cents": 0,
                      "rejected_reason": None})  # fmt: skip
        batches.append({"id": k + 1, "bank_file_id": k + 1, "pmtinf_id": f"SB-{due:%Y%m}-1-001",
                        "sequence_type": "RCUR", "collection_date": due,
                        "transactions": customers, "control_sum_cents": 0,
                        "rejected_reason": None, "credited_on": None,
                        "credited_cents": None})  # fmt: skip
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
    with db.engine.begin() as connection:
        _history(connection, submitted, customers)
        for start in range(1, customers + 1, CHUNK):
            for n in range(start, min(start + CHUNK, customers + 1)):
                rows.customer(n)
            rows.flush(connection)
        if not db.is_sqlite:  # the ids given explicitly: the sequences go past them
            for table in ("customers", "mandates", "mandate_events", "ledger_lines",
                          "articles", "bank_files", "payment_batches"):  # fmt: skip
                sequence = f"pg_get_serial_sequence('{table}', 'id')"
                connection.execute(
                    text(f"SELECT setval({sequence}, (SELECT max(id) FROM {table}))")
                )
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
