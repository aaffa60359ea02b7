"""Properties of the unpaid workflow over any sequence of ``pay`` / ``unpay`` (SQLite).

A member subscribes SUB_MONTH (50.00 a month, paid by cheque, due on the 5th) for 1 to 4
months. Then any sequence of operations on any of their payment lines, on any day: pay it at
the desk, or mark it unpaid (with the configured 10.00 fee, no fee, any fee, one or several
re-presentations that add up or not). Illegal operations must be refused and change nothing.

A model kept by the test, independent of the code, says what happened:

- **sold** = the subscription + every rejection fee charged;
- **really paid** = every payment received at the desk − every payment that came back unpaid;
- the **open** lines: instalments and re-presentations not paid yet, with their due dates.

Properties, after every operation:

1. the ledger holds exactly the model's lines (amount and status);
2. the settled part of the ledger — payment lines PAID or UNPAID (a reversal cancels its
   UNPAID line) minus every sale line — equals *really paid − sold*;
3. the open lines (SCHEDULED) add up to *sold − really paid*: every cent owed is expected by
   an open line, so payments − sales over the whole ledger, ignoring overdue-ness, is zero;
4. on a day after every due date, balance = *really paid − sold* and overdue = *sold − really
   paid*;
5. on any day D, the member is blocked (``position().blocked``, ``access``, the blocked list)
   if and only if the model has an open line due before D.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from support import FIXTURES

from sepa_batch import config as config_module
from sepa_batch.db.schema import Customer, LedgerLine
from sepa_batch.db.session import Database
from sepa_batch.domain.unpaid import SplitPart
from sepa_batch.errors import SepaBatchError
from sepa_batch.services import ledger, master_data, sales
from sepa_batch.services.payment import pay
from sepa_batch.unpaid import UnpayOptions, unpay

FIRST_DAY = date(2010, 7, 1)
LONG_AFTER = date(2012, 1, 1)
CONFIGURED_FEE = 1000  # FRAIS_REJET


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    directory = tmp_path_factory.mktemp("properties")
    url = f"sqlite:///{directory / 'properties.db'}"
    config = config_module.build(
        {**config_module.DEFAULTS, "database": {"url": url}}, source="test", base=directory
    )
    db = Database(url)
    db.migrate()
    master_data.import_articles(db, (FIXTURES / "articles.csv").read_text(encoding="utf-8"))
    yield db, config, itertools.count(1)
    db.dispose()


@dataclass
class Model:
    lines: dict[int, list] = field(default_factory=dict)  # id → [amount, status, due date]
    sold: int = 0
    paid: int = 0

    def open(self) -> list[list]:
        return [line for line in self.lines.values() if line[1] == "SCHEDULED"]


def new_member(db, number: int) -> str:
    code = f"P{number:05d}"
    with db.transaction() as session:
        session.add(Customer(code=code, name=f"Member {number}", town="Lyon", country="FR"))
    return code


operations = st.lists(
    st.tuples(
        st.sampled_from(["pay", "unpay"]),
        st.integers(0, 50),  # which line (modulo the number of lines to choose from)
        st.booleans(),  # choose among every line, or among those the operation fits
        st.integers(0, 120),  # the day, from 2010-07-01
        st.one_of(st.none(), st.just("no fee"), st.integers(0, 2500)),  # the fee
        st.integers(1, 3),  # re-presentations
        st.booleans(),  # do they add up?
    ),
    max_size=8,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(months=st.integers(1, 4), steps=operations)
def test_any_sequence_of_pay_and_unpay(world, months, steps):
    db, config, numbers = world
    code = new_member(db, next(numbers))
    subscription = sales.subscribe(
        db, code, article="SUB_MONTH", start=FIRST_DAY, months=months, day=5, mode="CHEQUE",
        today=FIRST_DAY,
    )  # fmt: skip
    model = Model(sold=5000 * months)
    for number, line_id in enumerate(subscription.instalments):
        model.lines[line_id] = [5000, "SCHEDULED", date(2010, 7 + number, 5)]
    check(db, code, model)
    for kind, pick, anything, offset, fee, parts, adds_up in steps:
        fits = "SCHEDULED" if kind == "pay" else "PAID"
        ids = sorted(i for i, line in model.lines.items() if anything or line[1] == fits)
        ids = ids or sorted(model.lines)
        line_id = ids[pick % len(ids)]
        day = FIRST_DAY + timedelta(days=offset)
        if kind == "pay":
            do_pay(db, model, line_id, day)
        else:
            do_unpay(db, config, model, line_id, day, fee, parts, adds_up)
        check(db, code, model)


def do_pay(db, model: Model, line_id: int, day: date) -> None:
    amount, status, _ = model.lines[line_id]
    event(f"pay {'done' if status == 'SCHEDULED' and amount > 0 else 'refused'}")
    if status != "SCHEDULED" or amount <= 0:
        with pytest.raises(SepaBatchError):
            pay(db, line_id, day)
        return
    pay(db, line_id, day)
    model.lines[line_id][1] = "PAID"
    model.paid += amount


def do_unpay(db, config, model: Model, line_id, day, fee, parts, adds_up) -> None:
    amount, status, _ = model.lines[line_id]
    fee_cents = {None: CONFIGURED_FEE, "no fee": 0}.get(fee, fee)
    total = amount + fee_cents
    amounts = [max(total, 1) // parts] * (parts - 1)
    amounts.append(total - sum(amounts) + (0 if adds_up else 1))
    split = ()
    if parts > 1 or not adds_up:
        split = tuple(
            SplitPart(day + timedelta(days=30 * index), cents)
            for index, cents in enumerate(amounts)
        )
    options = UnpayOptions(
        no_fee=fee == "no fee", fee_cents=fee if isinstance(fee, int) else None, split=split
    )
    legal = status == "PAID" and amount > 0 and (not split or (adds_up and min(amounts) > 0))
    event(f"unpay {'done' if legal else 'refused'}")
    if not legal:
        with pytest.raises(SepaBatchError):
            unpay(db, config, line_id, day, options)
        return
    outcome = unpay(db, config, line_id, day, options)
    model.lines[line_id][1] = "UNPAID"
    model.sold += fee_cents
    model.paid -= amount
    model.lines[outcome.reversal_line] = [-amount, "PAID", day]
    dues = [part.due_date for part in split] or [day]  # by cheque: due today by default
    parts_cents = amounts if split else [total]
    assert len(outcome.representation_lines) == len(parts_cents)
    for new_id, cents, due in zip(outcome.representation_lines, parts_cents, dues, strict=True):
        model.lines[new_id] = [cents, "SCHEDULED", due]


def check(db, code: str, model: Model) -> None:
    with db.reader() as session:
        customer = session.execute(select(Customer).where(Customer.code == code)).scalar_one()
        rows = list(
            session.execute(
                select(LedgerLine).where(LedgerLine.customer_id == customer.id)
            ).scalars()
        )
        payments = {row.id: [row.amount_cents, row.status, row.due_date] for row in rows
                    if row.kind == "payment"}  # fmt: skip
        sales_total = sum(row.amount_cents for row in rows if row.kind == "sale")
        assert payments == model.lines  # 1
        assert sales_total == model.sold
        settled = sum(a for a, status, _ in payments.values() if status in ("PAID", "UNPAID"))
        assert settled - sales_total == model.paid - model.sold  # 2
        assert sum(line[0] for line in model.open()) == model.sold - model.paid  # 3
        assert sum(a for a, _, _ in payments.values()) - sales_total == 0
        late = ledger.customer_position(session, customer.id, LONG_AFTER)
        assert (late.balance_cents, late.overdue_cents) == (
            model.paid - model.sold,
            model.sold - model.paid,
        )  # 4
        days = {FIRST_DAY, LONG_AFTER} | {
            due + timedelta(days=shift) for _, _, due in model.lines.values() for shift in (0, 1)
        }
        for day in sorted(days):
            expected = any(due < day for _, _, due in model.open())
            assert ledger.customer_position(session, customer.id, day).blocked is expected  # 5
    for day in sorted(days)[:4]:
        expected = any(due < day for _, _, due in model.open())
        assert ledger.access(db, code, day).allowed is not expected
        listed = {row.customer for row in ledger.blocked_customers(db, day)}
        assert (code in listed) is expected
