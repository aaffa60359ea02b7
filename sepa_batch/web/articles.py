"""7. Articles / Frais de rejet: the catalogue; the admin adds or changes an article."""

from __future__ import annotations

import csv
import io

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from sepa_batch.db.schema import Article
from sepa_batch.domain.model import ArticleKind
from sepa_batch.errors import InvalidInputs, SepaBatchError
from sepa_batch.services import master_data
from sepa_batch.services import users as user_service
from sepa_batch.web.forms import FormError, parse_money
from sepa_batch.web.guards import Principal, admin, csrf, reader
from sepa_batch.web.pages import refusal, render
from sepa_batch.web.site import Site, site_of
from sepa_batch.web.text import Text

router = APIRouter()


@router.get("/articles", response_class=HTMLResponse)
def articles(
    request: Request, site: Site = Depends(site_of), user: Principal = Depends(reader)
) -> Response:
    form = {"code": "", "label": "", "price": "", "kind": ArticleKind.REJECTION_FEE.value}
    return articles_page(request, site, user, form, [])


@router.post("/articles", response_class=HTMLResponse, dependencies=[Depends(csrf)])
def save_article(
    request: Request,
    code: str = Form(""),
    label: str = Form(""),
    price: str = Form(""),
    kind: str = Form(""),
    site: Site = Depends(site_of),
    user: Principal = Depends(admin),
) -> Response:
    text = Text(user.language)
    form = {"code": code, "label": label, "price": price, "kind": kind}
    try:
        cents = parse_money(text, price, text("price"))
        row = [code.strip(), label.strip(), plain(cents), kind]
        master_data.import_articles(site.db, article_csv(row), source="article form")
    except FormError as exc:
        return articles_page(request, site, user, form, [str(exc)])
    except InvalidInputs as exc:
        return articles_page(request, site, user, form, [str(p) for p in exc.problems])
    except SepaBatchError as exc:
        return articles_page(request, site, user, form, [refusal(text, exc)])
    user_service.record(
        site.db, site.clock(), user.name, "article", f"article {code.strip()}",
        f"{label.strip()}, {plain(cents)}, {kind}",
    )  # fmt: skip
    return articles_page(request, site, user, form, [], saved=True)


def articles_page(
    request: Request,
    site: Site,
    user: Principal,
    form: dict,
    errors: list[str],
    saved: bool = False,
) -> Response:
    with site.db.reader() as session:
        catalogue = list(session.execute(select(Article).order_by(Article.code)).scalars())
    return render(
        request,
        "articles.html",
        user,
        catalogue=catalogue,
        kinds=[k.value for k in ArticleKind],
        form=form,
        errors=errors,
        saved=saved,
    )


def article_csv(row: list[str]) -> str:
    """One article as the articles CSV the import reads (its columns, then the row)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(master_data.ARTICLE_COLUMNS)
    writer.writerow(row)
    return buffer.getvalue()


def plain(cents: int) -> str:
    """Cents as the CSV's amount.

    >>> plain(3900), plain(5)
    ('39.00', '0.05')
    """
    whole, part = divmod(cents, 100)
    return f"{whole}.{part:02d}"
