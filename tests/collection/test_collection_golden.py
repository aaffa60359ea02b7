"""Golden files: three monthly collections of the fixture club, byte for byte, in both formats.

The story (files of at most 5 transactions, so every run is split):

- July (created 2010-07-01): every member's first collection — FRST on 07-05, C010's on
  07-08, C005's (due Saturday 07-10) on Monday 07-12 — and C013's one-off licence (OOFF);
  C012 has no mandate.
- then three amendments: C002 a new IBAN at the same bank (OrgnlDbtrAcct), C006 a new bank
  (SMNDA, and a FRST again for a bank that wants FRST), C009 a new mandate reference
  (OrgnlMndtId);
- August (created Sunday 2010-08-01): RCUR, the amendments carried; C013's second licence is
  refused (one-off mandate used); C010's 08-08 (Sunday) goes on Monday 08-09;
- September (created 2010-09-01): RCUR, no amendment any more; 09-05 is a Sunday → 09-06.

C011 banks in Switzerland (outside the EEA): its address is written (structured in .08, two
lines in .02); EEA debtors carry none. C004's name is full of accents and an ``&``.

``UPDATE_GOLDEN=1 pytest tests/collection/test_collection_golden.py`` rewrites the goldens;
read the diff before committing them.
"""

from __future__ import annotations

import os
from datetime import date

import pytest
from collection.collect_cases import GOLDEN, RUNS, by_name, read_transactions, story

from sepa_batch.sepa import xsd

VERSIONS = ["pain.008.001.08", "pain.008.001.02"]


@pytest.mark.parametrize("version", VERSIONS)
def test_the_files_are_the_goldens_byte_for_byte(make_club, version):
    runs = story(make_club, version)
    folder = GOLDEN / version
    written = {
        f"{run}-{name}": data for run, (_, files) in runs.items() for name, data in files.items()
    }
    if os.environ.get("UPDATE_GOLDEN") == "1":
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.xml"):
            old.unlink()
        for name, data in written.items():
            (folder / name).write_bytes(data)
    expected = {p.name: p.read_bytes() for p in sorted(folder.glob("*.xml"))}
    assert sorted(written) == sorted(expected)
    for name, data in written.items():
        xsd.validate_bytes(data, version)
        assert data == expected[name], f"{version}/{name} differs from its golden file"


@pytest.mark.parametrize("version", VERSIONS)
def test_what_the_goldens_say(make_club, version):
    """The goldens' content, computed by hand rather than trusted."""
    runs = story(make_club, version)
    july, august, september = (runs[name][0] for name, _, _ in RUNS)

    # files of at most 5, numbered by a counter that never restarts
    assert [f.message_id for f in july.files] == [
        "SB-20100701-000001", "SB-20100701-000002", "SB-20100701-000003"
    ]  # fmt: skip
    assert september.files[0].message_id == "SB-20100901-000007"
    assert [f.transactions for r in (july, august, september) for f in r.files] == [
        5, 5, 2, 5, 5, 1, 5, 5, 1
    ]  # fmt: skip
    blocks = [(b.sequence_type, b.collection_date, b.transactions) for b in july.blocks]
    assert blocks == [
        ("FRST", date(2010, 7, 5), 5),
        ("FRST", date(2010, 7, 5), 4),
        ("OOFF", date(2010, 7, 5), 1),
        ("FRST", date(2010, 7, 8), 1),
        ("FRST", date(2010, 7, 12), 1),
    ]
    # a block reaching 5 lines makes a file at once (C001-C004 and C007: C006's line went to
    # the FRST block); what is left is packed by date and sequence type
    assert [(b.sequence_type, b.collection_date, b.transactions) for b in august.blocks] == [
        ("RCUR", date(2010, 8, 5), 5),
        ("FRST", date(2010, 8, 5), 1),
        ("RCUR", date(2010, 8, 5), 3),
        ("RCUR", date(2010, 8, 9), 1),
        ("RCUR", date(2010, 8, 10), 1),
    ]
    assert {b.collection_date for b in september.blocks} == {
        date(2010, 9, 6), date(2010, 9, 8), date(2010, 9, 10)
    }  # fmt: skip
    # 11 subscriptions (10 at 50.00, C005's at 35.00) and the 42.50 licence
    assert sum(f.control_sum_cents for f in july.files) == 10 * 5000 + 3500 + 4250
    assert sum(f.control_sum_cents for f in august.files) == 10 * 5000 + 3500
    assert [(s.customer, s.reason) for s in july.skipped] == [("C012", "no mandate")]
    assert sorted((s.customer, s.reason) for s in august.skipped) == [  # July's is still open
        ("C012", "no mandate"), ("C012", "no mandate"), ("C013", "one-off mandate already used")
    ]  # fmt: skip

    def transactions(run: str):
        return by_name([tx for data in runs[run][1].values() for tx in _parse(data)])

    first, second, third = transactions("july"), transactions("august"), transactions("september")
    assert first["Jerome + Anais Garcon"].mandate == "CLUB-C004-2010"
    assert first["Zoe Odegard-Bronte"].sequence == "OOFF"
    # lines: C001 1-4 (a sale, 3 instalments), C002 5-8, C003 9-12, C004 13-16, C005 17-20,
    # C006 21-24: its July instalment is line 22, presented for the 1st time
    assert first["Jurgen Weiss"].end_to_end_id == "SB-L22-1"
    assert all(tx.amendment is None for tx in first.values())
    # the amendments, each of its kind, in August only
    assert second["Francois Lefevre"].amendment == ("", "FR7630004000030002000123422", "")
    assert second["Francois Lefevre"].iban == "FR7630004000030002009876578"
    assert second["Jurgen Weiss"].amendment == ("", "", "SMNDA")
    assert (second["Jurgen Weiss"].sequence, second["Jurgen Weiss"].bic) == ("FRST", "")
    assert second["Maelle Van den Broeck"].amendment == ("CLUB-C009-2010", "", "")
    assert second["Maelle Van den Broeck"].mandate == "CLUB-C009-2010-B"
    amended = {name for name, tx in second.items() if tx.amendment}
    assert amended == {"Francois Lefevre", "Jurgen Weiss", "Maelle Van den Broeck"}
    assert all(tx.amendment is None for tx in third.values())
    assert third["Jurgen Weiss"].sequence == "RCUR"
    # only the Swiss debtor carries an address
    with_address = {name: tx.address for name, tx in third.items() if tx.address}
    if version == "pain.008.001.08":
        assert with_address == {
            "Ueli Zurcher": (
                "StrtNm=Bahnhofstrasse", "BldgNb=45", "PstCd=8001", "TwnNm=Zurich", "Ctry=CH"
            )
        }  # fmt: skip
    else:
        assert with_address == {
            "Ueli Zurcher": ("Ctry=CH", "AdrLine=Bahnhofstrasse 45", "AdrLine=8001 Zurich")
        }


def _parse(data: bytes):
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".xml") as handle:
        handle.write(data)
        handle.flush()
        return read_transactions(handle.name)
