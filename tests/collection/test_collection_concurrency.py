"""Collection against concurrent writers: a desk amendment recorded while a collection runs
is never erased by it. On PostgreSQL the desk commits in the middle of the collection (two
real connections); on SQLite the desk waits for the collection's write lock, then commits."""

from __future__ import annotations

import threading
from datetime import date, datetime

from collection.collect_cases import collect, mandate_of, read_transactions, statuses, subscribe
from lxml import etree

from sepa_batch.collection import marking
from sepa_batch.collection.eligibility import CHANGED_MEANWHILE
from sepa_batch.db.session import Database
from sepa_batch.domain.model import Mode
from sepa_batch.errors import TransitionRefused
from sepa_batch.money import parse_amount
from sepa_batch.sepa import xsd
from sepa_batch.services import master_data, payment

CREATED = datetime(2010, 7, 1, 9, 0)


def read_header(path) -> tuple[int, int]:
    """(NbOfTxs, CtrlSum in cents) of the group header."""
    header = etree.parse(str(path)).find(".//{*}GrpHdr")
    return (
        int(header.findtext("{*}NbOfTxs")),
        parse_amount(header.findtext("{*}CtrlSum"), record="GrpHdr", field="CtrlSum"),
    )


def desk_during_the_collection(monkeypatch, config, db, desk) -> list[BaseException]:
    """Run ``desk(other_db)`` from another connection just before the collection updates the
    mandates (its lines are marked, its transaction open)."""
    errors: list[BaseException] = []
    original = marking.update_mandates
    threads = []

    def desk_then_update(*args, **kwargs):
        other = Database(config.database_url)

        def run():
            try:
                desk(other)
            except BaseException as exc:
                errors.append(exc)
            finally:
                other.dispose()

        thread = threading.Thread(target=run)
        thread.start()
        thread.join(timeout=3)  # SQLite, or a key update on PostgreSQL: it waits for us
        threads.append(thread)
        return original(*args, **kwargs)

    monkeypatch.setattr(marking, "update_mandates", desk_then_update)
    result = collect(db, config, CREATED)
    for thread in threads:
        thread.join(timeout=60)
    assert result.collected > 0
    return errors


def test_an_amendment_recorded_during_a_collection_is_kept(club, monkeypatch):
    config, db = club
    subscribe(db, "C002", months=2)
    new_iban = "FR7630004000030002009876578"  # same bank: the original IBAN is carried
    before = mandate_of(db, "C002").iban

    errors = desk_during_the_collection(
        monkeypatch,
        config,
        db,
        lambda other: master_data.update_mandate(other, "C002", iban=new_iban),
    )
    assert errors == []
    mandate = mandate_of(db, "C002")
    assert (mandate.iban, mandate.amend_original_iban) == (new_iban, before)

    monkeypatch.undo()
    again = collect(db, config, datetime(2010, 8, 1, 9, 0))
    [tx] = [tx for f in again.files for tx in read_transactions(f.path)]
    assert tx.amendment is not None and tx.amendment[1] == before  # carried by the next file
    assert mandate_of(db, "C002").amend_original_iban is None


def test_what_the_file_carried_is_cleared_and_what_came_meanwhile_is_kept(club, monkeypatch):
    config, db = club
    subscribe(db, "C002", months=2)
    first_iban = mandate_of(db, "C002").iban
    master_data.update_mandate(db, "C002", iban="FR7630004000030002009876578")
    reference = mandate_of(db, "C002").reference

    errors = desk_during_the_collection(
        monkeypatch,
        config,
        db,
        lambda other: master_data.update_mandate(
            other, "C002", iban="FR7630004000030002009876578", reference="CLUB-C002-NEW"
        ),
    )
    assert errors == []
    mandate = mandate_of(db, "C002")
    assert mandate.amend_original_iban is None  # carried by this file
    assert (mandate.reference, mandate.amend_original_reference) == ("CLUB-C002-NEW", reference)
    assert first_iban != mandate.iban


def test_a_line_paid_at_the_desk_during_a_collection_is_skipped_and_reported(club, monkeypatch):
    """PostgreSQL: the desk pays line 1 after the plan read it and before it is marked: the
    run goes on without it (reported), and the file carries only the others. SQLite: the desk
    waits for the collection, which collected the line: the desk is refused instead."""
    config, db = club
    lines = [subscribe(db, code, months=1)[0] for code in ("C001", "C002", "C003")]
    errors: list[BaseException] = []
    original = marking.record_all

    def desk_then_record(*args, **kwargs):
        other = Database(config.database_url)

        def run():
            try:
                payment.pay(other, lines[0], date(2010, 7, 1), mode=Mode.CHEQUE)
            except BaseException as exc:
                errors.append(exc)
            finally:
                other.dispose()

        thread = threading.Thread(target=run)
        thread.start()
        thread.join(timeout=3)
        desk_then_record.thread = thread
        return original(*args, **kwargs)

    monkeypatch.setattr(marking, "record_all", desk_then_record)
    result = collect(db, config, CREATED)
    desk_then_record.thread.join(timeout=60)
    [written] = result.files
    in_file = sorted(tx.end_to_end_id for tx in read_transactions(written.path))
    xsd.validate_file(written.path, "pain.008.001.08")
    if db.is_sqlite:
        assert [type(e) for e in errors] == [TransitionRefused]
        assert statuses(db, lines) == ["SUBMITTED"] * 3
        assert in_file == sorted(f"SB-L{line}-1" for line in lines)
        return
    assert errors == []
    assert [(s.line, s.reason) for s in result.skipped] == [(lines[0], CHANGED_MEANWHILE)]
    assert (result.collected, written.transactions) == (2, 2)
    assert in_file == sorted(f"SB-L{line}-1" for line in lines[1:])
    assert statuses(db, lines) == ["PAID", "SUBMITTED", "SUBMITTED"]
    header = read_header(written.path)
    assert header == (2, written.control_sum_cents)
