"""A season's member list imported again with ``customers import --update``: exactly the
changes, shown first by ``--dry-run``; the next pain.008 carries the amendments."""

from __future__ import annotations

import json

import pytest
from collection.collect_cases import outbox_files, read_transactions
from support import FIXTURES

from sepa_batch import config as config_module
from sepa_batch.sepa import xsd

NEW_SEASON = {
    # C001 moved house and changed e-mail
    "C001": ("elodie.martin@example.fr,Rue de la République,14,69002",
             "elodie@example.org,Rue Garibaldi,50,69003"),
    # C003 changed account at the same bank (10278): the original IBAN goes in the amendment
    "C003": ("FR7610278000010001234560178", "FR7610278000010009876543251"),
    # C004 changed bank: SMNDA
    "C004": ("FR7618206000026543210018754,AGRIFRPP882", "FR7630006000011234567890189,AGRIFRPP"),
    # C005 signed a new mandate: it replaces CLUB-C005-2010
    "C005": ("CLUB-C005-2010,2010-06-25", "CLUB-C005-2011,2010-07-15"),
}  # fmt: skip
NEW_MEMBER = (
    "C020,Inès Faure,ines@example.fr,,,,Lyon,FR,FR7630006000011234567890189,,CLUB-C020,2010-07-10"
)


def season_file(tmp_path, changes=NEW_SEASON, *, drop=("C012",), extra=(NEW_MEMBER,)):
    lines = (FIXTURES / "customers.csv").read_text(encoding="utf-8").splitlines()
    out = []
    for line in lines:
        code = line.split(",", 1)[0]
        if code in drop:
            continue  # absent from the new list: left alone
        if code in changes:
            old, new = changes[code]
            assert old in line
            line = line.replace(old, new)
        out.append(line)
    path = tmp_path / "members-2010-2011.csv"
    path.write_text("\n".join([*out, *extra]) + "\n", encoding="utf-8")
    return path


def changes_by_customer(document: dict) -> dict:
    return {row["customer"]: (row["action"], row["changes"]) for row in document["rows"]}


def test_dry_run_shows_exactly_the_changes_and_changes_nothing(run, tmp_path):
    path = season_file(tmp_path)
    before = run.json("mandate", "show", "C004")
    shown = run.json("customers", "import", path, "--update", "--dry-run", "--as-of", "2010-07-20")
    assert shown["dry_run"] is True
    assert (shown["created"], shown["updated"], shown["unchanged"]) == (1, 4, 7)
    rows = changes_by_customer(shown)
    assert rows["C001"] == ("updated", [
        "email: elodie.martin@example.fr → elodie@example.org",
        "street: Rue de la République → Rue Garibaldi",
        "building_number: 14 → 50",
        "postcode: 69002 → 69003",
    ])  # fmt: skip
    assert rows["C003"][1] == [
        "iban: ***********************0178 → ***********************3251 (same bank); "
        "an amendment the next collection carries"
    ]
    assert "new bank, SMNDA" in rows["C004"][1][0]
    assert rows["C005"][1] == ["mandate CLUB-C005-2011 added, CLUB-C005-2010 retired"]
    assert rows["C020"] == ("created", ["customer created", "mandate CLUB-C020 added"])
    assert rows["C002"] == ("unchanged", [])
    assert "C012" not in rows
    assert run.json("mandate", "show", "C004") == before
    run("ledger", "C020", "--as-of", "2010-07-20", expect=1)  # not created


def test_the_update_applies_and_the_next_file_carries_the_amendments(run, tmp_path):
    path = season_file(tmp_path)
    human = run("customers", "import", path, "--update", "--as-of", "2010-07-20").stdout
    assert "1 customers created, 4 updated, 7 unchanged" in human
    again = run.json("customers", "import", path, "--update", "--as-of", "2010-07-21")
    assert (again["updated"], again["unchanged"]) == (0, 12)  # applying it twice changes nothing
    for code in ("C001", "C002", "C003", "C004", "C005", "C020"):
        run("instalment", code, "--amount", "30.00", "--due", "2010-08-05", "--as-of", "2010-07-21")
    collected = run.json("collect", "--as-of", "2010-07-25")
    assert collected["collected"] == 6 and collected["skipped"] == []
    [path] = outbox_files(config_module.load(run.config_path))
    xsd.validate_file(path, "pain.008.001.08")
    txs = {tx.mandate: tx for tx in read_transactions(path)}
    assert txs["CLUB-C003-2010"].amendment == ("", "FR7610278000010001234560178", "")
    assert txs["CLUB-C003-2010"].iban == "FR7610278000010009876543251"
    assert txs["CLUB-C004-2010"].amendment == ("", "", "SMNDA")
    assert txs["CLUB-C004-2010"].iban == "FR7630006000011234567890189"
    assert txs["CLUB-C005-2011"].sequence == "FRST"  # a new mandate: its first collection
    assert txs["CLUB-C005-2011"].amendment is None
    assert txs["CLUB-C002-2010"].amendment is None
    history = run.json("mandate", "show", "C005")["mandates"]
    assert [(m["mandate"], m["status"]) for m in history] == [
        ("CLUB-C005-2011", "ACTIVE"),
        ("CLUB-C005-2010", "REVOKED"),
    ]
    assert history[1]["reason"] == "replaced by mandate CLUB-C005-2011"


@pytest.mark.parametrize(
    ("row", "field", "words"),
    [
        # C002 names C011's mandate
        ("C002,François Lefèvre,,,,,Lyon,FR,CH9300762011623852957,,CLUB-C011-2010,2010-06-26",
         "mandate_id", "belongs to another customer"),
        ("C002,François Lefèvre,,,,,Lyon,FR,FR7630004000030002000123423,,CLUB-C002-2010,2010-06-16",
         "iban", "invalid IBAN"),
        ("C002,,,,,,Lyon,FR,,,,", "name", "missing"),
    ],
)  # fmt: skip
def test_a_bad_row_refuses_the_whole_list(run, tmp_path, row, field, words):
    path = season_file(tmp_path, extra=(row,), drop=("C002", "C011", "C012"))
    result = run("customers", "import", path, "--update", "--as-of", "2010-07-20", expect=1)
    message = " ".join(result.stderr.split())
    assert f"line 11: {field}: " in message and words in message
    assert "nothing changed" in message
    assert run.json("mandate", "show", "C001")["mandates"][0]["iban"].endswith("2606")
    shown = run.json("customers", "import", season_file(tmp_path, {}), "--update", "--dry-run")
    assert shown["updated"] == 0 and shown["created"] == 1  # C001's address was not changed


def test_a_retired_mandate_cannot_come_back(run, tmp_path):
    run("customers", "import", season_file(tmp_path), "--update", "--as-of", "2010-07-20")
    back = season_file(tmp_path, {}, drop=("C012",))  # the old list names CLUB-C005-2010 again
    result = run("customers", "import", back, "--update", "--as-of", "2010-07-21", expect=1)
    message = " ".join(result.stderr.split())
    assert "mandate_id: mandate CLUB-C005-2010 is replaced by mandate CLUB-C005-2011" in message
    assert (
        json.loads(run("mandate", "show", "C005", "--json").stdout)["mandates"][0]["mandate"]
        == "CLUB-C005-2011"
    )
