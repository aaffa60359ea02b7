"""A year at a club of 1,000 members, replayed day by day by the scheduler with the simulated
bank answering every file; after each day the invariants hold (issue 7)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date

import pytest
from lxml import etree
from presented import due_debits_were_presented, prenotified_debits_were_presented
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from sepa_batch.db.schema import BankFile, Customer, LedgerLine, Mandate
from sepa_batch.demo.club import Club
from sepa_batch.demo.reconcile import reconciliation
from sepa_batch.domain.ledger import position
from sepa_batch.domain.model import Line, LineKind, Status
from sepa_batch.reports.model import Period
from sepa_batch.services.ledger import blocked_customers
from sepa_batch.services.reports import journal_entries

pytestmark = pytest.mark.slow


def collected_once(session) -> None:
    """Every presentation of a line is one transaction of one bank file, and back."""
    presented = session.execute(select(func.sum(LedgerLine.presentations))).scalar_one() or 0
    in_files = session.execute(select(func.sum(BankFile.transactions))).scalar_one() or 0
    assert presented == in_files


def unpaid_lines_followed_up(session) -> None:
    """Every UNPAID line has exactly one reversal and at least one re-presentation."""
    reversal, again = aliased(LedgerLine), aliased(LedgerLine)
    rows = session.execute(
        select(
            LedgerLine.id,
            func.count(func.distinct(reversal.id)),
            func.count(func.distinct(again.id)),
        )
        .outerjoin(reversal, reversal.reverses_id == LedgerLine.id)
        .outerjoin(again, again.represents_id == LedgerLine.id)
        .where(LedgerLine.status == Status.UNPAID)
        .group_by(LedgerLine.id)
    ).all()
    bad = [
        (line, reversals, represented)
        for line, reversals, represented in rows
        if reversals != 1 or represented < 1
    ]
    assert bad == []


def blocked_iff_overdue(club: Club, day: date) -> None:
    lines: dict[str, list[Line]] = defaultdict(list)
    with club.db.reader() as session:
        for code, kind, amount, when, due, status in session.execute(
            select(
                Customer.code,
                LedgerLine.kind,
                LedgerLine.amount_cents,
                LedgerLine.date,
                LedgerLine.due_date,
                LedgerLine.status,
            ).join(Customer, Customer.id == LedgerLine.customer_id)
        ):
            lines[code].append(
                Line(LineKind(kind), amount, when, due, Status(status) if status else None)
            )
    by_rule = {code for code, found in lines.items() if position(found, day).blocked}
    assert {b.customer for b in blocked_customers(club.db, day)} == by_rule


def journal_balances(club: Club) -> None:
    owed: Counter = Counter()
    with journal_entries(club.db, club.config, Period(None, None)) as entries:
        for entry in entries:
            assert sum(p.debit_cents for p in entry.postings) == sum(
                p.credit_cents for p in entry.postings
            ), entry.number
            for posting in entry.postings:
                if posting.account == club.config.accounts["customers"]:
                    owed[posting.customer] += posting.debit_cents - posting.credit_cents
    with club.db.reader() as session:
        cash = dict(
            session.execute(
                select(Customer.code, func.sum(LedgerLine.amount_cents))
                .join(LedgerLine, LedgerLine.customer_id == Customer.id)
                .where(
                    LedgerLine.kind == LineKind.PAYMENT,
                    LedgerLine.status.in_((Status.PAID, Status.UNPAID)),
                )
                .group_by(Customer.code)
            ).all()
        )
        sold = dict(
            session.execute(
                select(Customer.code, func.sum(LedgerLine.amount_cents))
                .join(LedgerLine, LedgerLine.customer_id == Customer.id)
                .where(LedgerLine.kind == LineKind.SALE)
                .group_by(Customer.code)
            ).all()
        )
    for code in set(sold) | set(owed):
        assert owed[code] == sold.get(code, 0) - cash.get(code, 0), code


def end_to_end_ids_unique_across_files(club: Club) -> int:
    seen: Counter = Counter()
    for path in club.config.folders.outbox.glob("*.xml"):
        for _, element in etree.iterparse(str(path), events=("end",), resolve_entities=False):
            if etree.QName(element).localname == "EndToEndId":
                seen[element.text] += 1
            element.clear()
    assert [e2e for e2e, count in seen.items() if count > 1] == []
    return len(seen)


def test_a_year_at_a_club(tmp_path):
    club = Club(tmp_path / "club", members=1000, months=12, seed=7)
    club.open()
    for day, _outcomes in club.days():
        with club.db.reader() as session:
            collected_once(session)
            unpaid_lines_followed_up(session)
        if day.weekday() == 6:
            blocked_iff_overdue(club, day)
        if day.day == 28:
            journal_balances(club)
    blocked_iff_overdue(club, club.last_day)
    journal_balances(club)
    transactions = end_to_end_ids_unique_across_files(club)
    figures = reconciliation(club)
    assert figures["reconciles"], figures
    with club.db.reader() as session:
        assert transactions == session.execute(select(func.sum(BankFile.transactions))).scalar()
        never_presented = set(
            session.execute(
                select(Mandate.status)
                .join(LedgerLine, LedgerLine.customer_id == Mandate.customer_id)
                .where(
                    LedgerLine.kind == LineKind.PAYMENT,
                    LedgerLine.represents_id.is_(None),
                    LedgerLine.reverses_id.is_(None),
                    LedgerLine.presentations == 0,
                    LedgerLine.due_date <= date(2026, 12, 5),
                )
            ).scalars()
        )
    # an instalment never presented to the bank is one whose mandate was revoked or flagged
    assert never_presented <= {"REVOKED", "FLAGGED"}
    # and what members were pre-notified is what the files carry, re-presentations included
    outbox = club.config.folders.outbox
    assert prenotified_debits_were_presented(club.db, outbox, club.last_day) > 0
    due_debits_were_presented(club.db, club.last_day)
    assert figures["returned"] > 0 and figures["rejected"] > 0
