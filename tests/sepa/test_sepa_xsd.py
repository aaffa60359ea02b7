"""Streaming XSD validation: verdicts, line numbers in the messages, truncated files."""

from __future__ import annotations

from pathlib import Path

import pytest

from sepa_batch.errors import SepaBatchError
from sepa_batch.sepa import xsd
from sepa_batch.sepa.xsd import schema, validate_bytes, validate_file

GOLDEN = Path(__file__).resolve().parent / "golden"
SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "samples" / "pain008"
V08, V02 = "pain.008.001.08", "pain.008.001.02"


def golden(version: str = V08) -> bytes:
    return (GOLDEN / f"{version}.xml").read_bytes()


def line_of(data: bytes, needle: bytes) -> int:
    return data[: data.index(needle)].count(b"\n") + 1


def test_schema_is_parsed_once():
    assert schema(V08) is schema(V08)
    assert schema(V08) is not schema(V02)


def test_unknown_version_is_refused():
    with pytest.raises(ValueError, match=r"pain\.008\.001\.77"):
        schema("pain.008.001.77")


@pytest.mark.parametrize(
    ("good", "bad", "at", "words"),
    [
        # a code outside its list
        (b"<ChrgBr>SLEV</ChrgBr>", b"<ChrgBr>XXXX</ChrgBr>", b"XXXX", ["ChrgBr", "SLEV"]),
        # elements in the wrong order: the error is on the element out of place
        (
            b"<MndtId>ABO-2026-0001</MndtId>\n            <DtOfSgntr>2025-09-01</DtOfSgntr>",
            b"<DtOfSgntr>2025-09-01</DtOfSgntr>\n            <MndtId>ABO-2026-0001</MndtId>",
            b"<MndtId>ABO-2026-0001",
            ["MndtId", "not expected"],
        ),
        # an empty text
        (b"<Nm>Jan de Vries</Nm>", b"<Nm></Nm>", b"<Nm></Nm>", ["Nm", "minimum length"]),
        # an IBAN that does not match the pattern
        (b"<IBAN>NL91ABNA0417164300</IBAN>", b"<IBAN>nl91 abna</IBAN>", b"nl91", ["IBAN"]),
    ],
)
def test_invalid_message_names_the_line_and_the_xsd_message(good, bad, at, words):
    data = golden().replace(good, bad, 1)
    with pytest.raises(SepaBatchError) as caught:
        validate_bytes(data, V08)
    message = str(caught.value)
    assert f"line {line_of(data, at)}:" in message
    for word in words:
        assert word in message


def test_file_validation_names_the_file(tmp_path):
    path = tmp_path / "bad.xml"
    data = golden().replace(b"<SeqTp>OOFF</SeqTp>", b"<SeqTp>ONCE</SeqTp>")
    path.write_bytes(data)
    with pytest.raises(
        SepaBatchError, match=rf"bad\.xml: .* line {line_of(data, b'ONCE')}: .*SeqTp"
    ):
        validate_file(path, V08)


def test_message_of_the_other_version_is_refused():
    with pytest.raises(SepaBatchError, match="No matching global declaration"):
        validate_bytes(golden(V08), V02)


@pytest.mark.parametrize("cut", [10, 300, 5000])
def test_truncated_message_is_refused(cut):
    with pytest.raises(SepaBatchError, match=r"truncated|Premature end"):
        validate_bytes(golden()[:-cut], V08)


def test_malformed_message_names_the_line():
    data = golden().replace(b"</Ustrd>", b"</Ustr>", 1)
    with pytest.raises(SepaBatchError, match=rf"line {line_of(data, b'</Ustr>')}: .*mismatch"):
        validate_bytes(data, V08)


def test_large_invalid_message_is_reported_without_line(monkeypatch):
    monkeypatch.setattr(xsd, "LOCATE_LIMIT_BYTES", 100)
    data = golden().replace(b"<ChrgBr>SLEV</ChrgBr>", b"<ChrgBr>XXXX</ChrgBr>", 1)
    with pytest.raises(SepaBatchError, match=r"line \?: .*ChrgBr"):
        validate_bytes(data, V08)


def test_entities_are_not_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET", encoding="utf-8")
    data = (
        golden()
        .replace(
            b"<Document",
            f'<!DOCTYPE Document [<!ENTITY leak SYSTEM "{secret.as_uri()}">]>\n<Document'.encode(),
            1,
        )
        .replace(b"<Ustrd>Cotisation decembre 2026</Ustrd>", b"<Ustrd>&leak;</Ustrd>", 1)
    )
    # resolved, the entity would make a valid Ustrd; unresolved, the Ustrd is empty
    with pytest.raises(SepaBatchError, match="Ustrd") as caught:
        validate_bytes(data, V08)
    assert "TOP-SECRET" not in str(caught.value)


@pytest.mark.parametrize(
    "name",
    sorted(p.name for p in SAMPLES.glob("*.xml")) if SAMPLES.is_dir() else ["(no samples)"],
)
def test_published_bank_samples_are_valid(name):
    if not SAMPLES.is_dir():
        pytest.skip("../shared/samples is not beside the repository")
    version = V08 if name.endswith(".08.xml") else V02
    validate_file(SAMPLES / name, version)


def write_checked(path: Path, data: bytes, piece: int = 97) -> None:
    """Write ``data`` through a ValidatingWriter in small pieces, as the writer does."""
    with path.open("wb") as out:
        checked = xsd.ValidatingWriter(out, path, V08)
        for start in range(0, len(data), piece):
            checked.write(data[start : start + piece])
    checked.finish()


def test_a_message_validated_as_it_is_written_is_written_whole(tmp_path):
    path = tmp_path / "ok.xml"
    write_checked(path, golden())
    assert path.read_bytes() == golden()


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda data: data.replace(b"<ChrgBr>SLEV", b"<ChrgBr>XXXX", 1), ["ChrgBr", "line"]),
        (lambda data: data[: data.rindex(b"</DrctDbtTxInf>") + 15], ["truncated"]),
        (lambda data: data.replace(b"</Document>", b""), ["truncated"]),
        (lambda data: data.replace(b"</GrpHdr>", b"</GrpHdrX>", 1), ["line"]),
    ],
)
def test_a_message_validated_as_it_is_written_is_refused_when_invalid(tmp_path, change, words):
    path = tmp_path / "bad.xml"
    with pytest.raises(SepaBatchError, match=r"not a valid pain\.008\.001\.08 message") as caught:
        write_checked(path, change(golden()))
    for word in words:
        assert word in str(caught.value)
