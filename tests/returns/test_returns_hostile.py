"""Hostile and broken inputs are refused with a clear RefusedFile, and nothing is returned."""

from __future__ import annotations

from pathlib import Path

import pytest

from sepa_batch.errors import RefusedFile, SepaBatchError
from sepa_batch.returns import parse_bytes, parse_file

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "returns"
CAMT054 = FIXTURES / "camt054_001_02_batched_returns.xml"

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02">
 <BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>&lol4;</MsgId></GrpHdr></BkToCstmrDbtCdtNtfctn>
</Document>"""

MINIMAL_PAIN002 = (
    b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"><CstmrPmtStsRpt>'
    b"<GrpHdr><MsgId>M-1</MsgId></GrpHdr></CstmrPmtStsRpt></Document>"
)


def _xxe(target: Path) -> bytes:
    return (
        b'<?xml version="1.0"?>\n'
        b'<!DOCTYPE Document [<!ENTITY xxe SYSTEM "' + target.as_uri().encode() + b'">]>\n'
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"><CstmrPmtStsRpt>'
        b"<GrpHdr><MsgId>&xxe;</MsgId></GrpHdr></CstmrPmtStsRpt></Document>"
    )


def _refusal(data: bytes, **kwargs) -> str:
    with pytest.raises(RefusedFile) as refused:
        parse_bytes(data, source="bank.xml", **kwargs)
    message = str(refused.value)
    assert message.startswith("bank.xml: "), message  # every message names the file
    return message


def test_billion_laughs_is_refused() -> None:
    message = _refusal(BILLION_LAUGHS)
    assert "DOCTYPE" in message
    assert "lollol" not in message


def test_external_entity_to_a_local_file_is_refused_and_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-4F7Q9")
    with pytest.raises(RefusedFile) as refused:
        parse_bytes(_xxe(secret), source="bank.xml")
    assert "DOCTYPE" in str(refused.value)
    shown = f"{refused.value} {refused.value!r} {refused.value.__cause__!r} {refused.value.args}"
    assert "TOP-SECRET" not in shown


def test_external_entity_to_etc_passwd_is_refused() -> None:
    message = _refusal(_xxe(Path("/etc/passwd")))
    assert "root:" not in message


def test_doctype_in_utf16_is_refused_too() -> None:
    """The byte scan cannot see an UTF-16 DOCTYPE; the check after parsing does."""
    document = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE Document><Document/>'
    assert "DOCTYPE" in _refusal(document.encode("utf-16"))


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"", "empty"),  # an empty file
        (b"  \n\t ", "empty"),  # only white space
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not an XML document"),  # a PNG image
        (b"end_to_end_id;amount\nE2E-1;49.90\n", "not an XML document"),  # CSV text
        (MINIMAL_PAIN002[:-30], "truncated or malformed"),  # cut in the middle
        (b"<Document><CstmrPmtStsRpt></Document>", "truncated or malformed"),  # bad nesting
    ],
    ids=["empty", "blank", "png", "csv", "truncated", "mismatched-tags"],
)
def test_unreadable_files_are_refused(data: bytes, why: str) -> None:
    assert why in _refusal(data)


def test_truncated_real_file_is_refused() -> None:
    data = CAMT054.read_bytes()
    assert "truncated or malformed" in _refusal(data[: len(data) // 2])


@pytest.mark.parametrize(
    ("data", "root"),
    [
        (b'<odoo noupdate="1"><record id="x"/></odoo>', "<odoo>"),
        (
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.008.001.08">'
            b"<CstmrDrctDbtInitn/></Document>",
            "<Document/CstmrDrctDbtInitn>",
        ),
        (b"<Document/>", "<Document>"),
    ],
    ids=["odoo-data", "pain008", "empty-document"],
)
def test_wrong_root_element_is_refused_naming_what_was_found(data: bytes, root: str) -> None:
    message = _refusal(data)
    assert root in message
    assert "BkToCstmrDbtCdtNtfctn (camt.054)" in message  # and what was expected


def test_file_over_the_size_limit_is_refused_before_parsing() -> None:
    message = _refusal(MINIMAL_PAIN002, max_bytes=100)
    assert f"{len(MINIMAL_PAIN002)} bytes" in message
    assert "100 allowed" in message


def test_parse_file_checks_the_size_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.xml"
    path.write_bytes(MINIMAL_PAIN002 + b" " * 1000)
    with pytest.raises(RefusedFile, match="more than the 500 allowed"):
        parse_file(path, max_bytes=500)
    assert parse_file(path, max_bytes=5000).message_id == "M-1"


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        ("53.005", "more than 2 decimals"),
        ("1,50", "not an amount"),
        ("-53.00", "not an amount"),
        ("NaN", "not an amount"),
    ],
)
def test_bad_amount_refuses_the_whole_file(bad: str, why: str) -> None:
    data = CAMT054.read_bytes().replace(b">50.00<", f">{bad}<".encode())  # the InstdAmt
    assert f">{bad}<".encode() in data
    message = _refusal(data)
    assert why in message
    assert repr(bad) in message  # names the value


def test_amount_with_three_decimals_in_pain002_is_refused() -> None:
    data = (FIXTURES / "pain002_001_10_transaction_rejects.xml").read_bytes()
    data = data.replace(b">49.90<", b">49.900<")
    assert "more than 2 decimals" in _refusal(data)


def test_bad_booking_date_is_refused() -> None:
    data = CAMT054.read_bytes().replace(b"<Dt>2026-12-15</Dt>", b"<Dt>2026-13-45</Dt>", 1)
    assert "'2026-13-45' is not a date" in _refusal(data)


def test_refused_file_is_a_product_error() -> None:
    """The CLI turns every SepaBatchError into a message and exit status 1."""
    assert issubclass(RefusedFile, SepaBatchError)
