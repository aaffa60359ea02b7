"""``services.account_view``: a customer's standing (no database), the account with a line
chosen and what it allows, and a line that is not the customer's."""

from __future__ import annotations

from datetime import date

import pytest
from web.web_support import seed_club

from sepa_batch.db.schema import LedgerLine
from sepa_batch.errors import NotFound
from sepa_batch.services import account_view
from sepa_batch.services.account_view import Standing

JULY = date(2010, 7, 1)


def sale(cents: int, day: date = JULY) -> LedgerLine:
    return LedgerLine(kind="sale", amount_cents=cents, date=day, due_date=None, status=None)


def instalment(n: int, cents: int, due: date, status: str = "SCHEDULED") -> LedgerLine:
    return LedgerLine(
        id=n, kind="payment", amount_cents=cents, date=JULY, due_date=due, status=status
    )


@pytest.mark.parametrize(
    ("lines", "day", "expected"),
    [
        ([], JULY, Standing(0, False, 0, 0, None)),
        ([sale(5000)], JULY, Standing(-5000, False, 0, 0, None)),
        (
            [sale(5000), instalment(1, 5000, date(2010, 7, 5))],
            date(2010, 7, 5),  # due today: not overdue yet
            Standing(0, False, 0, 0, None),
        ),
        (
            [sale(10000), instalment(2, 5000, date(2010, 8, 5)), instalment(1, 5000, JULY)],
            date(2010, 9, 1),
            Standing(-10000, True, 2, 10000, JULY),
        ),
        (
            [sale(5000), instalment(1, 5000, JULY, "PAID")],
            date(2010, 9, 1),
            Standing(0, False, 0, 0, None),
        ),
    ],
)
def test_the_standing_on_a_day(lines, day, expected):
    assert account_view.standing(lines, day) == expected


@pytest.fixture
def club(db, config):
    return seed_club(db, config)


@pytest.mark.parametrize(
    ("which", "can_unpay", "can_pay"),
    [(0, True, False), (1, False, True), (None, False, False)],  # paid, open, none chosen
)
def test_the_account_and_what_the_chosen_line_allows(db, club, which, can_unpay, can_pay):
    chosen = None if which is None else club[which]
    found = account_view.account(db, "C001", chosen, date(2010, 8, 20))
    assert found.card.code == "C001" and club[0] in {line.id for line in found.lines}
    assert (found.selected.id if found.selected else None) == chosen
    assert (found.can_unpay, found.can_pay) == (can_unpay, can_pay)
    assert found.overdue == {club[1]}  # due 05/08, open
    assert found.standing.blocked and found.standing.since == date(2010, 8, 5)
    card, standing = account_view.card_view(db, "C001", date(2010, 8, 20))
    assert card == found.card and standing == found.standing


def test_a_line_not_the_customers_is_not_found(db, club):
    assert account_view.account_line(db, "C001", club[1], JULY).selected.id == club[1]
    with pytest.raises(NotFound, match="line 999: not found for customer C001"):
        account_view.account_line(db, "C001", 999, JULY)
    with pytest.raises(NotFound):
        account_view.account_line(db, "NOPE", club[1], JULY)
