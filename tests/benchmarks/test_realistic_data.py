"""The benchmarks' realistic database (issue 17): built as described, consistent as the
product sees it, and the benchmark scripts run and check themselves at a tiny size."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, inspect, select

from sepa_batch.db.schema import Customer, LedgerLine, Mandate, MandateEvent
from sepa_batch.db.session import Database
from sepa_batch.services.ledger import customer_position

ROOT = Path(__file__).resolve().parents[2]


def _benchmark_module(name: str):
    """A benchmark script as a module, without putting benchmarks/ on sys.path (its web.py
    would shadow the tests' own ``web`` package)."""
    spec = importlib.util.spec_from_file_location(
        f"benchmark_{name}", ROOT / "benchmarks" / f"{name}.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


realistic = _benchmark_module("realistic")

CUSTOMERS = 230


def _count(session, model, *where) -> int:
    return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def test_every_customer_has_a_year_of_history_and_the_december_line_due(database_url):
    built = realistic.build(database_url, CUSTOMERS)
    unpaid = [n for n in range(1, CUSTOMERS + 1) if realistic.unpaid_month(n) is not None]
    november = [n for n in unpaid if realistic.unpaid_month(n) == 11]
    gone = [n for n in range(1, CUSTOMERS + 1) if realistic.left(n)]
    moved = [n for n in range(1, CUSTOMERS + 1) if realistic.changed_bank(n)]
    assert unpaid and november and gone and moved  # every case is represented at this size
    assert built.customers == CUSTOMERS
    assert built.mandates == CUSTOMERS + len(moved)
    assert len(built.due) == CUSTOMERS - len(gone)
    assert len(built.represented_due) == len([n for n in november if n not in gone])
    db = Database(database_url)
    try:
        with db.reader() as session:
            assert _count(session, Customer) == CUSTOMERS
            assert _count(session, LedgerLine) == built.lines
            assert _count(session, MandateEvent) == built.events
            for status, count in built.by_status.items():
                assert _count(session, LedgerLine, LedgerLine.status == status) == count
            assert _count(session, LedgerLine, LedgerLine.status == "UNPAID") == len(unpaid)
            assert _count(session, Mandate, Mandate.status == "REVOKED") == len(moved) + len(gone)
            assert _count(session, Mandate, Mandate.amend_original_iban.is_not(None)) == len(
                [n for n in range(1, CUSTOMERS + 1) if realistic.amended(n)]
            )
            # 12 collected instalments a customer, plus a re-presentation for each unpaid one
            collected = _count(session, LedgerLine, LedgerLine.batch_id.is_not(None))
            assert collected == 12 * CUSTOMERS + len(unpaid) - len(november)
            # the product's own ledger: every debt is covered by its instalments, except the
            # November re-presentations, overdue on 1 December
            for n in range(1, CUSTOMERS + 1):
                position = customer_position(session, n, realistic.TODAY)
                owed = realistic.price(n) + realistic.FEE_CENTS if n in november else 0
                assert (position.balance_cents, position.overdue_cents) == (-owed, owed), n
    finally:
        db.dispose()


def test_submitted_puts_december_in_a_bank_file(database_url):
    built = realistic.build(database_url, 60, submitted=True)
    assert not built.due
    assert len(built.submitted) == 60 - len([n for n in range(1, 61) if realistic.left(n)])
    db = Database(database_url)
    try:
        with db.reader() as session:
            rows = session.execute(
                select(LedgerLine.id, LedgerLine.end_to_end_id, LedgerLine.amount_cents).where(
                    LedgerLine.status == "SUBMITTED"
                )
            ).all()
    finally:
        db.dispose()
    assert {row.id: (row.end_to_end_id, row.amount_cents) for row in rows} == built.submitted


def _schema(url: str) -> dict:
    """The tables' indexes and foreign keys, as SQLAlchemy reflects them."""
    db = Database(url)
    try:
        with db.engine.connect() as connection:
            seen = inspect(connection)
            return {
                table: (
                    sorted((i["name"], tuple(i["column_names"]), bool(i["unique"]))
                           for i in seen.get_indexes(table)),
                    sorted((k["name"], tuple(k["constrained_columns"]), k["referred_table"])
                           for k in seen.get_foreign_keys(table)),
                    sorted(str(u) for u in seen.get_unique_constraints(table)),
                )
                for table in seen.get_table_names()
            }  # fmt: skip
    finally:
        db.dispose()


def test_the_bulk_load_leaves_the_schema_as_migrated(database_url, tmp_path):
    """The builder drops indexes (and, on PostgreSQL, foreign keys) to load, then makes them
    again; on SQLite it loads without journal nor key checks, then sets them back."""
    migrated = Database(database_url)
    migrated.migrate()
    before = _schema(database_url)
    migrated.dispose()
    realistic.build(database_url, 30, migrate=False)
    assert _schema(database_url) == before
    db = Database(database_url)
    try:
        with db.engine.connect() as connection:
            if db.is_sqlite:
                assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
                assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []
            else:
                invalid = connection.exec_driver_sql(
                    "SELECT count(*) FROM pg_constraint WHERE NOT convalidated "
                    "AND connamespace = current_schema()::regnamespace"
                )
                assert invalid.scalar() == 0
    finally:
        db.dispose()


def _last_json(args: list[str]) -> dict:
    process = subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert process.returncode == 0, process.stdout + process.stderr
    return json.loads(process.stdout.strip().splitlines()[-1])


def test_the_returns_benchmark_applies_and_checks_exactly_n_returns(tmp_path):
    profile = tmp_path / "returns.prof"
    figures = _last_json(
        ["benchmarks/returns.py", "--returns", "40", "--realistic", "--profile", str(profile)]
    )
    assert profile.stat().st_size > 0
    assert figures["applied"] == 40 and figures["unpaid"] + figures["rescheduled"] == 40
    assert figures["database"] == "sqlite" and figures["wall_s"] > 0 and figures["peak_rss_mb"] > 0


def test_the_collect_benchmark_collects_exactly_what_is_due():
    figures = _last_json(
        ["benchmarks/collect.py", "--instalments", "40", "--realistic", "--skip-sepaxml"]
    )
    # 40 + 10 customers (one left the club), one November re-presentation due
    assert figures["instalments"] == 50 - 1 + 1
    assert figures["database"] == "sqlite" and figures["wall_s"] > 0
