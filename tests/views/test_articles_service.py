"""``services.articles``: an article checked field by field (no database), saved, listed."""

from __future__ import annotations

import pytest

from sepa_batch.errors import InvalidInput
from sepa_batch.money import MAX_AMOUNT_CENTS
from sepa_batch.services import articles

GOOD = {"code": "FEE_12", "label": "Frais majorés", "price_cents": 1250, "kind": "REJECTION_FEE"}


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"kind": "GIFT"}, "kind", "'GIFT' is not one of"),
        ({"price_cents": -1}, "price", "must not be negative"),
        ({"price_cents": MAX_AMOUNT_CENTS + 1}, "price", "is more than the maximum"),
        ({"code": ""}, "code", "missing"),
        ({"label": ""}, "label", "missing"),
        ({"code": "X" * 200}, "code", ""),
        ({"label": "L" * 500}, "label", ""),
    ],
)
def test_a_bad_field_is_named(changes, field, reason):
    with pytest.raises(InvalidInput) as refused:
        articles.checked_article("article form", **{**GOOD, **changes})
    assert refused.value.record == "article form" and refused.value.field == field
    assert reason in refused.value.reason


@pytest.mark.parametrize(
    ("kind", "price_cents", "stored"),
    [
        ("REJECTION_FEE", 1250, "REJECTION_FEE"),
        ("other", 0, "OTHER"),
        ("Subscription", 5, "SUBSCRIPTION"),
    ],
)
def test_a_good_article_is_its_fields_as_stored(kind, price_cents, stored):
    fields = articles.checked_article("r", "C", "L", price_cents, kind)
    assert fields == {"code": "C", "label": "L", "price_cents": price_cents, "kind": stored}


def test_saved_then_changed_by_its_code_and_listed(db):
    assert articles.catalogue(db) == [] and articles.fee_articles(db) == []
    articles.save_article(db, " FEE_12 ", " Frais ", 1250, "REJECTION_FEE", record="form")
    articles.save_article(db, "AAA", "Licence", 4250, "OTHER", record="form")
    saved = articles.save_article(db, "FEE_12", "Frais majorés", 1300, "rejection_fee", record="f")
    assert saved["price_cents"] == 1300
    assert [(a.code, a.label, a.price_cents) for a in articles.catalogue(db)] == [
        ("AAA", "Licence", 4250),
        ("FEE_12", "Frais majorés", 1300),
    ]
    assert [a.code for a in articles.fee_articles(db)] == ["FEE_12"]


def test_a_refused_article_writes_nothing(db):
    with pytest.raises(InvalidInput):
        articles.save_article(db, "NEW", "", 100, "OTHER", record="form")
    assert articles.catalogue(db) == []
