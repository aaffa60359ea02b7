"""Fixtures of the SEPA writer tests; the data lives in pain008_cases.py."""

from __future__ import annotations

import pytest
from sepa.pain008_cases import Collection, make_collection


@pytest.fixture
def collection() -> Collection:
    return make_collection()
