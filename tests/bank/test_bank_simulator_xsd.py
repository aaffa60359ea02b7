"""Every file the simulated bank writes is valid against its ISO 20022 XSD.

The XSDs are read from the shared samples folder beside the repository (never copied into
it); the tests skip when it is absent. The module doctests run here as well.
"""

from __future__ import annotations

import doctest

import pytest
from bank.bank_sim_inputs import SAMPLES, build_pain008
from lxml import etree

from sepa_batch.bank import _sim_model
from sepa_batch.bank.simulator import simulate

XSD_FILES = {
    "pain002": "phoughton__pyiso20022__xsd__payments_initiation__pain.002__pain.002.001.10.xsd",
    "camt054": "genkgo__camt__assets__camt.054.001.02.xsd",
    "camt053": "genkgo__camt__assets__camt.053.001.02.xsd",
}


@pytest.fixture(scope="module")
def schemas() -> dict[str, etree.XMLSchema]:
    folder = SAMPLES / "xsd"
    if not all((folder / name).is_file() for name in XSD_FILES.values()):
        pytest.skip("shared XSD folder not available")
    return {
        kind: etree.XMLSchema(etree.parse(str(folder / name))) for kind, name in XSD_FILES.items()
    }


def _assert_valid(schemas, answer) -> None:
    for kind, schema in schemas.items():
        content = getattr(answer, kind)
        if content is None:
            continue
        document = etree.fromstring(content)
        assert schema.validate(document), f"{kind}: {schema.error_log}"


@pytest.mark.parametrize(
    "options",
    [
        {},  # the defaults: a few rejects and returns
        {"reject_rate": 0.3, "return_rate": 0.4, "seed": 3},  # many of both
        {"reject_rate": 1, "return_rate": 0},  # everything refused: camt.053 without entries
        {"reject_rate": 0, "return_rate": 1, "charge_rate": 1},  # everything returned, charged
    ],
)
def test_answers_are_valid(schemas, pain008, options):
    _assert_valid(schemas, simulate(pain008, **options))


def test_answers_to_a_35_character_msg_id_are_valid(schemas):
    long_id = "M" * 35
    answer = simulate(
        build_pain008("pain.008.001.08", count=30, msg_id=long_id),
        reject_rate=0.3,
        return_rate=0.3,
    )
    _assert_valid(schemas, answer)  # every derived id still fits Max35Text
    assert answer.pain002 and answer.camt054


@pytest.mark.parametrize("module", [_sim_model])
def test_doctests(module):
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0
