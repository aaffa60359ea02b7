"""The pure core of the unpaid workflow: the plan, the direct-debit date rule, the policy's
choice of re-presentation. No database."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from sepa_batch.config import DEFAULTS, build
from sepa_batch.domain.model import Mode
from sepa_batch.domain.policy import DateRule, representation_for
from sepa_batch.domain.unpaid import (
    MAX_LABEL,
    DirectDebitRule,
    SplitPart,
    default_label,
    plan_unpaid,
)
from sepa_batch.errors import InvalidInput

RULE = DirectDebitRule(notice_days=14, collection_day=5)


def plan(**changes):
    arguments = {
        "line_id": 2,
        "unpaid_cents": 5000,
        "fee_cents": 700,
        "due_date": date(2010, 7, 20),
        "mode": Mode.CHEQUE,
        "label": "Re-presentation",
        "direct_debit": RULE,
        "day": date(2010, 7, 20),
    } | changes
    return plan_unpaid(**arguments)


def test_the_seed_plan():
    result = plan()
    assert (result.fee_cents, result.reversal_cents) == (700, -5000)
    [again] = result.representations
    assert again == type(again)(date(2010, 7, 20), 5700, Mode.CHEQUE, "Re-presentation")


@pytest.mark.parametrize(
    ("day", "wanted", "due"),
    [
        (date(2010, 7, 20), date(2010, 8, 5), date(2010, 8, 5)),  # 16 days ahead: kept
        (date(2010, 7, 22), date(2010, 8, 5), date(2010, 8, 5)),  # exactly 14 days: kept
        # another day moves to the collection day whose file will carry it (issue 10)
        (date(2010, 7, 20), date(2010, 8, 3), date(2010, 8, 5)),
        (date(2010, 7, 20), date(2010, 8, 2), date(2010, 8, 5)),  # 13 days: the 5th
        (date(2010, 7, 23), date(2010, 8, 5), date(2010, 9, 5)),  # 13 days: next month
        (date(2010, 7, 20), date(2010, 7, 20), date(2010, 8, 5)),  # today: next collection
        (date(2010, 7, 20), None, date(2010, 8, 5)),
        (date(2010, 12, 20), None, date(2011, 1, 5)),  # over the year end
        (date(2010, 7, 20), date(2010, 8, 20), date(2010, 9, 5)),  # a later day: its file
        (date(2010, 7, 20), date(2010, 9, 5), date(2010, 9, 5)),  # a later collection day
    ],
)
def test_direct_debit_date_rule(day, wanted, due):
    assert RULE.due(day, wanted) == due


def test_split_parts_take_their_own_mode_and_numbered_labels():
    result = plan(
        split=(
            SplitPart(date(2010, 7, 25), 3000),
            SplitPart(date(2010, 7, 25), 2700, Mode.DIRECT_DEBIT),
        )
    )
    first, second = result.representations
    assert (first.mode, first.due_date, first.label) == (
        Mode.CHEQUE,
        date(2010, 7, 25),
        "Re-presentation (1/2)",
    )
    assert (second.mode, second.due_date, second.label) == (
        Mode.DIRECT_DEBIT,
        date(2010, 8, 5),
        "Re-presentation (2/2)",
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"split": (SplitPart(date(2010, 7, 25), 5000),)}, "instalment"),  # 50.00 ≠ 57.00
        ({"split": (SplitPart(date(2010, 7, 25), 5800), SplitPart(date(2010, 8, 25), -100))},
         "instalment"),  # adds up, but a part is negative
        ({"fee_cents": -1}, "fee"),
        ({"unpaid_cents": -5000}, "amount"),  # a reversal line cannot be unpaid
        ({"unpaid_cents": 0}, "amount"),
        ({"label": "x" * (MAX_LABEL + 1)}, "label"),
    ],
)  # fmt: skip
def test_plans_refused(changes, field):
    with pytest.raises(InvalidInput) as refused:
        plan(**changes)
    assert (refused.value.record, refused.value.field) == ("line 2", field)


def test_labels_fit_the_ledger():
    label = default_label("A" * 140, date(2010, 7, 5))
    assert len(label) == MAX_LABEL and label.endswith(" of 05/07/2010")
    parts = plan(
        label=label,
        split=(SplitPart(date(2010, 7, 25), 2000), SplitPart(date(2010, 8, 25), 3700)),
    ).representations
    assert [len(part.label) for part in parts] == [MAX_LABEL, MAX_LABEL]
    assert parts[1].label.endswith("(2/2)")


POLICY = build(DEFAULTS, source="test", base=Path(".")).policy


@pytest.mark.parametrize(
    ("code", "failed", "can_debit", "mode", "rule"),
    [
        ("AM04", 1, True, Mode.DIRECT_DEBIT, DateRule.NEXT_COLLECTION),  # first failure
        ("AM04", 2, True, Mode.CHEQUE, DateRule.TODAY),  # the 2 tries are spent
        ("MS03", 3, True, Mode.CHEQUE, DateRule.TODAY),
        ("AM04", 1, False, Mode.CHEQUE, DateRule.TODAY),  # no active mandate any more
        ("MD06", 1, True, Mode.CHEQUE, DateRule.TODAY),
        ("ZZ99", 1, True, Mode.CHEQUE, DateRule.TODAY),  # the default row
    ],
)
def test_representation_for(code, failed, can_debit, mode, rule):
    chosen = representation_for(POLICY.for_code(code), failed, can_direct_debit=can_debit)
    assert (chosen.mode, chosen.date_rule) == (mode, rule)
