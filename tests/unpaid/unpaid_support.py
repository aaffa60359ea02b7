"""Helpers the unpaid and dunning tests share: the database behind a CLI runner, snapshots,
and the July payment of the seed's walk-through, collected and settled."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from sepa_batch import config as config_module
from sepa_batch.cli import cli
from sepa_batch.db.schema import (
    Customer,
    DunningNotice,
    LedgerLine,
    Mandate,
    PreNotification,
)
from sepa_batch.db.session import Database


def database(run) -> Database:
    """The database the CLI runner ``run`` works on."""
    return Database(config_module.load(run.config_path).database_url)


def configuration(run) -> config_module.Config:
    return config_module.load(run.config_path)


def _rows(session, model) -> list[tuple]:
    columns = list(model.__table__.columns)
    return [
        tuple(row)
        for row in session.execute(select(*columns).order_by(*model.__table__.primary_key))
    ]


def snapshot(run) -> dict[str, list[tuple]]:
    """Every row of the tables the unpaid workflow may touch."""
    db = database(run)
    try:
        with db.reader() as session:
            return {
                model.__tablename__: _rows(session, model)
                for model in (LedgerLine, Customer, Mandate, PreNotification, DunningNotice)
            }
    finally:
        db.dispose()


def mark_paid(run, line_id: int, paid_on: date) -> None:
    """Settle a SUBMITTED line: ``sepa-batch settle`` when it exists, else in the database."""
    if "settle" in cli.commands:
        run("settle", "--as-of", paid_on.isoformat())
    db = database(run)
    try:
        with db.transaction() as session:
            line = session.get(LedgerLine, line_id)
            if line.status == "SUBMITTED":
                line.status, line.paid_on = "PAID", paid_on
    finally:
        db.dispose()


def line_status(run, line_id: int) -> str:
    db = database(run)
    try:
        with db.reader() as session:
            return session.get(LedgerLine, line_id).status
    finally:
        db.dispose()


def mandate_status(run, customer: str) -> str:
    db = database(run)
    try:
        with db.reader() as session:
            return session.execute(
                select(Mandate.status)
                .join(Customer, Customer.id == Mandate.customer_id)
                .where(Customer.code == customer)
            ).scalar_one()
    finally:
        db.dispose()


def by_id(document: dict) -> dict[int, dict]:
    """The lines of a ``ledger --json`` document by id."""
    return {line["id"]: line for line in document["lines"]}


def subscribe_july(run, customer: str = "C001", months: int = 12, mode: str = "DIRECT_DEBIT"):
    """``customer`` subscribes SUB_MONTH (50.00 a month, due on the 5th) from 2010-07-01;
    returns the instalment line ids."""
    result = run.json(
        "subscribe", customer, "--article", "SUB_MONTH", "--start", "2010-07-01",
        "--months", str(months), "--mode", mode, "--as-of", "2010-07-01",
    )  # fmt: skip
    return result["instalments"]


def july_paid(run, customer: str = "C001", months: int = 12) -> list[int]:
    """The seed's situation: the July direct debit (due 2010-07-05) collected and paid."""
    instalments = subscribe_july(run, customer, months)
    collected = run.json("collect", "--as-of", "2010-07-01")
    assert collected["collected"] == 1 and collected["skipped"] == []
    mark_paid(run, instalments[0], date(2010, 7, 5))
    assert line_status(run, instalments[0]) == "PAID"
    return instalments
