"""The web back office (WEB.md screens 1–7): FastAPI routes over the service functions.

Every route checks the session's user and role on the server; every POST checks the session's
CSRF token (form field ``csrf_token`` or header ``X-CSRF-Token``, which htmx sends). Pages are
plain forms and links; htmx only swaps parts of them (the Financier, the dialogs). A dialog with
errors is re-rendered with status 200 (htmx 2 does not swap 4xx responses) and nothing changed.
"""

from __future__ import annotations

import csv
import hmac
import io
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from urllib.parse import quote

from fastapi import Depends, FastAPI, Form, Header, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import select
from starlette.datastructures import FormData
from starlette.middleware.sessions import SessionMiddleware

from sepa_batch import unpaid as unpaid_service
from sepa_batch.config import Config
from sepa_batch.db.schema import Article, LedgerLine
from sepa_batch.db.session import Database
from sepa_batch.domain import transitions
from sepa_batch.domain.model import ArticleKind, LineKind, Mode, Status
from sepa_batch.domain.unpaid import SplitPart, default_label
from sepa_batch.errors import InvalidInputs, NotFound, SepaBatchError
from sepa_batch.services import customers as customer_service
from sepa_batch.services import ledger as ledger_service
from sepa_batch.services import master_data
from sepa_batch.services import payment as payment_service
from sepa_batch.services import users as user_service
from sepa_batch.web import month
from sepa_batch.web.text import FormError, Text, parse_day, parse_money

PACKAGE = resources.files("sepa_batch") / "web"
#: Rows of "plusieurs échéances" in the Impayer dialog.
SPLIT_ROWS = 4
WRITERS = ("admin", "backoffice")
READERS = ("admin", "backoffice", "accountant")
SECRET_FILE = "web-session.key"


def session_secret(folder: Path) -> str:
    """The cookie-signing secret, created once in the data folder, readable by its owner only."""
    path = folder / SECRET_FILE
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()


class LoginRequired(Exception):
    pass


class Forbidden(Exception):
    pass


class DoorRefused(Exception):
    pass


