"""``sepa-batch report``: formats, options and refusals shared by every report."""

from __future__ import annotations

import json

import pytest


@pytest.mark.parametrize("name", ["batches", "ageing", "returns", "journal"])
def test_every_report_in_every_format(story, sepa_batch, name, tmp_path):
    table = sepa_batch("report", name, "--to", "2010-08-31").stdout
    assert table.strip()
    document = sepa_batch.json("report", name, "--to", "2010-08-31")
    assert document["report"] == name and "rows" in document and "totals" in document
    text = sepa_batch("report", name, "--to", "2010-08-31", "--format", "csv").stdout
    assert len(text.splitlines()) == 1 + len(document["rows"])
    target = tmp_path / f"{name}.json"
    sepa_batch("report", name, "--to", "2010-08-31", "--format", "json", "--output", target)
    assert json.loads(target.read_text(encoding="utf-8")) == document
    assert not list(tmp_path.glob("*.partial"))


def test_fec_is_for_the_journal_only(story, sepa_batch):
    sepa_batch("report", "batches", "--format", "fec", expect=2)
    sepa_batch("report", "journal", "--format", "fec")


def test_bad_options(story, sepa_batch):
    assert "one character" in sepa_batch("report", "batches", "--delimiter", ";;", expect=2).stderr
    sepa_batch("report", "batches", "--from", "2010-13-01", expect=2)
    sepa_batch("report", "batches", "--output", "x.txt", expect=2)  # a table goes to the screen
    refused = sepa_batch(
        "report", "journal", "--from", "2010-08-01", "--to", "2010-07-01", expect=1
    )
    assert "report: from: 2010-08-01 is after --to 2010-07-01" in refused.stderr


def test_a_tab_separated_csv_and_the_fec_file(story, sepa_batch, tmp_path):
    text = sepa_batch("report", "ageing", "--format", "csv", "--delimiter", "tab").stdout
    assert text.splitlines()[0].split("\t")[:2] == ["customer", "name"]
    target = tmp_path / "FEC.txt"
    sepa_batch("report", "journal", "--format", "fec", "--output", target)
    first = target.read_bytes().split(b"\r\n")[1].decode("utf-8")
    assert first.startswith("VE\tVentes\tVE000001\t20100701\t411\tClients\tC001\tÉlodie Martin\t")


def test_help_has_an_example(sepa_batch):
    for args in (("settle",), ("report",), ("report", "journal")):
        assert "Example" in sepa_batch(*args, "--help").stdout
