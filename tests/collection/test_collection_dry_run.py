"""``collect --dry-run``: says what would be collected, writes and changes nothing."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from collection.collect_cases import (
    collect,
    mandate_of,
    outbox_files,
    partial_files,
    statuses,
    subscribe,
)
from conftest import Cli

from sepa_batch.collection.jobs import PARTIAL
from sepa_batch.services import master_data

CREATED = datetime(2010, 7, 1, 9, 0)


def test_a_dry_run_writes_nothing_and_says_what_the_run_will_do(make_club):
    config, db = make_club("[bank]\nmax_transactions_per_file = 2\n")
    lines = [subscribe(db, code)[0] for code in ("C001", "C002", "C003")]
    master_data.update_mandate(db, "C001", iban="FR7630001007941234567890185")
    # a partial file left by a crash: a dry run leaves it for the real run to clean
    stray = config.folders.outbox / PARTIAL / "SB-20100630-000042.xml"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"<Document/>")

    planned = collect(db, config, CREATED, dry_run=True)
    assert planned.dry_run and planned.collected == 3
    assert [(f.message_id, f.transactions, f.control_sum_cents) for f in planned.files] == [
        ("SB-20100701-000001", 2, 10000),
        ("SB-20100701-000002", 1, 5000),
    ]
    assert [(b.sequence_type, b.collection_date) for b in planned.blocks] == [
        ("FRST", date(2010, 7, 5)),
        ("FRST", date(2010, 7, 5)),
    ]
    assert statuses(db, lines) == ["SCHEDULED"] * 3
    assert outbox_files(config) == [] and partial_files(config) == [stray]
    assert mandate_of(db, "C001").amend_new_bank is True  # still to be carried

    done = collect(db, config, CREATED)  # the real run does what the dry run said
    assert [(f.path, f.message_id, f.transactions) for f in done.files] == [
        (f.path, f.message_id, f.transactions) for f in planned.files
    ]
    assert done.blocks == planned.blocks
    assert partial_files(config) == []  # the real run cleaned the stray partial file


def test_collect_dry_run_on_the_command_line(club):
    config, db = club
    lines = [subscribe(db, code)[0] for code in ("C001", "C012")]
    cli = Cli(Path(config.source))
    document = cli.json("collect", "--as-of", "2010-07-01", "--dry-run")
    assert document["collected"] == 1
    assert [(f["message_id"], f["transactions"], f["control_sum"]) for f in document["files"]] == [
        ("SB-20100701-000001", 1, "50.00")
    ]
    assert document["skipped"] == [{"line": lines[1], "customer": "C012", "reason": "no mandate"}]
    human = cli("collect", "--as-of", "2010-07-01", "--dry-run").stdout
    assert "Payment blocks (dry run)" in human
    assert "would collect 1 instalment(s) for 50.00 EUR in 1 file(s); skipped 1" in human
    assert f"line {lines[1]} (C012): no mandate" in human
    assert statuses(db, lines) == ["SCHEDULED", "SCHEDULED"]
    assert outbox_files(config) == []

    written = cli("collect", "--as-of", "2010-07-01").stdout
    assert "collected 1 instalment(s) for 50.00 EUR in 1 file(s); skipped 1" in written
    assert "SB-20100701-000001-001" in written and "Files written" in written
    assert [p.name for p in outbox_files(config)] == ["SB-20100701-000001.xml"]
