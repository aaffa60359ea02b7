"""Checks that what members are told matches what goes to the bank: every pre-notified direct
debit is in a pain.008 on the date it states, and no direct-debit instalment whose date has
come was left unpresented (a member would be dunned for a debit never attempted)."""

from __future__ import annotations

import email
import re
from datetime import date, timedelta
from pathlib import Path

from lxml import etree
from sqlalchemy import select

from sepa_batch.db.schema import Customer, LedgerLine, Mandate, PreNotification
from sepa_batch.domain.model import LineKind, Mode
from sepa_batch.money import parse_amount

_E2E = re.compile(r"-L(\d+)-\d+$")
_STATED = re.compile(r"(?:le|on) (\d{2}/\d{2}/\d{4}|\d{4}-\d{2}-\d{2})")


def presented_in_files(outbox: Path) -> set[tuple[int, date, int]]:
    """(line id, requested collection date, cents) of every transaction in the outbox."""
    found = set()
    for path in outbox.glob("*.xml"):
        tree = etree.parse(str(path))
        for block in tree.iter("{*}PmtInf"):
            when = block.find(".//{*}ReqdColltnDt")
            day = date.fromisoformat((when.findtext("{*}Dt") or when.text).strip())
            for tx in block.iter("{*}DrctDbtTxInf"):
                e2e = tx.findtext(".//{*}EndToEndId")
                amount = parse_amount(tx.findtext("{*}InstdAmt"), record="tx", field="amount")
                found.add((int(_E2E.search(e2e).group(1)), day, amount))
    return found


def stated_date(body: str) -> date:
    message = email.message_from_string(body)
    text = message.get_payload(decode=True).decode("utf-8")
    stated = _STATED.search(text).group(1)
    if "/" in stated:
        day, month, year = stated.split("/")
        return date(int(year), int(month), int(day))
    return date.fromisoformat(stated)


def prenotified_debits_were_presented(db, outbox: Path, last_day: date) -> int:
    """Every pre-notification stating a date the run has passed: its line is in a pain.008
    with that requested collection date and amount. Returns how many were checked."""
    files = presented_in_files(outbox)
    missing = []
    checked = 0
    with db.reader() as session:
        rows = session.execute(
            select(PreNotification.body, LedgerLine.id, LedgerLine.amount_cents, Customer.code)
            .join(LedgerLine, LedgerLine.id == PreNotification.line_id)
            .join(Customer, Customer.id == LedgerLine.customer_id)
        ).all()
    for body, line, cents, code in rows:
        day = stated_date(body)
        if day >= last_day - timedelta(days=3):
            continue  # its file may not be written yet
        checked += 1
        if (line, day, cents) not in files:
            missing.append((code, line, day.isoformat(), cents))
    assert missing == [], f"pre-notified but never presented on that date: {missing[:10]}"
    return checked


def due_debits_were_presented(db, last_day: date) -> None:
    """No direct-debit payment line (re-presentations included) whose due date has passed is
    still unpresented, unless its customer's mandate was revoked or flagged."""
    with db.reader() as session:
        rows = session.execute(
            select(LedgerLine.id, Customer.code, LedgerLine.due_date, Mandate.status)
            .join(Customer, Customer.id == LedgerLine.customer_id)
            .join(Mandate, Mandate.customer_id == Customer.id)
            .where(
                LedgerLine.kind == LineKind.PAYMENT,
                LedgerLine.mode == Mode.DIRECT_DEBIT,
                LedgerLine.reverses_id.is_(None),
                LedgerLine.presentations == 0,
                LedgerLine.paid_on.is_(None),
                LedgerLine.status != "CANCELLED",
                LedgerLine.due_date < last_day - timedelta(days=3),
            )
        ).all()
    never = {(line, code, due.isoformat()) for line, code, due, status in rows
             if status not in ("REVOKED", "FLAGGED")}  # fmt: skip
    assert sorted(never)[:10] == [], f"{len(never)} debit(s) due but never presented"
