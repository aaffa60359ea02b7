"""Every route of the back office through FastAPI's TestClient, with its refusals."""

from __future__ import annotations

import re
import stat
from datetime import date, datetime, timedelta

import pytest
from conftest import write_config
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from web.web_support import CODES

from sepa_batch import config as config_module
from sepa_batch.db.schema import AuditEntry, LedgerLine
from sepa_batch.services import users as user_service
from sepa_batch.web.app import SECRET_FILE, create_app

C001_IBAN = "FR1420041010050500013M02606"
HX = {"HX-Request": "true"}


def lines(db) -> int:
    with db.reader() as session:
        return session.execute(select(func.count()).select_from(LedgerLine)).scalar_one()


def line(db, line_id: int) -> LedgerLine:
    with db.reader() as session:
        return session.get(LedgerLine, line_id)


def unpay_form(**changes) -> dict:
    form = {
        "due": "2010-07-20",
        "label": "Re-presentation",
        "mode": "CHEQUE",
        "fee_article": "FRAIS_REJET_7",
        "fee_amount": "7,00",
    }
    form.update(changes)
    return form


# --- 1. Identification ----------------------------------------------------------------------


def test_login_page_in_the_seeds_words(web):
    page = web().get("/login")
    assert page.status_code == 200
    for words in ("Identification", "Nom d&#39;utilisateur", "Code d&#39;utilisateur", "Activer"):
        assert words in page.text
    assert "Sign in" in web().get("/login?lang=en").text


def test_login_logout_and_the_session_cookie(web):
    browser = web()
    assert browser.get("/customers", follow_redirects=False).headers["location"] == (
        "/login?next=/customers"
    )
    response = browser.login("desk")
    assert response.status_code == 303 and response.headers["location"] == "/customers"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert browser.get("/customers").status_code == 200
    assert browser.post("/logout").status_code == 303
    assert browser.get("/customers", follow_redirects=False).status_code == 303


def test_htmx_request_without_a_session_is_sent_to_the_login(web):
    response = web().client.get("/customers", headers=HX, follow_redirects=False)
    assert response.status_code == 401 and response.headers["HX-Redirect"] == "/login"


@pytest.mark.parametrize(
    ("name", "code"),
    [("desk", "wrong-code-1"), ("nobody", "whatever-1"), ("desk", ""), ("", "")],
)
def test_wrong_code_is_refused(web, name, code):
    browser = web()
    browser.get("/login")
    response = browser.post("/login", {"name": name, "code": code})
    assert response.status_code == 401
    assert "Nom ou code d&#39;utilisateur incorrect." in response.text
    assert browser.get("/customers", follow_redirects=False).status_code == 303


def test_disabled_and_door_users_cannot_log_in(web, db):
    user_service.disable_user(db, "desk", datetime(2010, 7, 20))
    user_service.add_user(db, "door", "door", None, datetime(2010, 7, 20))
    browser = web()
    assert browser.login("desk").status_code == 401
    browser.get("/login")
    assert browser.post("/login", {"name": "door", "code": ""}).status_code == 401


def test_a_disabled_user_loses_the_open_session(web, db):
    browser = web(user="desk")
    user_service.disable_user(db, "desk", datetime(2010, 7, 20))
    assert browser.get("/customers", follow_redirects=False).status_code == 303


def test_login_is_throttled_after_five_failures_even_with_the_right_code(web):
    now = [datetime(2010, 7, 20, 10, 0)]
    browser = web(clock=lambda: now[0])
    browser.get("/login")
    for _ in range(5):
        assert browser.post("/login", {"name": "desk", "code": "wrong-code"}).status_code == 401
    refused = browser.post("/login", {"name": "desk", "code": CODES["desk"]})
    assert refused.status_code == 429 and "Trop de tentatives" in refused.text
    now[0] += timedelta(minutes=16)  # the window has passed
    assert browser.post("/login", {"name": "desk", "code": CODES["desk"]}).status_code == 303


def test_login_is_throttled_per_address_across_user_names(web):
    browser = web()
    browser.get("/login")
    for n in range(5):
        browser.post("/login", {"name": f"guess{n}", "code": "wrong-code"})
    assert browser.post("/login", {"name": "admin", "code": CODES["admin"]}).status_code == 429


