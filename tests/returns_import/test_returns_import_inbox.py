"""The inbox: applied files to the archive, refused ones to failed/ with the reason beside."""

from __future__ import annotations

import json

from support import FIXTURES


def test_hostile_and_good_files_from_the_inbox(run, tmp_path):
    inbox = tmp_path / "var" / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / "a-laughs.xml").write_text(
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><Document>&lol2;</Document>'
    )
    (inbox / "b-truncated.xml").write_text(
        '<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02">'
        "<BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>X</MsgId>"
    )
    (inbox / "c-notes.txt").write_text("not a bank file at all")
    good = (FIXTURES / "returns" / "pain002_001_10_transaction_rejects.xml").read_bytes()
    (inbox / "d-status.xml").write_bytes(good)
    # three files refused, one applied: all reported, and the exit status says so
    result = run("returns", "import", "--inbox", "--as-of", "2010-07-10", "--json", expect=1)
    files = json.loads(result.stdout)["files"]
    by_name = {f["file"].rsplit("/", 1)[-1]: f for f in files}
    for name in ("a-laughs.xml", "b-truncated.xml", "c-notes.txt"):
        assert by_name[name]["error"], name
        moved = tmp_path / "var" / "inbox" / "failed" / name
        assert moved.exists()
        reason = (moved.parent / f"{name}.error.txt").read_text()
        assert name in reason
    assert "error" not in by_name["d-status.xml"]
    assert (tmp_path / "var" / "archive" / "d-status.xml").exists()
    assert sorted(p.name for p in inbox.iterdir() if p.is_file()) == []
    # the whole fixture matches nothing of ours: kept for review, nothing applied
    assert by_name["d-status.xml"]["applied"] == 0
    assert by_name["d-status.xml"]["unmatched"] > 0
