"""Balance and blocking on the seed's worked example, built directly on the pure core."""

from datetime import date

import pytest

from sepa_batch.domain.ledger import is_overdue, position
from sepa_batch.domain.model import Line, LineKind, Status

JULY_5 = date(2010, 7, 5)
UNPAID_DAY = date(2010, 7, 20)


def seed_example(representation_status: Status) -> list[Line]:
    """A 50.00 subscription paid by direct debit, come back unpaid on 20/07 with a 7.00 fee."""
    return [
        Line(LineKind.SALE, 5000, date(2010, 7, 1)),  # the subscription sold
        Line(LineKind.PAYMENT, 5000, date(2010, 7, 1), JULY_5, Status.UNPAID),
        Line(LineKind.SALE, 700, UNPAID_DAY),  # rejection fee
        Line(LineKind.PAYMENT, -5000, UNPAID_DAY, UNPAID_DAY, Status.PAID),  # reversal
        Line(LineKind.PAYMENT, 5700, UNPAID_DAY, UNPAID_DAY, representation_status),
    ]


def test_allowed_on_the_day_of_the_unpaid():
    pos = position(seed_example(Status.SCHEDULED), UNPAID_DAY)
    assert (pos.balance_cents, pos.overdue_cents, pos.blocked) == (0, 0, False)


def test_blocked_from_the_next_day():
    pos = position(seed_example(Status.SCHEDULED), date(2010, 7, 21))
    assert (pos.balance_cents, pos.overdue_cents, pos.blocked) == (-5700, 5700, True)


def test_allowed_again_once_the_57_is_paid():
    pos = position(seed_example(Status.PAID), date(2010, 7, 27))
    assert (pos.balance_cents, pos.overdue_cents, pos.blocked) == (0, 0, False)


def test_sales_count_only_from_their_date():
    lines = [Line(LineKind.SALE, 1000, date(2010, 8, 1))]
    assert position(lines, date(2010, 7, 31)).balance_cents == 0
    assert position(lines, date(2010, 8, 1)).balance_cents == -1000


@pytest.mark.parametrize(
    ("status", "due", "day", "overdue"),
    [
        (Status.SCHEDULED, date(2010, 7, 20), date(2010, 7, 20), False),  # due today: not yet
        (Status.SCHEDULED, date(2010, 7, 20), date(2010, 7, 21), True),  # the next day
        (Status.SUBMITTED, date(2010, 7, 5), date(2010, 7, 21), False),  # in a bank file
        (Status.PAID, date(2010, 7, 5), date(2010, 7, 21), False),
        (Status.CANCELLED, date(2010, 7, 5), date(2010, 7, 21), False),
        (Status.UNPAID, date(2010, 7, 5), date(2010, 7, 21), False),  # its reversal counts
    ],
)
def test_overdue_by_status(status, due, day, overdue):
    assert is_overdue(status, due, day) is overdue
