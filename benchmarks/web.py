"""Benchmark of the back office: server time of the customer search and of the Financier page.

    .venv/bin/python benchmarks/web.py --database sqlite
    .venv/bin/python benchmarks/web.py --database postgresql [--url postgresql+psycopg://...]

1. builds a database of ``--customers`` customers (100,000 by default), each with a mandate and
   a year of lines (a yearly subscription sale and twelve monthly instalments, the past ones
   paid, 2 % of the customers with an instalment overdue, so blocked), plus ``--heavy``
   customers with 200 lines each; on PostgreSQL in a schema of its own, dropped at the end;
2. logs in to the app (``create_app``, "today" pinned) through Starlette's TestClient and
   times, inside the app (an HTTP middleware around the route: the server's time, not the
   client's), ``--requests`` searches (by name, by customer id, by mandate reference, by IBAN's
   last four, in turn) and ``--requests`` Financier pages of the 200-line customers, after a
   warm-up;
3. prints median and 95th percentile per kind, against the target (≤ 50 ms at the 95th
   percentile), as wall time and as the process's CPU time during the request (the client
   thread waits meanwhile; on a busy machine the wall time is mostly waiting for a core), and
   the machine's load average. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import tempfile
import time
import uuid
from datetime import date, datetime
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, insert, text

from sepa_batch import config as config_module
from sepa_batch.db.lines import new_line
from sepa_batch.db.schema import Article, Customer, LedgerLine, Mandate
from sepa_batch.db.session import Database
from sepa_batch.domain.model import LineKind
from sepa_batch.services import users
from sepa_batch.web.app import create_app

TODAY = date(2026, 12, 1)
TARGET_MS = 50.0
CHUNK = 20_000
FIRST = ["Élodie", "François", "Jürgen", "Maëlle", "Sören", "Chloé", "Théo", "Zoë", "Ana", "Ueli"]
LAST = ["Martin", "Lefèvre", "Weiß", "Van den Broeck", "Dubois-Müller", "Núñez", "Garçon",
        "Bernard", "Petit", "Durand", "Leroy", "Moreau", "Simon", "Laurent", "Michel"]  # fmt: skip


def fr_iban(serial: int) -> str:
    """A French IBAN with valid ISO 7064 check digits, from a serial number."""
    bban = f"30004000030{serial:010d}{serial % 97:02d}"
    digits = bban + "1527" + "00"  # F=15, R=27
    return f"FR{98 - int(digits) % 97:02d}{bban}"


def _payment(customer_id: int, due: date, amount: int, paid: bool, label: str) -> dict:
    return new_line(
        customer_id, LineKind.PAYMENT, date(due.year, 1, 1), label, amount,
        mode="DIRECT_DEBIT", due_date=due, status="PAID" if paid else "SCHEDULED",
        paid_on=due if paid else None,
    )  # fmt: skip


def build(db: Database, customers: int, heavy: int) -> dict:
    """Bulk Core inserts; returns what was built."""
    started = time.perf_counter()
    with db.transaction() as session:
        session.execute(
            insert(Article.__table__),
            [{"code": "SUB_YEAR", "label": "Abonnement annuel", "price_cents": 60000,
              "kind": "SUBSCRIPTION"},
             {"code": "FRAIS_REJET", "label": "Frais de rejet", "price_cents": 700,
              "kind": "REJECTION_FEE"}],
        )  # fmt: skip
    total_lines = 0
    count = customers + heavy
    for start in range(1, count + 1, CHUNK):
        stop = min(start + CHUNK, count + 1)
        people, mandates, lines = [], [], []
        for n in range(start, stop):
            is_heavy = n > customers
            code = f"H{n - customers:05d}" if is_heavy else f"C{n:06d}"
            people.append({
                "id": n, "code": code,
                "name": f"{FIRST[n % len(FIRST)]} {LAST[(n // 10) % len(LAST)]} {n}",
                "email": f"member{n}@example.fr", "street": "Rue du Stade",
                "building_number": str(n % 200), "postcode": "69003", "town": "Lyon",
                "country": "FR", "dunning_since": None,
            })  # fmt: skip
            mandates.append({
                "id": n, "customer_id": n, "reference": f"CLUB-{code}", "iban": fr_iban(n),
                "bic": "BNPAFRPP", "signed_on": date(2025, 12, 1), "status": "ACTIVE",
                "status_reason": None, "one_off": False, "first_used": True,
                "last_presented_on": date(2026, 11, 5), "amend_original_reference": None,
                "amend_original_iban": None, "amend_new_bank": False,
            })  # fmt: skip
            if is_heavy:  # 200 weekly instalments
                for week in range(200):
                    due = date.fromordinal(date(2023, 1, 2).toordinal() + 7 * week)
                    lines.append(_payment(n, due, 1500, due < TODAY, f"Cours {week + 1}"))
                continue
            lines.append(new_line(n, LineKind.SALE, date(2026, 1, 1), "Abonnement annuel", 60000,
                                  article_id=1))  # fmt: skip
            for month in range(1, 13):
                due = date(2026, month, 5)
                paid = due < TODAY and not (n % 50 == 0 and month == 11)  # 2 % blocked
                lines.append(_payment(n, due, 5000, paid, f"Abonnement {month:02d}/2026"))
        with db.transaction() as session:
            session.execute(insert(Customer.__table__), people)
            session.execute(insert(Mandate.__table__), mandates)
            for offset in range(0, len(lines), CHUNK):
                session.execute(insert(LedgerLine.__table__), lines[offset : offset + CHUNK])
        total_lines += len(lines)
    if not db.is_sqlite:
        with db.engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    else:
        with db.engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
    return {"customers": count, "lines": total_lines, "build_s": time.perf_counter() - started}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(database_url: str, folder: Path, args) -> dict:
    config_path = folder / "sepa_batch.toml"
    config_path.write_text(f'[database]\nurl = "{database_url}"\n[folders]\ndata = "var"\n')
    config = config_module.load(config_path)
    db = Database(database_url)
    db.migrate()
    built = build(db, args.customers, args.heavy)
    users.add_user(db, "bench", "accountant", "bench-code-1", datetime(2026, 12, 1))

    app = create_app(config, db, as_of=TODAY)
    timings: dict[str, list[float]] = {}

    @app.middleware("http")
    async def server_time(request, call_next):
        started, cpu = time.perf_counter(), time.process_time()
        response = await call_next(request)
        kind = request.headers.get("X-Bench")
        if kind:  # the client thread waits meanwhile: the process's CPU time is the server's
            timings.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
            timings.setdefault(f"{kind}_cpu", []).append((time.process_time() - cpu) * 1000)
        return response

    searches = ["martin", "C012345", "CLUB-C054321", fr_iban(77777)[-4:], "durand 4", "zoë"]
    with TestClient(app) as client:
        page = client.get("/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        answer = client.post(
            "/login",
            data={"name": "bench", "code": "bench-code-1", "csrf_token": token},
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text
        found = client.get("/customers?q=C012345").text
        assert "C012345" in found, "the search does not find its customer"
        ledger = client.get("/customers/H00001/ledger").text
        assert ledger.count('class="payment') == 200, "the Financier lacks lines"
        for round_ in ("warm-up", "search", "financier"):
            count = args.warmup if round_ == "warm-up" else args.requests
            for n in range(count):
                header = {} if round_ == "warm-up" else {"X-Bench": round_}
                if round_ in ("warm-up", "search"):
                    response = client.get(
                        "/customers", params={"q": searches[n % len(searches)]}, headers=header
                    )
                    assert response.status_code == 200
                if round_ in ("warm-up", "financier"):
                    customer = f"H{n % args.heavy + 1:05d}"
                    response = client.get(f"/customers/{customer}/ledger", headers=header)
                    assert response.status_code == 200
    db.dispose()
    result = {"database": args.database, **built}
    for kind, values in timings.items():
        result[f"{kind}_ms"] = {
            "median": round(statistics.median(values), 2),
            "p95": round(percentile(values, 0.95), 2),
            "max": round(max(values), 2),
            "requests": len(values),
        }
    result["target_p95_ms"] = TARGET_MS
    result["meets_target"] = all(
        result[f"{kind}_ms"]["p95"] <= TARGET_MS for kind in ("search", "financier")
    )
    result["build_s"] = round(result["build_s"], 1)
    result["load_average"] = [round(x, 2) for x in os.getloadavg()]
    result["cpus"] = os.cpu_count()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--url",
        default=os.environ.get(
            "SEPA_BATCH_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
        help="PostgreSQL server (a schema of its own is created and dropped).",
    )
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--heavy", type=int, default=20, help="customers with 200 lines")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sepa-batch-web-bench-") as folder:
        folder = Path(folder)
        if args.database == "sqlite":
            result = measure(f"sqlite:///{folder / 'bench.db'}", folder, args)
        else:
            schema = f"bench_{uuid.uuid4().hex[:10]}"
            admin = create_engine(args.url)
            with admin.begin() as connection:
                connection.execute(text(f"CREATE SCHEMA {schema}"))
            separator = "&" if "?" in args.url else "?"
            try:
                url = f"{args.url}{separator}options=-csearch_path%3D{schema}"
                result = measure(url, folder, args)
            finally:
                with admin.begin() as connection:
                    connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
                admin.dispose()
    for kind in ("search", "financier", "search_cpu", "financier_cpu"):
        figures = result[f"{kind}_ms"]
        print(
            f"{kind:14} median {figures['median']:7.2f} ms   p95 {figures['p95']:7.2f} ms   "
            f"(target p95 ≤ {TARGET_MS:.0f} ms, {figures['requests']} requests)"
        )
    print(f"load average {result['load_average']} on {result['cpus']} CPUs")
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
