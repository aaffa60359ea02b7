"""Which line the back office may pay or unpay (``may_pay``, ``may_unpay``): no database."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from sepa_batch.domain.transitions import may_pay, may_unpay


def line(kind="payment", amount_cents=3900, status="SCHEDULED"):
    return SimpleNamespace(kind=kind, amount_cents=amount_cents, status=status)


@pytest.mark.parametrize(
    ("facts", "unpay", "pay"),
    [
        ({"status": "SCHEDULED"}, False, True),
        ({"status": "SUBMITTED"}, True, False),
        ({"status": "PAID"}, True, False),
        ({"status": "UNPAID"}, False, False),
        ({"status": "CANCELLED"}, False, False),
        ({"status": None}, False, False),
        ({"status": "PAID", "amount_cents": 0}, False, False),
        ({"status": "SCHEDULED", "amount_cents": -500}, False, False),
        ({"status": "PAID", "amount_cents": -500}, False, False),
        ({"kind": "sale", "status": "SCHEDULED"}, False, False),
        ({"kind": "sale", "status": "PAID"}, False, False),
    ],
)
def test_which_line_may_be_unpaid_or_paid(facts, unpay, pay):
    assert may_unpay(line(**facts)) is unpay
    assert may_pay(line(**facts)) is pay
