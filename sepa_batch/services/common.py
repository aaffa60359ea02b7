"""Helpers shared by the service functions: look-ups that name what was not found."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from sepa_batch.db.queries import current_mandate_id
from sepa_batch.db.schema import Article, Customer, LedgerLine, Mandate
from sepa_batch.domain.model import ArticleKind, LineKind
from sepa_batch.errors import InvalidInput, NotFound


def customer_by_code(session: Session, code: str) -> Customer:
    customer = session.execute(select(Customer).where(Customer.code == code)).scalar_one_or_none()
    if customer is None:
        raise NotFound(f"customer {code}: not found")
    return customer


def article_by_code(session: Session, code: str, *, kind: ArticleKind | None = None) -> Article:
    article = session.execute(select(Article).where(Article.code == code)).scalar_one_or_none()
    if article is None:
        raise NotFound(f"article {code}: not found")
    if kind is not None and article.kind != kind:
        raise InvalidInput(f"article {code}", "kind", f"is {article.kind}, expected {kind}")
    return article


def payment_line(session: Session, line_id: int, *, for_update: bool = True) -> LedgerLine:
    query = select(LedgerLine).where(LedgerLine.id == line_id)
    if for_update:
        query = query.with_for_update()
    line = session.execute(query).scalar_one_or_none()
    if line is None:
        raise NotFound(f"line {line_id}: not found")
    if line.kind != LineKind.PAYMENT:
        raise InvalidInput(f"line {line_id}", "kind", "is a sale line, not a payment line")
    return line


def current_mandate(session: Session, customer_id: int) -> Mandate | None:
    """The customer's current mandate (:func:`sepa_batch.db.queries.current_mandate_id`)."""
    return session.execute(
        select(Mandate).where(Mandate.id == current_mandate_id(customer_id))
    ).scalar_one_or_none()
