"""mandate add / revoke / show and report mandates, driven through the CLI."""

from __future__ import annotations

import pytest

NEW_IBAN = "FR7630006000011234567890189"


def mandates_of(run, code: str) -> list[tuple[str, str]]:
    return [(m["mandate"], m["status"]) for m in run.json("mandate", "show", code)["mandates"]]


def test_add_replaces_the_current_mandate(run):
    added = run.json("mandate", "add", "C001", "--id", "CLUB-C001-2011", "--signed-on",
                     "2010-07-10", "--iban", NEW_IBAN, "--bic", "AGRIFRPP",
                     "--as-of", "2010-07-20")  # fmt: skip
    assert added == {"customer": "C001", "mandate": "CLUB-C001-2011", "type": "RCUR"}
    assert mandates_of(run, "C001") == [("CLUB-C001-2011", "ACTIVE"), ("CLUB-C001-2010", "REVOKED")]
    history = run.json("mandate", "show", "C001")["mandates"]
    assert history[1]["history"][-1] == {
        "date": "2010-07-20", "event": "revoked", "detail": "replaced by mandate CLUB-C001-2011"
    }  # fmt: skip
    run("mandate", "add", "C012", "--id", "C012-OOFF", "--signed-on", "2010-07-10",
        "--iban", NEW_IBAN, "--type", "ooff", "--as-of", "2010-07-20")  # fmt: skip
    [only] = run.json("mandate", "show", "C012")["mandates"]
    assert (only["mandate"], only["type"], only["status"]) == ("C012-OOFF", "OOFF", "ACTIVE")


@pytest.mark.parametrize(
    ("args", "status", "words"),
    [
        (("C999", "--id", "X1", "--signed-on", "2010-07-01", "--iban", NEW_IBAN), 1,
         "customer C999: not found"),
        (("C001", "--id", "CLUB-C002-2010", "--signed-on", "2010-07-01", "--iban", NEW_IBAN), 1,
         "customer C001: mandate_id: mandate CLUB-C002-2010 already exists"),
        (("C001", "--id", "X1", "--signed-on", "2010-07-01", "--iban", NEW_IBAN[:-1] + "8"), 1,
         "customer C001: iban: invalid IBAN"),
        (("C001", "--id", "X1", "--signed-on", "2010-07-01", "--iban", NEW_IBAN, "--bic", "NOPE"),
         1, "customer C001: bic: invalid BIC"),
        (("C001", "--id", "X1", "--signed-on", "2010-08-01", "--iban", NEW_IBAN), 1,
         "customer C001: signed_on: 2010-08-01 is in the future (today is 2010-07-20)"),
        (("C001", "--id", " ", "--signed-on", "2010-07-01", "--iban", NEW_IBAN), 1,
         "customer C001: id: the mandate reference is empty"),
        (("C001", "--id", "X1", "--signed-on", "01/07/2010", "--iban", NEW_IBAN), 2, "not a date"),
        (("C001", "--id", "X1", "--signed-on", "2010-07-01", "--iban", NEW_IBAN, "--type", "FRST"),
         2, "FRST"),
        (("C001", "--signed-on", "2010-07-01", "--iban", NEW_IBAN), 2, "--id"),
    ],
)  # fmt: skip
def test_add_refuses_bad_input_and_changes_nothing(run, args, status, words):
    before = run.json("mandate", "show", "C001")
    result = run("mandate", "add", *args, "--as-of", "2010-07-20", expect=status)
    assert words in " ".join(result.stderr.split())
    assert run.json("mandate", "show", "C001") == before


def test_revoke_stops_collection_and_lists_the_open_direct_debits(run):
    run("subscribe", "C001", "--article", "SUB_MONTH", "--start", "2010-07-01", "--months", "2",
        "--as-of", "2010-07-01")  # fmt: skip
    run("instalment", "C001", "--amount", "10.00", "--due", "2010-08-05", "--mode", "CHEQUE",
        "--as-of", "2010-07-01")  # fmt: skip
    revoked = run.json("mandate", "revoke", "C001", "--reason", "cancelled by the debtor",
                       "--as-of", "2010-07-02")  # fmt: skip
    assert revoked["mandate"] == "CLUB-C001-2010"
    assert [(x["due_date"], x["amount"]) for x in revoked["open_direct_debit_lines"]] == [
        ("2010-07-05", "50.00"),
        ("2010-08-05", "50.00"),
    ]  # the cheque is not listed
    [shown] = run.json("mandate", "show", "C001")["mandates"]
    assert (shown["status"], shown["reason"]) == ("REVOKED", "cancelled by the debtor")
    collected = run.json("collect", "--as-of", "2010-07-02")
    assert {(s["customer"], s["reason"]) for s in collected["skipped"]} == {
        ("C001", "mandate revoked")
    }
    again = run("mandate", "revoke", "C001", "--as-of", "2010-07-03", expect=1)
    assert "mandate CLUB-C001-2010 is already revoked" in " ".join(again.stderr.split())
    nothing = run("mandate", "revoke", "C012", expect=1)
    assert "customer C012: mandate: has no mandate to revoke" in " ".join(nothing.stderr.split())
    run("mandate", "revoke", "C999", expect=1)
    assert run.json("mandate", "show", "C001")["mandates"] == [shown]


def test_show_tells_signed_amended_collected_and_returned(run):
    [line] = [
        int(x)
        for x in run("instalment", "C003", "--amount", "30.00", "--due", "2010-07-05",
                     "--as-of", "2010-07-01").stdout.split()[2:3]
    ]  # fmt: skip
    run("collect", "--as-of", "2010-07-01")
    run("unpay", line, "--reason", "AM04", "--no-fee", "--as-of", "2010-07-08")
    run("mandate", "update", "C003", "--iban", "FR7610278000010009876543251", "--as-of",
        "2010-07-09")  # fmt: skip
    [mandate] = run.json("mandate", "show", "C003")["mandates"]
    events = [(e["date"], e["event"]) for e in mandate["history"]]
    assert events[0] == ("2010-06-20", "signed")
    assert ("2010-07-05", "collected") in events
    assert [e for e in events if e[1] == "returned"]
    assert events[-1] == ("2010-07-09", "amended")
    assert (
        "IBAN ***********************0178 → ***********************3251"
        in (mandate["history"][-1]["detail"])
    )
    assert "CLUB-C003-2010" in run("mandate", "show", "C003").stdout
    run("mandate", "show", "C999", expect=1)


def test_report_mandates_lists_what_expires_within_the_days(run):
    found = run.json("report", "mandates", "--expiring-within", "30", "--as-of", "2013-05-20")
    assert [(m["customer"], m["expires_on"]) for m in found["mandates"]] == [
        ("C001", "2013-06-15"),
        ("C002", "2013-06-16"),
        ("C006", "2013-06-18"),
        ("C007", "2013-06-19"),
    ]
    assert found["mandates"][0]["last_collected_on"] is None
    later = run.json("report", "mandates", "--expiring-within", "0", "--as-of", "2013-06-20")
    assert len(later["mandates"]) == 5  # expired already count: C008 expires 2013-06-22
    table = run("report", "mandates", "--expiring-within", "30", "--as-of", "2013-05-20").stdout
    assert "CLUB-C007-2010" in table and "CLUB-C008-2010" not in table
    run("report", "mandates", "--expiring-within", "-1", expect=2)
    run("report", "mandates", expect=2)