def test_login_without_csrf_token_is_refused(web):
    browser = web()
    browser.get("/login")
    response = browser.post("/login", {"name": "desk", "code": CODES["desk"]}, csrf=False)
    assert response.status_code == 403


def test_login_never_redirects_off_site(web):
    browser = web()
    browser.get("/login")
    data = {"name": "desk", "code": CODES["desk"], "next": "//evil.example/x"}
    assert browser.post("/login", data).headers["location"] == "/customers"


def test_logout_needs_the_csrf_token(web):
    browser = web(user="desk")
    assert browser.post("/logout", csrf=False).status_code == 403
    assert browser.get("/customers").status_code == 200


def test_the_session_secret_is_private(web, config):
    web()
    mode = stat.S_IMODE((config.folders.data / SECRET_FILE).stat().st_mode)
    assert mode == 0o600


# --- 2. Clients -------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["martin", "C001", "CLUB-C001-2010", "2606", "M02606"[-4:]])
def test_search_by_name_id_mandate_and_iban_last_four(web, query):
    page = web(user="desk").get(f"/customers?q={query}")
    assert "Élodie Martin" in page.text and "François" not in page.text


def test_search_finds_nothing(web):
    assert "Aucun client trouvé." in web(user="desk").get("/customers?q=zzzz-nobody").text


def test_search_fragment_for_htmx(web):
    page = web(user="desk").get("/customers?q=martin", headers={**HX, "HX-Target": "results"})
    assert page.text.lstrip().startswith("<table") and "Élodie Martin" in page.text


def test_blocked_in_red_with_the_reason_from_the_next_day_only(web, club):
    desk = web(user="desk")
    desk.get(f"/customers/C001/lines/{club[0]}/unpay")
    assert desk.post(f"/customers/C001/lines/{club[0]}/unpay", unpay_form()).status_code == 303
    same_day = desk.get("/customers?q=C001").text
    assert 'class="blocked"' not in same_day and "Autorisé" in same_day
    next_day = web(as_of=date(2010, 7, 21), user="desk").get("/customers?q=C001").text
    assert '<tr class="blocked">' in next_day
    assert "Bloqué : 1 échéance(s) impayée(s), 57,00 €, due(s) depuis le 20/07/2010" in next_day


# --- 3. Fiche client and the mandate screen --------------------------------------------------


def test_card_shows_identity_and_the_masked_mandate(web):
    page = web(user="desk").get("/customers/C001")
    assert page.status_code == 200
    for text in ("Élodie Martin", "elodie.martin@example.fr", "14 Rue de la République",
                 "CLUB-C001-2010", "*" * 23 + "2606", "Financier", "Mandat"):  # fmt: skip
        assert text in page.text
    assert C001_IBAN not in page.text


def test_unknown_customer_is_404(web):
    assert web(user="desk").get("/customers/C999").status_code == 404


@pytest.mark.parametrize(("user", "full"), [("admin", True), ("desk", True), ("compta", False)])
def test_mandate_screen_shows_the_full_iban_to_admin_and_backoffice_only(web, user, full):
    page = web(user=user).get("/customers/C001/mandate")
    assert page.status_code == 200
    assert (C001_IBAN in page.text) is full
    assert "2606" in page.text


def test_no_page_shows_a_full_iban_to_an_accountant(web, club):
    compta = web(user="compta")
    pages = [
        "/customers",
        "/customers?q=2606",
        "/customers/C001",
        "/customers/C001/mandate",
        "/customers/C001/ledger",
        f"/customers/C001/ledger?line={club[0]}",
        "/articles",
    ]
    for url in pages:
        page = compta.get(url)
        assert page.status_code == 200, url
        assert C001_IBAN not in page.text and "FR7630004000030002000123422" not in page.text


# --- 4. Financier ---------------------------------------------------------------------------


