"""The articles a club sells (``articles import``): created or updated by code."""

from __future__ import annotations

from sqlalchemy import select

from sepa_batch import csvfile
from sepa_batch.db.schema import Article
from sepa_batch.db.session import Database
from sepa_batch.domain.model import ArticleKind
from sepa_batch.errors import InvalidInput, InvalidInputs
from sepa_batch.money import MAX_AMOUNT_CENTS, parse_amount
from sepa_batch.services.master_data.fields import text_field

ARTICLE_COLUMNS = ["code", "label", "price", "kind"]


def import_articles(db: Database, text: str, *, source: str = "articles.csv") -> int:
    """Create or update articles by code; all or nothing."""
    problems: list[InvalidInput] = []
    articles: list[dict] = []
    for line_no, row in csvfile.parse_csv(text, ARTICLE_COLUMNS, source):
        try:
            articles.append(_article(row, f"{source} line {line_no}"))
        except InvalidInput as exc:
            problems.append(exc)
    if problems:
        raise InvalidInputs(f"{source}: import refused", problems)
    with db.transaction() as session:
        for fields in articles:
            article = session.execute(
                select(Article).where(Article.code == fields["code"])
            ).scalar_one_or_none()
            if article is None:
                session.add(Article(**fields))
            else:
                for key, value in fields.items():
                    setattr(article, key, value)
    return len(articles)


def _article(row: dict[str, str], record: str) -> dict:
    """The ``Article`` fields of a row; ``InvalidInput`` for its first problem."""
    try:
        kind = ArticleKind(row["kind"].upper())
    except ValueError:
        kinds = ", ".join(k.value for k in ArticleKind)
        raise InvalidInput(record, "kind", f"{row['kind']!r} is not one of {kinds}") from None
    price = parse_amount(row["price"], record=record, field="price", maximum=MAX_AMOUNT_CENTS)
    if price < 0:
        raise InvalidInput(record, "price", "must not be negative")
    if not row["code"] or not row["label"]:
        raise InvalidInput(record, "code" if not row["code"] else "label", "missing")
    text_field(row["code"], Article, "code", record, "code")
    text_field(row["label"], Article, "label", record, "label")
    return {"code": row["code"], "label": row["label"], "price_cents": price, "kind": kind.value}
