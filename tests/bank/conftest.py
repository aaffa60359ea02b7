"""Fixtures for the simulated-bank tests: every kind of pain.008 the simulator must read."""

from __future__ import annotations

import pytest
from bank.bank_sim_inputs import build_pain008, sample_pain008


@pytest.fixture(scope="session")
def sepaxml_02() -> bytes:
    return build_pain008("pain.008.001.02")


@pytest.fixture(scope="session")
def sepaxml_08() -> bytes:
    return build_pain008("pain.008.001.08")


@pytest.fixture(params=["sepaxml .02", "sepaxml .08", "ABN sample .02", "php sample .08"])
def pain008(request, sepaxml_02, sepaxml_08) -> bytes:
    """Every kind of input the simulator must read."""
    return {
        "sepaxml .02": lambda: sepaxml_02,
        "sepaxml .08": lambda: sepaxml_08,
        "ABN sample .02": lambda: sample_pain008("abn__pain.008.001.02"),
        "php sample .08": lambda: sample_pain008(
            "php-sepa-xml__tests__fixtures__xml__pain.008.001.08"
        ),
    }[request.param]()