def test_financier_lines_and_selection(web, club):
    desk = web(user="desk")
    page = desk.get("/customers/C001/ledger")
    assert page.status_code == 200
    assert "05/07/2010" in page.text and "150,00 €" in page.text and "Solde" in page.text
    assert re.search(r"<button type=\"submit\" disabled>Impayer</button>", page.text)
    selected = desk.get(f"/customers/C001/ledger?line={club[0]}").text
    assert 'aria-selected="true"' in selected
    assert re.search(r"<button type=\"submit\" >Impayer</button>", selected)
    assert re.search(r"<button type=\"submit\" disabled>Payer</button>", selected)
    open_line = desk.get(f"/customers/C001/ledger?line={club[1]}").text
    assert re.search(r"<button type=\"submit\" disabled>Impayer</button>", open_line)
    assert re.search(r"<button type=\"submit\" >Payer</button>", open_line)


def test_financier_fragment_for_htmx(web, club):
    page = web(user="desk").get(
        f"/customers/C001/ledger?line={club[0]}", headers={**HX, "HX-Target": "financier"}
    )
    assert page.text.lstrip().startswith('<section id="financier"')


def test_accountant_sees_the_ledger_without_buttons(web, club):
    page = web(user="compta").get(f"/customers/C001/ledger?line={club[0]}")
    assert page.status_code == 200 and "05/07/2010" in page.text
    assert ">Impayer<" not in page.text and ">Payer<" not in page.text


def test_english_by_setting(db, club, tmp_path, database_url):
    english = config_module.load(
        write_config(tmp_path / "en", database_url, '[web]\nlanguage = "en"\n')
    )
    with TestClient(create_app(english, db, as_of=date(2010, 7, 20))) as client:
        page = client.get("/login").text
    assert "Sign in" in page and "User name" in page and "Identification" not in page


def test_english_per_user(web, db):
    user_service.add_user(db, "anna", "backoffice", "anna-code-1", datetime(2010, 7, 20),
                          language="en")  # fmt: skip
    anna = web()
    assert anna.login("anna", "anna-code-1").status_code == 303
    page = anna.get("/customers/C001/ledger").text
    assert "Ledger" in page and "€150.00" in page and "2010-07-05" in page


# --- 5. Impayer -------------------------------------------------------------------------------


def test_impayer_dialog_defaults(web, club):
    dialog = web(user="desk").get(f"/customers/C001/lines/{club[0]}/unpay", headers=HX).text
    assert dialog.lstrip().startswith("<dialog")
    assert 'name="due" type="date" value="2010-07-20"' in dialog
    assert '<option value="CHEQUE" selected>' in dialog
    assert '<option value="FRAIS_REJET" data-price="10,00" selected>' in dialog
    assert 'name="fee_amount" value="10,00"' in dialog
    assert "plusieurs échéances" in dialog and "Frais de rejet" in dialog and "Annuler" in dialog


def test_impayer_dialog_without_javascript_is_a_whole_page(web, club):
    page = web(user="desk").get(f"/customers/C001/lines/{club[0]}/unpay").text
    assert "<html" in page and "<dialog" in page and " open>" in page


@pytest.mark.parametrize("fee", ["39,00", "39.00", "39"])
def test_impayer_creates_the_three_lines_and_is_audited(web, db, club, fee):
    desk = web(user="desk")
    before = lines(db)
    response = desk.post(f"/customers/C001/lines/{club[0]}/unpay", unpay_form(fee_amount=fee))
    assert response.status_code == 303
    assert response.headers["location"] == "/customers/C001/ledger"
    assert lines(db) == before + 3
    assert line(db, club[0]).status == "UNPAID"
    page = desk.get("/customers/C001/ledger").text
    assert "39,00 €" in page and "-50,00 €" in page and "89,00 €" in page
    with db.reader() as session:
        entry = session.execute(select(AuditEntry)).scalars().all()[-1]
    assert (entry.user_name, entry.action) == ("desk", "unpay")
    assert entry.target == f"customer C001 line {club[0]}"


def test_impayer_refuses_the_csrf_token_of_another_session(web, club):
    response = web(user="desk").client.post(
        f"/customers/C001/lines/{club[0]}/unpay",
        data={**unpay_form(), "csrf_token": ""},
        headers={**HX, "X-CSRF-Token": web_token(web)},
    )
    assert response.status_code == 403  # a token of another session is not this session's


def web_token(web) -> str:
    return web(user="admin").csrf