class DoorBadDay(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Principal:
    id: int
    name: str
    role: str
    language: str

    @property
    def writes(self) -> bool:
        return self.role in WRITERS


def mask(iban: str) -> str:
    return master_data.mask_iban(iban)


def create_app(
    config: Config,
    db: Database | None = None,
    *,
    as_of: date | None = None,
    clock: Callable[[], datetime] = datetime.now,
) -> FastAPI:
    """The back office on ``config``'s database; ``as_of`` pins "today" (shown in a banner)."""
    db = db or Database(config.database_url)
    templates = Jinja2Templates(directory=str(PACKAGE / "templates"))
    app = FastAPI(title="sepa-batch back office", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret(config.folders.data),
        session_cookie="sepa_batch_session",
        same_site="strict",
        https_only=False,
        max_age=12 * 3600,
    )
    app.mount("/static", StaticFiles(directory=str(PACKAGE / "static")), name="static")
    app.state.db = db
    app.state.config = config

    def today() -> date:
        return as_of or clock().date()

    # --- who is asking --------------------------------------------------------------------
    def principal(request: Request) -> Principal:
        user_id = request.session.get("uid")
        user = user_service.get_user(db, user_id) if isinstance(user_id, int) else None
        if user is None or not user.active or user.role not in user_service.WEB_ROLES:
            request.session.clear()
            raise LoginRequired()
        return Principal(user.id, user.name, user.role, user.language or config.web_language)

    def reader(user: Principal = Depends(principal)) -> Principal:
        return user

    def writer(user: Principal = Depends(principal)) -> Principal:
        if user.role not in WRITERS:
            raise Forbidden()
        return user

    def admin(user: Principal = Depends(principal)) -> Principal:
        if user.role != "admin":
            raise Forbidden()
        return user

    def csrf(
        request: Request,
        csrf_token: str = Form(""),
        x_csrf_token: str = Header(""),
    ) -> None:
        expected = request.session.get("csrf", "")
        given = csrf_token or x_csrf_token
        if not expected or not given or not hmac.compare_digest(expected, given):
            raise Forbidden()

    def csrf_token(request: Request) -> str:
        token = request.session.get("csrf")
        if not token:
            token = request.session["csrf"] = secrets.token_urlsafe(32)
        return token

    def render(
        request: Request,
        template: str,
        user: Principal | None,
        status_code: int = 200,
        headers: dict | None = None,
        **context,
    ) -> HTMLResponse:
        language = user.language if user else request.session.get("lang", config.web_language)
        text = Text(language)
        context.update(
            t=text,
            user=user,
            csrf=csrf_token(request),
            pinned=as_of,
            today=today(),
            partial=request.headers.get("HX-Request") == "true",
            mask=mask,
        )
        return templates.TemplateResponse(
            request, template, context, status_code=status_code, headers=headers
        )

    @app.exception_handler(LoginRequired)
    def _login_required(request: Request, _exc) -> Response:
        if request.headers.get("HX-Request") == "true":
            return Response(status_code=401, headers={"HX-Redirect": "/login"})
        if request.method == "GET":
            return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
        return Response("Log in first.", status_code=401)

    @app.exception_handler(Forbidden)
    def _forbidden(request: Request, _exc) -> Response:
        uid = request.session.get("uid")
        user = user_service.get_user(db, uid) if isinstance(uid, int) else None
        text = Text((user.language if user else None) or config.web_language)
        return HTMLResponse(f"<p>{text('forbidden')}</p>", status_code=403)

    @app.exception_handler(NotFound)
    def _not_found(request: Request, exc) -> Response:
        return HTMLResponse(f"<p>{exc}</p>", status_code=404)

    # --- 1. Identification ------------------------------------------------------------------
    @app.get("/", include_in_schema=False)
    def home() -> Response:
        return RedirectResponse("/customers", status_code=303)

    @app.get("/login", response_class=HTMLResponse)
    def login_page(request: Request, next: str = "/customers", lang: str = "") -> Response:
        if lang in user_service.LANGUAGES:
            request.session["lang"] = lang
        return render(request, "login.html", None, next=_safe_next(next), error=None, name="")

    @app.post("/login", response_class=HTMLResponse, dependencies=[Depends(csrf)])
    def login(
        request: Request,
        name: str = Form(""),
        code: str = Form(""),
        next: str = Form("/customers"),
    ) -> Response:
        address = request.client.host if request.client else "?"
        try:
            user = user_service.authenticate(db, name.strip(), code, address, clock())
        except user_service.Throttled:
            return render(
                request, "login.html", None, 429, next=_safe_next(next), error="throttled",
                name=name,
            )  # fmt: skip
        except PermissionError:
            return render(
                request, "login.html", None, 401, next=_safe_next(next), error="wrong_code",
                name=name,
            )  # fmt: skip
        request.session.clear()
        request.session.update(uid=user.id, csrf=secrets.token_urlsafe(32))
        return RedirectResponse(_safe_next(next), status_code=303)

    @app.post("/logout", dependencies=[Depends(csrf)])
    def logout(request: Request) -> Response:
        request.session.clear()
        return RedirectResponse("/login", status_code=303)

    # --- 2. Clients -------------------------------------------------------------------------
    @app.get("/customers", response_class=HTMLResponse)
    def customers(request: Request, q: str = "", user: Principal = Depends(reader)) -> Response:
        found = customer_service.search_customers(db, q, today())
        name = "_results.html" if request.headers.get("HX-Target") == "results" else None
        return render(request, name or "customers.html", user, q=q, found=found)

    # --- 3. Fiche client, and the mandate screen ------------------------------------------
    @app.get("/customers/{code}", response_class=HTMLResponse)
    def card(request: Request, code: str, user: Principal = Depends(reader)) -> Response:
        view = customer_service.customer_card(db, code)
        position = _position(view.id)
        return render(request, "card.html", user, card=view, position=position)

    @app.get("/customers/{code}/mandate", response_class=HTMLResponse)
    def mandate(request: Request, code: str, user: Principal = Depends(reader)) -> Response:
        view = customer_service.customer_card(db, code)
        return render(request, "mandate.html", user, card=view, full_iban=user.writes)

    # --- 4. Financier -----------------------------------------------------------------------
    def _position(customer_id: int, rows: list[LedgerLine] | None = None) -> dict:
        day = today()
        if rows is None:
            with db.reader() as session:
                rows = ledger_service.customer_lines(session, customer_id)
        position = ledger_service.lines_position(rows, day)
        overdue = ledger_service.overdue_among(rows, day)
        return {
            "balance": position.balance_cents,
            "blocked": position.blocked,
            "count": len(overdue),
            "overdue": sum(line.amount_cents for line in overdue),
            "since": overdue[0].due_date if overdue else None,
        }

    def financier_context(code: str, selected: int | None, text: Text) -> dict:
        view = customer_service.customer_card(db, code)
        with db.reader() as session:
            lines = ledger_service.customer_lines(session, view.id)
        chosen = next((line for line in lines if line.id == selected), None)
        return {
            "card": view,
            "rows": ledger_rows(lines, chosen, text, today(), f"/customers/{quote(code)}"),
            "selected": chosen,
            "can_unpay": chosen is not None and may_unpay(chosen),
            "can_pay": chosen is not None and may_pay(chosen),
            "position": _position(view.id, lines),
        }

    @app.get("/customers/{code}/ledger", response_class=HTMLResponse)
    def financier(
        request: Request, code: str, line: int | None = None, user: Principal = Depends(reader)
    ) -> Response:
        context = financier_context(code, line, Text(user.language))
        name = "_financier.html" if request.headers.get("HX-Target") == "financier" else None
        return render(request, name or "financier.html", user, **context)

    def owned_line(code: str, line_id: int) -> tuple[customer_service.Card, LedgerLine]:
        view = customer_service.customer_card(db, code)
        with db.reader() as session:
            line = session.get(LedgerLine, line_id)
        if line is None or line.customer_id != view.id:
            raise NotFound(f"line {line_id}: not found for customer {code}")
        return view, line

    def fee_articles() -> list[Article]:
        with db.reader() as session:
            return list(
                session.execute(
                    select(Article)
                    .where(Article.kind == ArticleKind.REJECTION_FEE)
                    .order_by(Article.code)
                ).scalars()
            )

    # --- 5. Impayer ---------------------------------------------------------------------------
    def unpay_form(line: LedgerLine, text: Text) -> dict:
        articles = fee_articles()
        default = next((a for a in articles if a.code == config.fee_article), None)
        return {
            "due": today().isoformat(),
            "label": default_label(line.label, line.due_date, config.language),
            "mode": config.default_mode.value,
            "fee_article": default.code if default else "",
            "fee_amount": text.amount_input(default.price_cents) if default else "",
            "split": [{"date": "", "amount": ""} for _ in range(SPLIT_ROWS)],
        }

    def dialog(request, user, name, view, line, form, errors, status_code=200) -> Response:
        context = financier_context(view.code, line.id, Text(user.language))
        return render(
            request,
            name if request.headers.get("HX-Request") == "true" else "financier.html",
            user,
            status_code,
            dialog=name,
            line=line,
            form=form,
            errors=errors,
            articles=fee_articles(),
            modes=[m.value for m in Mode],
            **context,
        )

    @app.get("/customers/{code}/lines/{line_id}/unpay", response_class=HTMLResponse)
    def unpay_dialog(
        request: Request, code: str, line_id: int, user: Principal = Depends(writer)
    ) -> Response:
        view, line = owned_line(code, line_id)
        errors = [] if may_unpay(line) else [Text(user.language)("cannot_unpay")]
        form = unpay_form(line, Text(user.language))
        return dialog(request, user, "unpay.html", view, line, form, errors)

    @app.post(
        "/customers/{code}/lines/{line_id}/unpay",
        response_class=HTMLResponse,
        dependencies=[Depends(csrf)],
    )
    def unpay(
        request: Request,
        code: str,
        line_id: int,
        data: FormData = Depends(form_data),
        user: Principal = Depends(writer),
    ) -> Response:
        view, line = owned_line(code, line_id)
        text = Text(user.language)
        form = {
            "due": str(data.get("due", "")),
            "label": str(data.get("label", "")),
            "mode": str(data.get("mode", "")),
            "fee_article": str(data.get("fee_article", "")),
            "fee_amount": str(data.get("fee_amount", "")),
            "split": [
                {
                    "date": str(data.get(f"split_date_{n}", "")),
                    "amount": str(data.get(f"split_amount_{n}", "")),
                }
                for n in range(1, SPLIT_ROWS + 1)
            ],
        }
        try:
            options = unpay_options(text, form)
            if not may_unpay(line):
                raise FormError(text("cannot_unpay"))
            outcome = unpaid_service.unpay(db, config, line.id, today(), options)
        except FormError as exc:
            return dialog(request, user, "unpay.html", view, line, form, [str(exc)])
        except SepaBatchError as exc:
            return dialog(request, user, "unpay.html", view, line, form, [_refusal(text, exc)])
        user_service.record(
            db,
            clock(),
            user.name,
            "unpay",
            f"customer {view.code} line {line.id}",
            f"on {today().isoformat()}: fee line {outcome.fee_line}, reversal line "
            f"{outcome.reversal_line}, re-presentation line(s) {outcome.representation_lines}",
        )
        return done(request, user, view.code)

    # --- 6. Payer -----------------------------------------------------------------------------
    @app.get("/customers/{code}/lines/{line_id}/pay", response_class=HTMLResponse)
    def pay_dialog(
        request: Request, code: str, line_id: int, user: Principal = Depends(writer)
    ) -> Response:
        view, line = owned_line(code, line_id)
        errors = [] if may_pay(line) else [Text(user.language)("cannot_pay")]
        form = {"day": today().isoformat(), "mode": line.mode or config.default_mode.value}
        return dialog(request, user, "pay.html", view, line, form, errors)

    @app.post(
        "/customers/{code}/lines/{line_id}/pay",
        response_class=HTMLResponse,
        dependencies=[Depends(csrf)],
    )
    def pay(
        request: Request,
        code: str,
        line_id: int,
        day: str = Form(""),
        mode: str = Form(""),
        user: Principal = Depends(writer),
    ) -> Response:
        view, line = owned_line(code, line_id)
        text = Text(user.language)
        form = {"day": day, "mode": mode}
        try:
            paid_on = parse_day(text, day, text("payment_date")) if day.strip() else today()
            chosen = _mode(text, mode) if mode else None
            if not may_pay(line):
                raise FormError(text("cannot_pay"))
            payment = payment_service.pay(db, line.id, paid_on, mode=chosen)
        except FormError as exc:
            return dialog(request, user, "pay.html", view, line, form, [str(exc)])
        except SepaBatchError as exc:
            return dialog(request, user, "pay.html", view, line, form, [_refusal(text, exc)])
        user_service.record(
            db,
            clock(),
            user.name,
            "pay",
            f"customer {view.code} line {line.id}",
            f"paid on {payment.paid_on.isoformat()} by {payment.mode}",
        )
        return done(request, user, view.code)

    def done(request: Request, user: Principal, code: str) -> Response:
        """After Ok: the Financier again (htmx: swapped in, the dialog removed)."""
        if request.headers.get("HX-Request") != "true":
            return RedirectResponse(f"/customers/{quote(code)}/ledger", status_code=303)
        return render(
            request,
            "_financier.html",
            user,
            headers={"HX-Retarget": "#financier", "HX-Reswap": "outerHTML"},
            close_dialog=True,
            **financier_context(code, None, Text(user.language)),
        )

    # --- 7. Articles / Frais de rejet -----------------------------------------------------
    def articles_page(request, user, form, errors, saved=False, status_code=200) -> Response:
        with db.reader() as session:
            catalogue = list(session.execute(select(Article).order_by(Article.code)).scalars())
        return render(
            request,
            "articles.html",
            user,
            status_code,
            catalogue=catalogue,
            kinds=[k.value for k in ArticleKind],
            form=form,
            errors=errors,
            saved=saved,
        )

    @app.get("/articles", response_class=HTMLResponse)
    def articles(request: Request, user: Principal = Depends(reader)) -> Response:
        form = {"code": "", "label": "", "price": "", "kind": ArticleKind.REJECTION_FEE.value}
        return articles_page(request, user, form, [])

    @app.post("/articles", response_class=HTMLResponse, dependencies=[Depends(csrf)])
    def save_article(
        request: Request,
        code: str = Form(""),
        label: str = Form(""),
        price: str = Form(""),
        kind: str = Form(""),
        user: Principal = Depends(admin),
    ) -> Response:
        text = Text(user.language)
        form = {"code": code, "label": label, "price": price, "kind": kind}
        try:
            cents = parse_money(text, price, text("price"))
            buffer = io.StringIO()
            writer_ = csv.writer(buffer, lineterminator="\n")
            writer_.writerow(master_data.ARTICLE_COLUMNS)
            writer_.writerow([code.strip(), label.strip(), _plain(cents), kind])
            master_data.import_articles(db, buffer.getvalue(), source="article form")
        except FormError as exc:
            return articles_page(request, user, form, [str(exc)])
        except InvalidInputs as exc:
            return articles_page(request, user, form, [str(p) for p in exc.problems])
        except SepaBatchError as exc:
            return articles_page(request, user, form, [_refusal(text, exc)])
        user_service.record(
            db, clock(), user.name, "article", f"article {code.strip()}",
            f"{label.strip()}, {_plain(cents)}, {kind}",
        )  # fmt: skip
        return articles_page(request, user, form, [], saved=True)

    # --- 11 (part): the door's JSON API, with a bearer token -----------------------------
    def door(authorization: str = Header("")) -> user_service.UserInfo:
        scheme, _, token = authorization.partition(" ")
        user = None
        if scheme.lower() == "bearer" and token.strip():
            user = user_service.user_for_token(db, token.strip())
        if user is None or user.role != "door":
            raise DoorRefused()
        return user

    @app.exception_handler(DoorRefused)
    def _door_refused(_request: Request, _exc) -> Response:
        return JSONResponse(
            {"error": "a valid bearer token of a door user is required"},
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )

    def door_day(as_of: str) -> date:
        """``?as_of=YYYY-MM-DD`` as on the CLI's ``--as-of``; today without it."""
        try:
            return date.fromisoformat(as_of) if as_of else today()
        except ValueError:
            raise DoorBadDay(as_of) from None

    @app.exception_handler(DoorBadDay)
    def _door_bad_day(_request: Request, exc) -> Response:
        return JSONResponse(
            {"error": f"as_of: {exc.args[0]!r} is not a date (YYYY-MM-DD)"}, status_code=400
        )

    @app.get("/api/access/{code}")
    def api_access(code: str, as_of: str = "", _door=Depends(door)) -> Response:
        day = door_day(as_of)
        try:
            return JSONResponse(ledger_service.access(db, code, day).document())
        except NotFound as exc:
            return JSONResponse({"error": str(exc)}, status_code=404)

    @app.get("/api/blocked")
    def api_blocked(as_of: str = "", _door=Depends(door)) -> Response:
        day = door_day(as_of)
        rows = [row.document() for row in ledger_service.blocked_customers(db, day)]
        return JSONResponse({"as_of": day.isoformat(), "blocked": rows})

    # --- the audit trail (admin) ----------------------------------------------------------
    @app.get("/audit", response_class=HTMLResponse)
    def audit(request: Request, user: Principal = Depends(admin)) -> Response:
        return render(request, "audit.html", user, entries=user_service.audit_trail(db))

    # --- 8–12: the month (Prélèvements, Retours banque, Accès, Comptabilité) --------------
    month.register(
        app, db=db, config=config, today=today, clock=clock, render_page=render,
        reader=reader, writer=writer, csrf=csrf,
    )  # fmt: skip
    return app


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the Financier, formatted (200 lines render in a few milliseconds)."""

    id: int
    url: str
    css: str
    selected: bool
    date: str
    kind: str
    due: str
    label: str
    amount: str
    mode: str
    status: str
    payment: bool
    paid: bool
    reason: str


def ledger_rows(
    lines: list[LedgerLine], chosen: LedgerLine | None, text: Text, day: date, base: str
) -> list[Row]:
    overdue = {line.id for line in ledger_service.overdue_among(lines, day)}
    rows = []
    for line in lines:
        payment = line.kind == LineKind.PAYMENT
        selected = chosen is not None and chosen.id == line.id
        css = (
            line.kind
            + (" selected" if selected else "")
            + (" overdue" if line.id in overdue else "")
        )
        rows.append(
            Row(
                id=line.id,
                url=f"{base}/ledger?line={line.id}",
                css=css,
                selected=selected,
                date=text.day(line.date),
                kind=text(line.kind),
                due=text.day(line.due_date),
                label=line.label,
                amount=text.money(line.amount_cents),
                mode=text(line.mode) if payment and line.mode else "",
                status=text(line.status) if payment and line.status else "",
                payment=payment,
                paid=line.status == Status.PAID,
                reason=line.reason_code or "",
            )
        )
    return rows


def may_unpay(line: LedgerLine) -> bool:
    """Impayer is offered for a positive payment line the transitions let become unpaid."""
    return _may(line, Status.UNPAID, "unpay")


def may_pay(line: LedgerLine) -> bool:
    """Payer is offered for a positive open instalment."""
    return _may(line, Status.PAID, "pay")


def _may(line: LedgerLine, target: Status, action: str) -> bool:
    if line.kind != LineKind.PAYMENT or line.amount_cents <= 0 or not line.status:
        return False
    return transitions.ALLOWED.get((Status(line.status), target)) == action


def _mode(text: Text, value: str) -> Mode:
    try:
        return Mode(value)
    except ValueError:
        raise FormError(text("refused", message=f"{text('mode')}: {value!r}")) from None


def unpay_options(text: Text, form: dict) -> unpaid_service.UnpayOptions:
    """The dialog's fields as the service's options; a ``FormError`` names a bad field."""
    due = form["due"].strip()
    label = form["label"].strip()
    if not label:
        raise FormError(text("required", field=text("represent_label")))
    parts = []
    for n, row in enumerate(form["split"], start=1):
        if not row["date"].strip() and not row["amount"].strip():
            continue
        if not row["date"].strip():
            raise FormError(text("required", field=text("instalment_date", n=n)))
        if not row["amount"].strip():
            raise FormError(text("required", field=text("instalment_amount", n=n)))
        parts.append(
            SplitPart(
                parse_day(text, row["date"], text("instalment_date", n=n)),
                parse_money(text, row["amount"], text("instalment_amount", n=n)),
            )
        )
    article = form["fee_article"].strip()
    amount = form["fee_amount"].strip()
    fee_cents = parse_money(text, amount, text("amount")) if article and amount else None
    return unpaid_service.UnpayOptions(
        due_date=parse_day(text, due, text("represent_date")) if due else None,
        label=label,
        mode=_mode(text, form["mode"]) if form["mode"] else None,
        fee_article=article or None,
        no_fee=not article,
        fee_cents=fee_cents,
        split=tuple(parts),
    )


def _refusal(text: Text, exc: SepaBatchError) -> str:
    return text("refused", message=str(exc))


def _plain(cents: int) -> str:
    whole, part = divmod(cents, 100)
    return f"{whole}.{part:02d}"


async def form_data(request: Request) -> FormData:
    return await request.form()


def _safe_next(target: str) -> str:
    """Only a path of this site (no ``//host``) is followed after log-in."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/customers"
    return target
