"""A club moving in from another program: mandates signed years ago and collected every month
since keep being collected as RCUR, and the import warns when their history is missing."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from collection.collect_cases import outbox_files, read_transactions
from members.members_support import MIGRATION_HEADER, club_csv, member_row, signed_on

from sepa_batch import collection
from sepa_batch.errors import InvalidInputs
from sepa_batch.services import sales
from sepa_batch.services.master_data import import_customers

TODAY = date(2026, 11, 20)
LAST_MONTH = "2026-11-05"
MEMBERS = 300


def bill_everyone(db, members: int) -> None:
    for n in range(members):
        sales.add_instalment(
            db, f"M{n:04d}", amount_cents=3500, due=date(2026, 12, 5), mode="DIRECT_DEBIT",
            label="Cotisation 12/2026", today=TODAY,
        )  # fmt: skip


def collect(db, config):
    created = datetime(2026, 11, 25, 9, 0)
    return collection.collect_due(db, config, today=created.date(), created_at=created)


@pytest.mark.parametrize(
    "sequence",
    [lambda n: "", lambda n: "RCUR", lambda n: "RCUR" if n % 2 else ""],
    ids=["derived", "given", "mixed"],
)
def test_300_members_collected_last_month_are_all_collected_as_rcur(club_db, sequence):
    config, db = club_db
    text = club_csv(MEMBERS, last_collected=LAST_MONTH, sequence=sequence)
    result = import_customers(db, text, today=TODAY)
    assert (result.customers, result.mandates, result.would_expire) == (300, 300, 0)
    bill_everyone(db, MEMBERS)
    outcome = collect(db, config)
    assert outcome.skipped == []
    assert outcome.collected == MEMBERS
    transactions = [tx for path in outbox_files(config) for tx in read_transactions(path)]
    assert len(transactions) == MEMBERS
    assert {tx.sequence for tx in transactions} == {"RCUR"}  # the bank wants FRST for new ones


def test_without_the_history_old_mandates_are_counted_and_then_skipped_as_expired(club_db):
    config, db = club_db
    header = MIGRATION_HEADER.rsplit(",", 2)[0]
    rows = [member_row(n).rsplit(",", 2)[0] for n in range(MEMBERS)]
    result = import_customers(db, "\n".join([header, *rows]), today=TODAY)
    old = sum(1 for n in range(MEMBERS) if signed_on(n) <= date(2023, 11, 20))
    assert 0 < old < MEMBERS and result.would_expire == old  # expired today
    bill_everyone(db, MEMBERS)
    outcome = collect(db, config)  # requested for 2026-12-07: a few more expired by then
    assert len(outcome.skipped) == sum(
        1 for n in range(MEMBERS) if signed_on(n) <= date(2023, 12, 7)
    )
    assert {s.reason for s in outcome.skipped} == {"mandate expired: no collection for 36 months"}


def test_a_mandate_never_collected_gets_its_frst(club_db):
    config, db = club_db
    text = "\n".join([MIGRATION_HEADER, member_row(1), member_row(2, last_collected=LAST_MONTH)])
    import_customers(db, text.replace(str(signed_on(1)), "2026-10-01"), today=TODAY)
    for n in (1, 2):
        sales.add_instalment(db, f"M{n:04d}", amount_cents=3500, due=date(2026, 12, 5),
                             mode="DIRECT_DEBIT", label="x", today=TODAY)  # fmt: skip
    collect(db, config)
    [path] = outbox_files(config)
    assert {tx.mandate: tx.sequence for tx in read_transactions(path)} == {
        "RUM-M0001": "FRST",
        "RUM-M0002": "RCUR",
    }


@pytest.mark.parametrize(
    ("last", "sequence", "field", "words"),
    [
        ("05/11/2026", "", "mandate_last_collected_on", "is not a date YYYY-MM-DD"),
        ("2026-11-21", "", "mandate_last_collected_on", "is in the future"),
        ("2014-01-01", "", "mandate_last_collected_on", "is before the signature"),
        ("", "RCURR", "mandate_sequence", "is not FRST or RCUR"),
        (LAST_MONTH, "FRST", "mandate_sequence", "FRST, but the mandate was last collected"),
    ],
)
def test_bad_history_is_named_with_its_line_and_field_and_nothing_imported(
    club_db, last, sequence, field, words
):
    _, db = club_db
    text = "\n".join(
        [MIGRATION_HEADER, member_row(1, last_collected=LAST_MONTH),
         member_row(2, last_collected=last, sequence=sequence)]
    )  # fmt: skip
    with pytest.raises(InvalidInputs) as caught:
        import_customers(db, text, today=TODAY)
    [problem] = caught.value.problems
    assert (problem.record, problem.field) == ("customers.csv line 3", field)
    assert words in problem.reason
    with pytest.raises(InvalidInputs):  # nothing was imported: the same file is still refused
        import_customers(db, text, today=TODAY)


def test_the_cli_warns_how_many_mandates_would_be_expired_and_why(run, tmp_path):
    old = tmp_path / "old.csv"
    header = MIGRATION_HEADER.rsplit(",", 2)[0]
    old.write_text("\n".join([header, *(member_row(n).rsplit(",", 2)[0] for n in range(12))]))
    result = run("customers", "import", old, "--as-of", "2026-11-20")
    warning = " ".join(result.stderr.split())
    expired = sum(1 for n in range(12) if signed_on(n) <= date(2023, 11, 20))
    assert f"warning: {expired} mandate(s) would be skipped as expired" in warning
    assert "signed more than 36 months ago with no collection since on record" in warning
    assert "mandate_last_collected_on" in warning
    assert "imported 12 customers and 12 mandates" in result.stdout
    migrated = tmp_path / "migrated.csv"
    migrated.write_text(club_csv(24, last_collected=LAST_MONTH).replace("M00", "N00"))
    quiet = run("customers", "import", migrated, "--as-of", "2026-11-20", "--json")
    assert quiet.stderr == "" and json.loads(quiet.stdout)["would_expire"] == 0
