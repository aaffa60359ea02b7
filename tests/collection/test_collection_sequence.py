"""Sequence types from the mandate's history, amendments carried once, and never twice."""

from __future__ import annotations

import io
import threading
from datetime import date, datetime

import pytest
from collection.collect_cases import (
    collect,
    instalment,
    line,
    mandate_of,
    outbox_files,
    partial_files,
    read_transactions,
    statuses,
    subscribe,
)

from sepa_batch.collection import marking, writers
from sepa_batch.collection.eligibility import CHANGED_MEANWHILE
from sepa_batch.db.schema import LedgerLine
from sepa_batch.db.session import Database
from sepa_batch.errors import SepaBatchError
from sepa_batch.services import master_data
from sepa_batch.services.common import payment_line
from sepa_batch.unpaid import UnpayOptions, apply_unpaid

JULY = datetime(2010, 7, 1, 9, 0)
AUGUST = datetime(2010, 8, 1, 9, 0)


def sequences(result) -> list[tuple[str, date, int]]:
    return [(b.sequence_type, b.collection_date, b.transactions) for b in result.blocks]


def test_first_then_recurrent(club):
    config, db = club
    july, august, _ = subscribe(db, "C001")
    assert sequences(collect(db, config, JULY)) == [("FRST", date(2010, 7, 5), 1)]
    assert mandate_of(db, "C001").first_used is True
    assert mandate_of(db, "C001").last_presented_on == date(2010, 7, 5)
    assert sequences(collect(db, config, AUGUST)) == [("RCUR", date(2010, 8, 5), 1)]
    assert mandate_of(db, "C001").last_presented_on == date(2010, 8, 5)
    assert statuses(db, [july, august]) == ["SUBMITTED", "SUBMITTED"]


@pytest.mark.parametrize(
    "code",
    [
        "TECH",  # technical reject: the line goes back to SCHEDULED, out again as it was
        "AM04",  # no funds: unpaid, re-presented by direct debit at the next collection
    ],
)
def test_a_rejected_first_collection_keeps_the_frst(club, code):
    """A FRST rejected before settlement does not use it up: the next one is a FRST again."""
    config, db = club
    july = subscribe(db, "C001")[0]
    collect(db, config, JULY)
    with db.transaction() as session:
        submitted = payment_line(session, july)
        apply_unpaid(session, config, submitted, date(2010, 7, 6), UnpayOptions(reason_code=code))
    assert mandate_of(db, "C001").first_used is False
    result = collect(db, config, AUGUST)
    # the earliest line due is the FRST; the others of the run follow as RCUR
    assert [b.sequence_type for b in result.blocks] == ["FRST", "RCUR"]
    assert result.collected == 2
    assert mandate_of(db, "C001").first_used is True
    if code == "TECH":
        assert line(db, july).end_to_end_id == "SB-L2-2"  # presented for the 2nd time
        assert result.blocks[0].collection_date == date(2010, 8, 3)  # was due 07-05
    third = collect(db, config, datetime(2010, 9, 1, 9, 0))
    assert [b.sequence_type for b in third.blocks] == ["RCUR"]


def test_two_lines_of_a_new_mandate_in_one_run(club):
    config, db = club
    later = instalment(db, "C002", 3000, date(2010, 7, 9))
    earlier = instalment(db, "C002", 2000, date(2010, 7, 5))
    result = collect(db, config, JULY, until=date(2010, 7, 9))
    assert sequences(result) == [("FRST", date(2010, 7, 5), 1), ("RCUR", date(2010, 7, 9), 1)]
    assert line(db, earlier).batch_id != line(db, later).batch_id


def test_a_bank_that_does_not_want_frst(make_club):
    config, db = make_club("[bank]\nwant_frst = false\n")
    subscribe(db, "C001")
    assert sequences(collect(db, config, JULY)) == [("RCUR", date(2010, 7, 5), 1)]


def test_never_twice(club):
    config, db = club
    for code in ("C001", "C002", "C003"):
        subscribe(db, code)
    first = collect(db, config, JULY)
    assert first.collected == 3
    again = collect(db, config, JULY)
    assert (again.collected, again.files, again.blocks) == (0, [], [])
    assert len(outbox_files(config)) == 1 and partial_files(config) == []


def test_two_runs_at_once_collect_each_line_once(club):
    config, db = club
    lines = [i for code in ("C001", "C002", "C003", "C004", "C006") for i in subscribe(db, code)]
    results, errors = [], []

    def run():
        other = Database(config.database_url)
        try:
            results.append(collect(other, config, JULY, until=date(2010, 9, 30)))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            other.dispose()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(r.collected for r in results) == [0, 15]
    end_to_end = [
        tx.end_to_end_id for path in outbox_files(config) for tx in read_transactions(path)
    ]
    assert len(end_to_end) == len(set(end_to_end)) == 15
    assert set(statuses(db, lines)) == {"SUBMITTED"}


def test_a_failed_run_changes_nothing_and_the_next_carries_the_amendment(club, monkeypatch):
    """The XSD refuses the file as it is written: nothing is collected, the counter and the
    amendment stay."""
    config, db = club
    july = subscribe(db, "C009")[0]
    master_data.update_mandate(db, "C009", iban="BE68539007547034", reference="CLUB-C009-B")
    write = writers.pain008.write_pain008

    def write_an_element_the_xsd_does_not_know(out, *args, **kwargs):
        written = io.BytesIO()
        write(written, *args, **kwargs)
        out.write(written.getvalue().replace(b"<EndToEndId>", b"<EndToEndIdX>", 1)
                  .replace(b"</EndToEndId>", b"</EndToEndIdX>", 1))  # fmt: skip

    monkeypatch.setattr(writers.pain008, "write_pain008", write_an_element_the_xsd_does_not_know)
    with pytest.raises(SepaBatchError, match=r"not a valid pain\.008.*EndToEndIdX"):
        collect(db, config, JULY)
    assert statuses(db, [july]) == ["SCHEDULED"]
    assert outbox_files(config) == [] and partial_files(config) == []
    assert mandate_of(db, "C009").amend_original_reference == "CLUB-C009-2010"
    monkeypatch.undo()
    result = collect(db, config, JULY)
    assert result.files[0].message_id == "SB-20100701-000001"  # the failed run used none
    [tx] = read_transactions(result.files[0].path)
    assert (tx.mandate, tx.amendment) == ("CLUB-C009-B", ("CLUB-C009-2010", "", ""))
    assert mandate_of(db, "C009").amend_original_reference is None


def test_a_line_changed_while_being_collected_is_skipped_and_reported(club, monkeypatch):
    """Paid at the desk between the plan and the marking (possible on PostgreSQL, where other
    transactions commit meanwhile): the run goes on without it and says so; a file left with
    no line is not written (issue 10: it used to abort the whole run)."""
    config, db = club
    july = subscribe(db, "C001")[0]
    original = marking.record_file

    def pay_then_record(session, prefix, job, blocks):
        session.get(LedgerLine, july).status = "PAID"
        session.flush()
        return original(session, prefix, job, blocks)

    monkeypatch.setattr(marking, "record_file", pay_then_record)
    result = collect(db, config, JULY)
    assert (result.collected, result.files) == (0, [])
    assert [(s.line, s.reason) for s in result.skipped] == [(july, CHANGED_MEANWHILE)]
    assert statuses(db, [july]) == ["PAID"]
    assert outbox_files(config) == [] and partial_files(config) == []
