"""Reading camt files entry by entry gives exactly what reading the whole tree gives, and
refuses the same hostile files."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import FIXTURES, SAMPLES

from sepa_batch.errors import RefusedFile
from sepa_batch.returns import parse_bytes, parse_file
from sepa_batch.returns.stream import message_of

CAMT = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"


def bank_files() -> list[Path]:
    found = sorted((FIXTURES / "returns").glob("*.xml"))
    if SAMPLES.is_dir():
        for folder in ("camt052", "camt053", "camt054", "pain002", "other"):
            found += sorted((SAMPLES / folder).glob("*.xml"))
    return found


@pytest.mark.parametrize("path", bank_files(), ids=lambda p: p.name)
def test_streamed_and_whole_tree_readings_agree(path):
    try:
        whole = parse_bytes(path.read_bytes(), source=str(path))
    except RefusedFile:
        with pytest.raises(RefusedFile):
            parse_file(path)
        return
    assert parse_file(path) == whole


def test_camt_files_take_the_streaming_path():
    path = FIXTURES / "returns" / "camt054_001_02_batched_returns.xml"
    assert message_of(path) == "BkToCstmrDbtCdtNtfctn"


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (
            f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
            f'<Document xmlns="{CAMT}"><BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>&b;</MsgId>'
            "</GrpHdr></BkToCstmrDbtCdtNtfctn></Document>",
            "DOCTYPE",
        ),
        (
            f'<?xml version="1.0"?><Document xmlns="{CAMT}"><BkToCstmrDbtCdtNtfctn><GrpHdr>'
            '<MsgId>M</MsgId></GrpHdr><Ntfctn><Ntry><Amt Ccy="EUR">1.00</Amt>',
            "truncated",
        ),
        ("", "empty"),
        ("id;amount\n1;2\n", "not an XML document"),
    ],
)
def test_hostile_camt_files_are_refused_on_the_streaming_path(tmp_path, content, words):
    path = tmp_path / "hostile.xml"
    path.write_text(content)
    with pytest.raises(RefusedFile, match=words):
        parse_file(path)


def test_a_declaration_after_the_first_megabyte_is_still_found(tmp_path):
    path = tmp_path / "late.xml"
    filler = "<!-- " + "x" * (1 << 20) + " -->"
    path.write_text(
        f'<?xml version="1.0"?>{filler}<!DOCTYPE d><Document xmlns="{CAMT}">'
        "<BkToCstmrDbtCdtNtfctn/></Document>"
    )
    with pytest.raises(RefusedFile, match="DOCTYPE"):
        parse_file(path)
