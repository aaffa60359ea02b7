"""Golden files: the writer's exact bytes for the fixed collection of conftest.py.

Run with ``UPDATE_GOLDEN=1`` to rewrite them after a deliberate change, then review the
diff: the golden files are the reviewed reference. Every golden file is also checked
against the official XSD, so a golden file can never lock in an invalid message.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sepa_batch.sepa.xsd import validate_bytes, validate_file

GOLDEN = Path(__file__).resolve().parent / "golden"
VERSIONS = ["pain.008.001.08", "pain.008.001.02"]


@pytest.mark.parametrize("version", VERSIONS)
def test_writer_output_matches_golden_file(collection, version):
    written = collection.write(version)
    golden = GOLDEN / f"{version}.xml"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.write_bytes(written)
    assert golden.exists(), f"{golden} missing: run the tests once with UPDATE_GOLDEN=1"
    assert written == golden.read_bytes()


@pytest.mark.parametrize("version", VERSIONS)
def test_golden_file_is_valid_against_the_xsd(version):
    validate_file(GOLDEN / f"{version}.xml", version)


@pytest.mark.parametrize("version", VERSIONS)
def test_writer_is_byte_deterministic(collection, version):
    assert collection.write(version) == collection.write(version)
    validate_bytes(collection.write(version), version)
