"""``services.review_candidates``: the collected or paid instalments a return item may be
applied to, narrowed by customer, amount and due date."""

from __future__ import annotations

from datetime import date

import pytest
from web.web_support import seed_club

from sepa_batch.services.review_candidates import candidate_lines


@pytest.fixture
def club(db, config):
    return seed_club(db, config)


@pytest.mark.parametrize(
    ("criteria", "found"),
    [
        ({}, [0]),  # the paid July instalment; August and September are open
        ({"customer": "C001"}, [0]),
        ({"customer": "C002"}, []),
        ({"cents": 5000}, [0]),
        ({"cents": 4999}, []),
        ({"when": date(2010, 7, 5)}, [0]),
        ({"when": date(2010, 8, 5)}, []),
        ({"customer": "C001", "cents": 5000, "when": date(2010, 7, 5)}, [0]),
    ],
)
def test_candidates(db, club, criteria, found):
    candidates = candidate_lines(db, **criteria)
    assert [c.line.id for c in candidates] == [club[n] for n in found]
    assert all((c.customer, c.line.status) == ("C001", "PAID") for c in candidates)
