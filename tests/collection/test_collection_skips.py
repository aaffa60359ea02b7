"""Every reason a due line is not collected: in the result, and in ``collect --json``.

Each row breaks one member's data behind the services' back (the way old data, a manual
database fix or a changed rule would) and says the reason the collection must give. The line
stays SCHEDULED, so the next run reports it again until the data is fixed.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from collection.collect_cases import (
    collect,
    instalment,
    read_transactions,
    set_mandate,
    statuses,
)
from conftest import Cli
from sqlalchemy import update

from sepa_batch.db.schema import Customer, LedgerLine
from sepa_batch.services import master_data

CREATED = datetime(2010, 7, 1, 9, 0)  # due 07-05 → requested collection date 2010-07-05
DUE = date(2010, 7, 5)
EMOJI_CSV = (
    "customer_id,name,email,street,building_number,postcode,town,country,iban,bic,"
    "mandate_id,mandate_signed_on\n"
    "C014,🙂 🎉,smile@example.fr,,,,Lyon,FR,FR7630001007941234567890185,,CLUB-C014,2010-06-01\n"
)


def _amount(cents):
    def change(db, line):
        with db.transaction() as session:
            session.execute(
                update(LedgerLine).where(LedgerLine.id == line).values(amount_cents=cents)
            )

    return change


def _mandate(**values):
    return lambda db, line, code: set_mandate(db, code, **values)


def _town(town):
    def change(db, line, code):
        with db.transaction() as session:
            session.execute(update(Customer).where(Customer.code == code).values(town=town))

    return change


# (customer, what is wrong, the reason given)
CASES = [
    ("C012", None, "no mandate"),  # the fixture member without a mandate
    ("C001", _mandate(status="REVOKED"), "mandate revoked"),
    ("C002", _mandate(status="FLAGGED"), "mandate flagged: debtor data to correct"),
    ("C003", lambda db, line, code: _amount(0)(db, line), "amount is not positive"),
    ("C004", _mandate(signed_on=date(2010, 7, 6)), "mandate signed after the collection date"),
    # presented last exactly 36 months before the collection date: void that very day
    (
        "C005",
        _mandate(last_presented_on=date(2007, 7, 5)),
        "mandate expired: no collection for 36 months",
    ),
    ("C013", _mandate(first_used=True), "one-off mandate already used"),
    ("C007", _mandate(iban="DE12500105170648489891"), "invalid IBAN"),  # check digits
    ("C008", _mandate(iban="BR1800360305000010009795493C1"), "IBAN outside the SEPA zone"),
    ("C009", _mandate(bic="BANKXX"), "invalid BIC"),
    ("C010", _mandate(reference="CLUB//C010"), "mandate reference is not a SEPA identifier"),
    ("C011", _town("🏔"), "debtor address needs a town and a country (account outside the EEA)"),
    ("C014", None, "debtor name has no character of the SEPA set"),
]


def test_every_reason_in_the_result_and_in_collect_json(club):
    config, db = club
    master_data.import_customers(db, EMOJI_CSV, today=date(2010, 7, 1), source="emoji.csv")
    lines = {}
    for code, change, _ in CASES:
        lines[code] = instalment(db, code, 5000, DUE)
        if change is not None:
            change(db, lines[code], code)
    # a day short of 36 months: still valid, collected
    fine = instalment(db, "C006", 5000, DUE)
    set_mandate(db, "C006", last_presented_on=date(2007, 7, 6))
    # a negative amount is refused too
    negative = instalment(db, "C003", 5000, DUE)
    _amount(-100)(db, negative)

    expected = [(lines[code], code, reason) for code, _, reason in CASES]
    expected.append((negative, "C003", "amount is not positive"))
    expected.sort()
    planned = collect(db, config, CREATED, dry_run=True)
    assert sorted((s.line, s.customer, s.reason) for s in planned.skipped) == expected
    assert planned.collected == 1

    document = Cli(Path(config.source)).json("collect", "--as-of", "2010-07-01")
    assert set(document) == {"files", "collected", "skipped"}
    assert document["collected"] == 1
    [written] = document["files"]
    assert set(written) == {"path", "message_id", "transactions", "control_sum"}
    assert (written["transactions"], written["control_sum"]) == (1, "50.00")
    assert all(set(item) == {"line", "customer", "reason"} for item in document["skipped"])
    assert sorted((s["line"], s["customer"], s["reason"]) for s in document["skipped"]) == expected
    assert statuses(db, [line for line, _, _ in expected]) == ["SCHEDULED"] * len(expected)
    assert statuses(db, [fine]) == ["SUBMITTED"]


def test_one_off_mandate_collects_one_line_only_in_a_run(club):
    """Two lines due under one one-off mandate: the earliest goes out as OOFF, the other is
    refused; the next run refuses it again (the mandate is used)."""
    config, db = club
    first = instalment(db, "C013", 4250, date(2010, 7, 5))
    second = instalment(db, "C013", 1000, date(2010, 7, 2))  # due earlier: collected first
    result = collect(db, config, CREATED)
    assert [(b.sequence_type, b.control_sum_cents) for b in result.blocks] == [("OOFF", 1000)]
    assert [(s.line, s.reason) for s in result.skipped] == [(first, "one-off mandate already used")]
    again = collect(db, config, datetime(2010, 7, 2, 9, 0))
    assert (again.collected, [s.line for s in again.skipped]) == (0, [first])
    assert statuses(db, [first, second]) == ["SCHEDULED", "SUBMITTED"]


def test_skipped_lines_are_collected_once_the_data_is_fixed(club):
    config, db = club
    line = instalment(db, "C007", 5000, DUE)
    set_mandate(db, "C007", iban="DE12500105170648489891")
    assert [s.reason for s in collect(db, config, CREATED).skipped] == ["invalid IBAN"]
    master_data.update_mandate(db, "C007", iban="DE12500105170648489890")
    result = collect(db, config, CREATED)
    assert result.collected == 1 and statuses(db, [line]) == ["SUBMITTED"]
    # the wrong IBAN never reached a bank: a correction, not an amendment
    [tx] = read_transactions(result.files[0].path)
    assert (tx.iban, tx.amendment) == ("DE12500105170648489890", None)