def test_impayer_with_htmx_header_token(web, club):
    desk = web(user="desk")
    response = desk.client.post(
        f"/customers/C001/lines/{club[0]}/unpay",
        data=unpay_form(),
        headers={**HX, "X-CSRF-Token": desk.csrf},
    )
    assert response.status_code == 200
    assert response.headers["HX-Retarget"] == "#financier"
    assert '<div id="dialog" hx-swap-oob="true"></div>' in response.text
    assert "Re-presentation" in response.text


def test_impayer_without_a_fee(web, db, club):
    desk = web(user="desk")
    before = lines(db)
    form = unpay_form(fee_article="", fee_amount="7,00")
    assert desk.post(f"/customers/C001/lines/{club[0]}/unpay", form).status_code == 303
    assert lines(db) == before + 2  # reversal and re-presentation, no fee sale


def test_impayer_split_into_instalments(web, db, club):
    desk = web(user="desk")
    form = unpay_form(split_date_1="25/07/2010", split_amount_1="30,00",
                      split_date_2="2010-08-25", split_amount_2="27.00")  # fmt: skip
    assert desk.post(f"/customers/C001/lines/{club[0]}/unpay", form).status_code == 303
    with db.reader() as session:
        parts = session.execute(
            select(LedgerLine.due_date, LedgerLine.amount_cents)
            .where(LedgerLine.represents_id == club[0])
            .order_by(LedgerLine.id)
        ).all()
    assert parts == [(date(2010, 7, 25), 3000), (date(2010, 8, 25), 2700)]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"due": "31/02/2010"}, "n&#39;est pas une date"),
        ({"fee_amount": "7,001"}, "n&#39;est pas un montant"),
        ({"fee_amount": "sept"}, "n&#39;est pas un montant"),
        ({"label": "  "}, "obligatoire"),
        ({"mode": "BITCOIN"}, "Refusé"),
        ({"fee_article": "SUB_MONTH"}, "expected REJECTION_FEE"),
        ({"fee_article": "NOPE"}, "not found"),
        ({"split_date_1": "2010-07-25", "split_amount_1": "30,00",
          "split_date_2": "2010-08-25", "split_amount_2": "20,00"}, "57.00"),
        ({"split_date_1": "2010-07-25"}, "Montant de l&#39;échéance 1 : obligatoire"),
        ({"split_amount_2": "10,00"}, "Date de l&#39;échéance 2 : obligatoire"),
        ({"split_date_1": "2010-07-25", "split_amount_1": "abc"}, "n&#39;est pas un montant"),
        ({"label": "x" * 141}, "at most 140"),
    ],
)  # fmt: skip
def test_impayer_errors_are_shown_in_the_dialog_and_nothing_changes(web, db, club, changes,
                                                                    message):  # fmt: skip
    desk = web(user="desk")
    before = lines(db)
    response = desk.post(
        f"/customers/C001/lines/{club[0]}/unpay", unpay_form(**changes), headers=HX
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith("<dialog") and 'role="alert"' in response.text
    assert message in response.text
    assert lines(db) == before and line(db, club[0]).status == "PAID"


def test_impayer_error_without_javascript_re_renders_the_page(web, db, club):
    response = web(user="desk").post(
        f"/customers/C001/lines/{club[0]}/unpay", unpay_form(fee_amount="x")
    )
    assert response.status_code == 200 and "<html" in response.text and " open>" in response.text


def test_impayer_twice_is_refused_in_the_dialog(web, db, club):
    desk = web(user="desk")
    desk.post(f"/customers/C001/lines/{club[0]}/unpay", unpay_form())
    before = lines(db)
    again = desk.post(f"/customers/C001/lines/{club[0]}/unpay", unpay_form(), headers=HX)
    assert again.status_code == 200 and "Cette ligne ne peut pas passer en impayé." in again.text
    assert lines(db) == before


def test_impayer_on_an_open_instalment_is_refused(web, club):
    dialog = web(user="desk").get(f"/customers/C001/lines/{club[1]}/unpay", headers=HX).text
    assert "Cette ligne ne peut pas passer en impayé." in dialog


def test_impayer_of_a_line_of_another_customer_is_404(web, club):
    desk = web(user="desk")
    assert desk.get(f"/customers/C002/lines/{club[0]}/unpay").status_code == 404
    assert desk.post(f"/customers/C002/lines/{club[0]}/unpay", unpay_form()).status_code == 404
    assert desk.get("/customers/C001/lines/999/unpay").status_code == 404


def test_impayer_refused_without_csrf_token(web, db, club):
    desk = web(user="desk")
    before = lines(db)
    response = desk.post(f"/customers/C001/lines/{club[0]}/unpay", unpay_form(), csrf=False)
    assert response.status_code == 403 and lines(db) == before
    wrong = desk.post(
        f"/customers/C001/lines/{club[0]}/unpay", {**unpay_form(), "csrf_token": "forged"}
    )
    assert wrong.status_code == 403 and lines(db) == before


def test_accountant_gets_403_for_impayer_and_payer(web, db, club):
    compta = web(user="compta")
    before = lines(db)
    assert compta.get(f"/customers/C001/lines/{club[0]}/unpay").status_code == 403
    assert compta.post(f"/customers/C001/lines/{club[0]}/unpay", unpay_form()).status_code == 403
    assert compta.get(f"/customers/C001/lines/{club[1]}/pay").status_code == 403
    response = compta.post(f"/customers/C001/lines/{club[1]}/pay", {"day": "", "mode": "CASH"})
    assert response.status_code == 403
    assert lines(db) == before and line(db, club[1]).status == "SCHEDULED"


def test_writes_without_a_session_are_refused(web, db, club):
    anonymous = web()
    anonymous.get("/login")
    response = anonymous.post(f"/customers/C001/lines/{club[0]}/unpay", unpay_form())
    assert response.status_code == 401 and line(db, club[0]).status == "PAID"


# --- 6. Payer ---------------------------------------------------------------------------------


def test_payer_dialog_defaults(web, club):
    dialog = web(user="desk").get(f"/customers/C001/lines/{club[1]}/pay", headers=HX).text
    assert 'name="day" type="date" value="2010-07-20"' in dialog
    assert '<option value="DIRECT_DEBIT" selected>' in dialog


def test_payer_in_cash(web, db, club):
    desk = web(as_of=date(2010, 7, 21), user="desk")
    response = desk.post(f"/customers/C001/lines/{club[1]}/pay", {"day": "", "mode": "CASH"})
    assert response.status_code == 303
    paid = line(db, club[1])
    assert (paid.status, paid.paid_on, paid.mode) == ("PAID", date(2010, 7, 21), "CASH")
    with db.reader() as session:
        entry = session.execute(select(AuditEntry)).scalars().all()[-1]
    assert (entry.user_name, entry.action, entry.detail) == (
        "desk", "pay", "paid on 2010-07-21 by CASH",
    )  # fmt: skip


def test_payer_on_a_chosen_date(web, db, club):
    desk = web(user="desk")
    form = {"day": "22/07/2010", "mode": "CHEQUE"}
    assert desk.post(f"/customers/C001/lines/{club[1]}/pay", form).status_code == 303
    assert line(db, club[1]).paid_on == date(2010, 7, 22)


@pytest.mark.parametrize(
    ("line_index", "form", "message"),
    [
        (1, {"day": "2010-13-01", "mode": "CASH"}, "n&#39;est pas une date"),
        (1, {"day": "", "mode": "GOLD"}, "Refusé"),
        (0, {"day": "", "mode": "CASH"}, "Cette ligne ne peut pas être payée."),
    ],
)
def test_payer_errors_are_shown_in_the_dialog(web, db, club, line_index, form, message):
    desk = web(user="desk")
    before = line(db, club[line_index])
    response = desk.post(f"/customers/C001/lines/{club[line_index]}/pay", form, headers=HX)
    assert response.status_code == 200 and message in response.text
    after = line(db, club[line_index])
    assert (after.status, after.paid_on, after.mode) == (before.status, before.paid_on, before.mode)


def test_payer_refused_without_csrf_token(web, db, club):
    response = web(user="desk").post(
        f"/customers/C001/lines/{club[1]}/pay", {"mode": "CASH"}, csrf=False
    )
    assert response.status_code == 403 and line(db, club[1]).status == "SCHEDULED"


# --- 7. Articles, and the audit trail ------------------------------------------------------


def test_articles_page_lists_the_catalogue_and_the_rejection_fees(web):
    page = web(user="compta").get("/articles").text
    assert "Frais de rejet (tarif réduit)" in page and "7,00 €" in page and "SUB_MONTH" in page
    assert 'action="/articles"' not in page  # no form but for admin


def test_admin_saves_an_article_with_a_french_amount(web, db):
    admin = web(user="admin")
    form = {"code": "FRAIS_REJET_12", "label": "Frais de rejet majorés", "price": "12,50",
            "kind": "REJECTION_FEE"}  # fmt: skip
    page = admin.post("/articles", form)
    assert page.status_code == 200 and "Enregistré." in page.text and "12,50 €" in page.text
    dialog = web(user="desk").get("/customers/C001/lines/2/unpay", headers=HX).text
    assert '<option value="FRAIS_REJET_12" data-price="12,50"' in dialog
    assert "article FRAIS_REJET_12" in admin.get("/audit").text


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"price": "12,5x"}, "n&#39;est pas un montant"),
        ({"kind": "GIFT"}, "is not one of"),
        ({"label": ""}, "label: missing"),
        ({"code": ""}, "code: missing"),
    ],
)
def test_article_errors_are_shown_and_nothing_is_saved(web, changes, message):
    admin = web(user="admin")
    form = {"code": "NEW", "label": "New", "price": "1,00", "kind": "OTHER", **changes}
    page = admin.post("/articles", form)
    assert page.status_code == 200 and message in page.text
    assert ">NEW<" not in admin.get("/articles").text


