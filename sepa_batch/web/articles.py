"""7. Articles / Frais de rejet: the catalogue; the admin adds or changes an article."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from sepa_batch.domain.model import ArticleKind
from sepa_batch.errors import InvalidInput, SepaBatchError
from sepa_batch.money import format_amount
from sepa_batch.services import articles as article_service
from sepa_batch.services import users as user_service
from sepa_batch.web.forms import FormError, parse_money
from sepa_batch.web.guards import Principal, admin, csrf, reader
from sepa_batch.web.pages import refusal, render
from sepa_batch.web.site import Site, site_of
from sepa_batch.web.text import Text

#: How an article's refusal names the form (as the articles import named it before).
RECORD = "article form line 2"

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
        saved = article_service.save_article(site.db, code, label, cents, kind, record=RECORD)
    except (FormError, InvalidInput) as exc:
        return articles_page(request, site, user, form, [str(exc)])
    except SepaBatchError as exc:
        return articles_page(request, site, user, form, [refusal(text, exc)])
    user_service.record(
        site.db, site.clock(), user.name, "article", f"article {code.strip()}",
        f"{saved['label']}, {format_amount(saved['price_cents'])}, {kind}",
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
    return render(
        request,
        "articles.html",
        user,
        catalogue=article_service.catalogue(site.db),
        kinds=[k.value for k in ArticleKind],
        form=form,
        errors=errors,
        saved=saved,
    )
