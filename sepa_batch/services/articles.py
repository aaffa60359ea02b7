"""The article catalogue: every article, the rejection fees, and one article saved."""

from __future__ import annotations

from sqlalchemy import select

from sepa_batch.db.schema import Article
from sepa_batch.db.session import Database
from sepa_batch.domain.model import ArticleKind
from sepa_batch.errors import InvalidInput
from sepa_batch.money import MAX_AMOUNT_CENTS, format_amount
from sepa_batch.services.master_data import text_field


def catalogue(db: Database) -> list[Article]:
    """Every article, by code."""
    with db.reader() as session:
        return list(session.execute(select(Article).order_by(Article.code)).scalars())


def fee_articles(db: Database) -> list[Article]:
    """The rejection-fee articles, by code."""
    with db.reader() as session:
        return list(
            session.execute(
                select(Article)
                .where(Article.kind == ArticleKind.REJECTION_FEE)
                .order_by(Article.code)
            ).scalars()
        )


def checked_article(record: str, code: str, label: str, price_cents: int, kind: str) -> dict:
    """An article's fields as stored, or the first ``InvalidInput`` (named ``record``): a
    known kind, a price neither negative nor above the maximum, a code and a label that fit."""
    try:
        known = ArticleKind(kind.upper())
    except ValueError:
        choices = ", ".join(k.value for k in ArticleKind)
        raise InvalidInput(record, "kind", f"{kind!r} is not one of {choices}") from None
    if abs(price_cents) > MAX_AMOUNT_CENTS:
        raise InvalidInput(
            record,
            "price",
            f"{format_amount(price_cents)} is more than the maximum "
            f"{format_amount(MAX_AMOUNT_CENTS)}",
        )
    if price_cents < 0:
        raise InvalidInput(record, "price", "must not be negative")
    if not code or not label:
        raise InvalidInput(record, "code" if not code else "label", "missing")
    text_field(code, Article, "code", record, "code")
    text_field(label, Article, "label", record, "label")
    return {"code": code, "label": label, "price_cents": price_cents, "kind": known.value}


def save_article(
    db: Database, code: str, label: str, price_cents: int, kind: str, *, record: str
) -> dict:
    """Create article ``code`` or change it; its fields as saved. An ``InvalidInput`` names
    ``record`` and the field, and nothing is written."""
    fields = checked_article(record, code.strip(), label.strip(), price_cents, kind)
    with db.transaction() as session:
        found = session.execute(
            select(Article).where(Article.code == fields["code"])
        ).scalar_one_or_none()
        if found is None:
            session.add(Article(**fields))
        else:
            for key, value in fields.items():
                setattr(found, key, value)
    return fields
