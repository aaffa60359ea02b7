"""Dunning over two months (PRODUCT §7): levels at +1, +15 and +30 days overdue, once each per
cycle, a payment that closes the cycle, a later unpaid that starts again at the first level,
a late first run that jumps levels, the dunning fee, and notices never written twice."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from email import message_from_string, policy

import pytest
from sqlalchemy import select

from sepa_batch.config import DunningLevel
from sepa_batch.db.schema import Customer, DunningNotice, LedgerLine
from sepa_batch.errors import InvalidInput
from sepa_batch.services import sales
from sepa_batch.services.dunning import run_dunning
from sepa_batch.services.ledger import customer_position
from sepa_batch.services.payment import pay
from sepa_batch.unpaid import UnpayOptions, unpay

START = date(2010, 7, 20)  # the unpaid is recorded; the cheque re-presentation is due that day


def paid_instalment(db, customer: str, due: date) -> int:
    """A 50.00 cheque instalment paid at the desk on its due date."""
    line = sales.add_instalment(
        db, customer, amount_cents=5000, due=due, mode="CHEQUE", label=None, today=date(2010, 7, 1)
    )
    pay(db, line, due)
    return line


def unpaid(db, config, line: int, day: date) -> int:
    """Unpaid with the configured 10.00 fee; returns the 60.00 cheque re-presentation, due
    ``day``."""
    return unpay(db, config, line, day, UnpayOptions()).representation_lines[0]


def days(first: date, last: date):
    while first <= last:
        yield first
        first += timedelta(days=1)


def test_sixty_days_of_dunning(db, config, club):
    c001_july = paid_instalment(db, "C001", date(2010, 7, 5))
    c002_july = paid_instalment(db, "C002", date(2010, 7, 5))
    c002_august = paid_instalment(db, "C002", date(2010, 8, 5))
    unpaid(db, config, c001_july, START)
    c002_again = unpaid(db, config, c002_july, START)

    issued, closed = [], []
    for day in days(START, START + timedelta(days=59)):
        if day == START + timedelta(days=20):  # 2010-08-09: C002 pays at the desk
            pay(db, c002_again, day)
        if day == date(2010, 8, 29):  # C002's August payment comes back unpaid
            unpaid(db, config, c002_august, day)
        result = run_dunning(db, config, day)
        issued += [(day, n.customer, n.level, n.title, n.overdue_cents) for n in result.notices]
        closed += [(day, code) for code in result.closed]
        again = run_dunning(db, config, day)  # a second run the same day issues nothing
        assert again.notices == [] and again.closed == []

    assert issued == [
        (date(2010, 7, 21), "C001", 1, "Rappel", 6000),
        (date(2010, 7, 21), "C002", 1, "Rappel", 6000),
        (date(2010, 8, 4), "C001", 2, "Deuxième rappel", 6000),
        (date(2010, 8, 4), "C002", 2, "Deuxième rappel", 6000),
        (date(2010, 8, 19), "C001", 3, "Mise en demeure", 6000),
        (date(2010, 8, 30), "C002", 1, "Rappel", 6000),  # a new cycle from 2010-08-29
        (date(2010, 9, 13), "C002", 2, "Deuxième rappel", 6000),
    ]
    assert closed == [(date(2010, 8, 9), "C002")]
    files = sorted(path.name for path in config.folders.notices.glob("dunning-*.eml"))
    assert files == [
        "dunning-C001-20100720-level1.eml",
        "dunning-C001-20100720-level2.eml",
        "dunning-C001-20100720-level3.eml",
        "dunning-C002-20100720-level1.eml",
        "dunning-C002-20100720-level2.eml",
        "dunning-C002-20100829-level1.eml",
        "dunning-C002-20100829-level2.eml",
    ]


def read_email(path):
    return message_from_string(path.read_text(encoding="utf-8"), policy=policy.default)


def test_the_notice_is_an_email_in_french(db, config, club):
    unpaid(db, config, paid_instalment(db, "C001", date(2010, 7, 5)), START)
    [notice] = run_dunning(db, config, date(2010, 7, 21)).notices
    email = read_email(config.folders.notices / "dunning-C001-20100720-level1.eml")
    assert notice.path == str(config.folders.notices / "dunning-C001-20100720-level1.eml")
    assert email["To"] == "elodie.martin@example.fr"
    assert email["From"] == "tresorerie@club.example"
    assert email["Subject"] == "Rappel : 60,00 EUR en retard"
    body = email.get_content()
    assert "Bonjour Élodie Martin" in body
    assert "depuis le 20/07/2010 (1 jour)" in body
    assert "(20/07/2010) : 60,00 EUR" in body
    assert "frais de relance" not in body.lower()


def test_the_notice_in_english(db, config, club):
    english = dataclasses.replace(config, dunning_language="en")
    unpaid(db, english, paid_instalment(db, "C001", date(2010, 7, 5)), START)
    run_dunning(db, english, date(2010, 8, 4))
    email = read_email(config.folders.notices / "dunning-C001-20100720-level2.eml")
    assert email["Subject"] == "Deuxième rappel: 60.00 EUR overdue"
    body = email.get_content()
    assert body.startswith("Dear Élodie Martin")
    assert "since 2010-07-20 (15 days)" in body


def notices_of(db, customer: str) -> list[tuple]:
    with db.reader() as session:
        return [
            (row.level, row.issued_on, row.covered_by, row.path is None)
            for row in session.execute(
                select(DunningNotice)
                .join(Customer, Customer.id == DunningNotice.customer_id)
                .where(Customer.code == customer)
                .order_by(DunningNotice.level)
            ).scalars()
        ]


def test_a_late_first_run_issues_the_highest_level_and_covers_the_lower_ones(db, config, club):
    unpaid(db, config, paid_instalment(db, "C001", date(2010, 7, 5)), START)
    [notice] = run_dunning(db, config, date(2010, 8, 10)).notices  # 21 days overdue
    assert (notice.level, notice.covered) == (2, (1,))
    assert notices_of(db, "C001") == [
        (1, date(2010, 8, 10), 2, True),  # covered: no file, never issued later
        (2, date(2010, 8, 10), None, False),
    ]
    assert [n.level for day in days(date(2010, 8, 11), date(2010, 8, 18))
            for n in run_dunning(db, config, day).notices] == []  # fmt: skip
    assert [n.level for n in run_dunning(db, config, date(2010, 8, 19)).notices] == [3]
    assert len(list(config.folders.notices.glob("dunning-*.eml"))) == 2


def test_a_very_late_run_issues_the_formal_notice_only(db, config, club):
    unpaid(db, config, paid_instalment(db, "C001", date(2010, 7, 5)), START)
    [notice] = run_dunning(db, config, date(2010, 9, 1)).notices
    assert (notice.level, notice.title, notice.covered) == (3, "Mise en demeure", (1, 2))


def test_the_cycle_waits_for_a_representation_not_due_yet(db, config, club):
    line = paid_instalment(db, "C001", date(2010, 7, 5))
    unpay(db, config, line, START, UnpayOptions(due_date=date(2010, 7, 30)))
    for day in days(START, date(2010, 7, 30)):
        result = run_dunning(db, config, day)
        assert result.notices == [] and result.closed == []
    assert [n.level for n in run_dunning(db, config, date(2010, 7, 31)).notices] == [1]


def test_a_direct_debit_representation_ends_the_cycle_once_collected(db, config, club):
    line = paid_instalment(db, "C001", date(2010, 7, 5))
    outcome = unpay(db, config, line, START, UnpayOptions(mode="DIRECT_DEBIT"))
    with db.reader() as session:
        assert session.get(LedgerLine, outcome.representation_lines[0]).due_date == date(2010, 8, 5)
    assert run_dunning(db, config, date(2010, 7, 21)).closed == []  # waiting for 2010-08-05
    with db.transaction() as session:
        session.get(LedgerLine, outcome.representation_lines[0]).status = "SUBMITTED"
    assert run_dunning(db, config, date(2010, 8, 5)).closed == ["C001"]


def with_fee(config, fee_article: str):
    levels = list(config.dunning_levels)
    levels[1] = DunningLevel(2, 15, "Deuxième rappel", fee_article)
    return dataclasses.replace(config, dunning_levels=tuple(levels))


def test_a_level_with_a_dunning_fee_adds_a_sale_line(db, config, club):
    charging = with_fee(config, "FRAIS_RELANCE")
    unpaid(db, charging, paid_instalment(db, "C001", date(2010, 7, 5)), START)
    assert run_dunning(db, charging, date(2010, 7, 21)).notices[0].fee_line is None
    [notice] = run_dunning(db, charging, date(2010, 8, 4)).notices
    with db.reader() as session:
        fee = session.get(LedgerLine, notice.fee_line)
        assert (fee.kind, fee.amount_cents, fee.date, fee.label) == (
            "sale",
            500,
            date(2010, 8, 4),
            "Frais de relance (Deuxième rappel)",
        )
        customer = session.execute(select(Customer).where(Customer.code == "C001")).scalar_one()
        # a bare instalment (no sale behind it): sold 10.00 + 5.00 of fees; counting 50.00
        # (the unpaid line) - 50.00 (its reversal); the 60.00 re-presentation is overdue
        position = customer_position(session, customer.id, date(2010, 8, 4))
        assert (position.balance_cents, position.overdue_cents) == (-1500, 6000)
    body = read_email(config.folders.notices / "dunning-C001-20100720-level2.eml").get_content()
    assert "Des frais de relance de 5,00 EUR" in body


@pytest.mark.parametrize(
    ("article", "reason"),
    [("NOPE", "article NOPE: not found"), ("FRAIS_REJET", "is REJECTION_FEE")],
)
def test_a_bad_dunning_fee_article_refuses_the_run(db, config, club, article, reason):
    charging = with_fee(config, article)
    unpaid(db, charging, paid_instalment(db, "C001", date(2010, 7, 5)), START)
    with pytest.raises(InvalidInput, match=r"dunning\.levels\[1\]\.fee_article") as refused:
        run_dunning(db, charging, date(2010, 7, 21))
    assert reason in str(refused.value)
    assert notices_of(db, "C001") == []


def test_a_notice_taken_away_is_never_written_again(db, config, club):
    unpaid(db, config, paid_instalment(db, "C001", date(2010, 7, 5)), START)
    [notice] = run_dunning(db, config, date(2010, 7, 21)).notices
    sent = config.folders.notices / "sent"
    sent.mkdir()
    (config.folders.notices / "dunning-C001-20100720-level1.eml").rename(sent / "level1.eml")
    run_dunning(db, config, date(2010, 7, 22))
    assert list(config.folders.notices.glob("*.eml")) == []
    assert notice.level == 1


def test_a_notice_recorded_but_not_written_is_written_by_the_next_run(db, config, club):
    """A crash between the commit and the file: the next run writes it, once."""
    unpaid(db, config, paid_instalment(db, "C001", date(2010, 7, 5)), START)
    run_dunning(db, config, date(2010, 7, 21))
    path = config.folders.notices / "dunning-C001-20100720-level1.eml"
    content = path.read_text(encoding="utf-8")
    path.unlink()
    with db.transaction() as session:
        for row in session.execute(select(DunningNotice)).scalars():
            row.written = False
    assert run_dunning(db, config, date(2010, 7, 22)).notices == []
    assert path.read_text(encoding="utf-8") == content


def test_replaying_an_earlier_day_leaves_a_later_cycle_alone(db, config, club):
    """The job replayed for a day before the unpaid neither duns nor closes that cycle, even if
    an older instalment was already overdue then."""
    sales.add_instalment(
        db, "C001", amount_cents=3000, due=date(2010, 7, 1), mode="CHEQUE", label=None,
        today=date(2010, 7, 1),
    )  # fmt: skip
    unpaid(db, config, paid_instalment(db, "C001", date(2010, 7, 5)), START)
    earlier = run_dunning(db, config, date(2010, 7, 10))
    assert (earlier.notices, earlier.closed) == ([], [])
    [notice] = run_dunning(db, config, date(2010, 7, 21)).notices
    # 20 days since the oldest overdue line (2010-07-01): the second reminder, covering the first
    assert (notice.level, notice.covered, notice.overdue_cents) == (2, (1,), 3000 + 6000)
