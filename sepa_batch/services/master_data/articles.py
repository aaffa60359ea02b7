"""The articles a club sells (``articles import``): created or updated by code."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from sepa_batch import csvfile
from sepa_batch.db.schema import Article
from sepa_batch.db.session import Database
from sepa_batch.domain.model import ArticleKind
from sepa_batch.errors import InvalidInput, InvalidInputs
from sepa_batch.money import MAX_AMOUNT_CENTS, format_amount, parse_amount
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
        save_articles(session, articles)
    return len(articles)


def save_articles(session: Session, articles: list[dict]) -> None:
    """Create each article (checked fields, :func:`checked_article`) or change it, by code."""
    for fields in articles:
        article = session.execute(
            select(Article).where(Article.code == fields["code"])
        ).scalar_one_or_none()
        if article is None:
            session.add(Article(**fields))
        else:
            for key, value in fields.items():
                setattr(article, key, value)


def _article(row: dict[str, str], record: str) -> dict:
    """The ``Article`` fields of a row; ``InvalidInput`` for its first problem."""
    article_kind(record, row["kind"])  # named first, before the price
    price = parse_amount(row["price"], record=record, field="price", maximum=MAX_AMOUNT_CENTS)
    return checked_article(record, row["code"], row["label"], price, row["kind"])


def article_kind(record: str, kind: str) -> ArticleKind:
    try:
        return ArticleKind(kind.upper())
    except ValueError:
        choices = ", ".join(k.value for k in ArticleKind)
        raise InvalidInput(record, "kind", f"{kind!r} is not one of {choices}") from None


def checked_article(record: str, code: str, label: str, price_cents: int, kind: str) -> dict:
    """An article's fields as stored, or the first ``InvalidInput`` (named ``record``): a
    known kind, a price neither negative nor above the maximum, a code and a label that fit."""
    known = article_kind(record, kind)
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