def test_only_admin_saves_articles(web):
    form = {"code": "NEW", "label": "New", "price": "1,00", "kind": "OTHER"}
    assert web(user="desk").post("/articles", form).status_code == 403
    assert web(user="compta").post("/articles", form).status_code == 403
    assert web(user="admin").post("/articles", form, csrf=False).status_code == 403


def test_audit_trail_is_for_admin(web, club):
    web(user="desk").post(f"/customers/C001/lines/{club[0]}/unpay", unpay_form())
    page = web(user="admin").get("/audit")
    assert page.status_code == 200 and "desk" in page.text and f"line {club[0]}" in page.text
    assert web(user="desk").get("/audit").status_code == 403
    assert web(user="compta").get("/audit").status_code == 403


def test_home_and_static_files(web):
    browser = web(user="desk")
    assert browser.get("/", follow_redirects=False).headers["location"] == "/customers"
    assert browser.get("/static/htmx.min.js").status_code == 200


# --- the door's JSON API ----------------------------------------------------------------------


def test_door_api_with_a_bearer_token(web, db, club):
    user_service.add_user(db, "door", "door", None, datetime(2010, 7, 20))
    token = user_service.new_token(db, "door", datetime(2010, 7, 20))
    desk = web(user="desk")
    desk.post(f"/customers/C001/lines/{club[0]}/unpay", unpay_form())
    door = web(as_of=date(2010, 7, 21)).client
    bearer = {"Authorization": f"Bearer {token}"}
    answer = door.get("/api/access/C001", headers=bearer)
    assert answer.status_code == 200
    assert answer.json() == {
        "customer": "C001",
        "as_of": "2010-07-21",
        "allowed": False,
        "reason": "1 overdue instalment(s), 57.00 EUR, due since 2010-07-20",
    }
    assert door.get("/api/blocked", headers=bearer).json() == {
        "as_of": "2010-07-21",
        "blocked": [
            {"customer": "C001", "name": "Élodie Martin", "overdue": "57.00", "since": "2010-07-20"}
        ],
    }
    assert door.get("/api/access/C999", headers=bearer).status_code == 404


def test_door_api_refusals(web, db):
    user_service.add_user(db, "door", "door", None, datetime(2010, 7, 20))
    token = user_service.new_token(db, "door", datetime(2010, 7, 20))
    client = web().client
    assert client.get("/api/blocked").status_code == 401
    assert client.get("/api/blocked", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get("/api/blocked", headers={"Authorization": token}).status_code == 401
    desk = web(user="desk")  # a back-office session is not a door token
    assert desk.client.get("/api/access/C001").status_code == 401
    user_service.disable_user(db, "door", datetime(2010, 7, 20))
    refused = client.get("/api/access/C001", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"] == "Bearer"
