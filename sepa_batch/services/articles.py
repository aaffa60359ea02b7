"""The article catalogue: every article, the rejection fees, and one article saved."""

from __future__ import annotations

from sqlalchemy import select

from sepa_batch.db.schema import Article
from sepa_batch.db.session import Database
from sepa_batch.domain.model import ArticleKind
from sepa_batch.services.master_data.articles import checked_article, save_articles


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


def save_article(
    db: Database, code: str, label: str, price_cents: int, kind: str, *, record: str
) -> dict:
    """Create article ``code`` or change it; its fields as saved. An ``InvalidInput`` names
    ``record`` and the field, and nothing is written."""
    fields = checked_article(record, code.strip(), label.strip(), price_cents, kind)
    with db.transaction() as session:
        save_articles(session, [fields])
    return fields
