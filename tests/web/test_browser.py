"""The back office in a real browser (Debian's Chromium through Playwright), click by click.

(1) The seed's walk-through (gerer-un-impaye.txt): log in, find the member, card, Financier,
click the payment of 05/07/2010 once, Impayer with the rejection-fee article, Ok: the three new
lines appear; the member is not red that day, red the next day (a second server on the same
database with "today" pinned to the next day), and no longer red once the desk clicks Payer in
cash. (2) The unpaid split into two instalments, after a split that does not add up is refused in
the dialog. (3) An accountant sees the ledger without the buttons, and is refused a direct POST.
"""

from __future__ import annotations

import re
from datetime import date

from playwright.sync_api import Page, expect
from web.web_support import CODES

RED = "rgb(204, 0, 0)"


def log_in(page: Page, server, name: str) -> None:
    page.goto(f"{server.url}/login")
    expect(page.get_by_role("heading", name="Identification")).to_be_visible()
    page.get_by_label("Nom d'utilisateur").fill(name)
    page.get_by_label("Code d'utilisateur").fill(CODES[name])
    page.get_by_role("button", name="Activer").click()
    expect(page.get_by_role("heading", name="Clients")).to_be_visible()


def open_financier(page: Page) -> None:
    page.get_by_label(re.compile("^Nom, numéro de client")).fill("Martin")
    page.get_by_role("button", name="Rechercher").click()
    page.get_by_role("link", name="Élodie Martin").click()
    expect(page.get_by_role("heading", name=re.compile("^Fiche client"))).to_be_visible()
    page.get_by_role("button", name="Financier").click()
    expect(page.get_by_role("heading", name=re.compile("^Financier"))).to_be_visible()


def row(page: Page, *texts: str):
    rows = page.locator("#financier tbody tr")
    for text in texts:
        rows = rows.filter(has_text=text)
    return rows


def test_the_seeds_walk_through(page: Page, live, club):
    today = live(date(2010, 7, 20))
    log_in(page, today, "desk")
    open_financier(page)
    impayer = page.get_by_role("button", name="Impayer", exact=True)
    expect(impayer).to_be_disabled()

    july = row(page, "05/07/2010", "Abonnement mensuel 07/2010")
    expect(july).to_have_count(1)
    july.click()  # once
    july = page.locator(f"#line-{club[0]}")
    expect(july).to_have_attribute("aria-selected", "true")
    expect(impayer).to_be_enabled()
    expect(page.get_by_role("button", name="Payer", exact=True)).to_be_disabled()
    impayer.click()

    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Date de l'échéance représentée")).to_have_value("2010-07-20")
    expect(dialog.get_by_label("Mode de paiement")).to_have_value("CHEQUE")
    dialog.get_by_label("Frais de rejet", exact=True).select_option("FRAIS_REJET_7")
    expect(dialog.get_by_label("Montant", exact=True)).to_have_value("7,00")
    dialog.get_by_role("button", name="Ok").click()
    expect(dialog).to_have_count(0)

    # the three new lines, on the page
    fee = row(page, "Frais de rejet (tarif réduit)")
    expect(fee).to_have_count(1)
    expect(fee).to_contain_text("Vente")
    expect(fee).to_contain_text("7,00 €")
    reversal = row(page, "Annulation du paiement impayé")
    expect(reversal).to_have_count(1)
    expect(reversal).to_contain_text("-50,00 €")
    representation = row(page, "Nouvelle présentation de l'impayé")
    expect(representation).to_have_count(1)
    expect(representation).to_contain_text("57,00 €")
    expect(representation).to_contain_text("20/07/2010")
    expect(representation).to_contain_text("Chèque")
    expect(representation.get_by_role("checkbox")).not_to_be_checked()
    expect(july).to_contain_text("Impayé")
    # not red on the day
    state = page.locator("#financier p.state").first
    expect(state).to_have_text(re.compile("Autorisé"))
    expect(page.locator("#financier h1")).not_to_have_css("color", RED)

    # the next day: red, with the reason, in the list and on the Financier
    tomorrow = live(date(2010, 7, 21))
    log_in(page, tomorrow, "desk")
    page.get_by_label(re.compile("^Nom, numéro de client")).fill("C001")
    page.get_by_role("button", name="Rechercher").click()
    listed = page.locator("#results tbody tr").filter(has_text="Élodie Martin")
    expect(listed).to_contain_text("Bloqué : 1 échéance(s) impayée(s), 57,00 €")
    expect(listed.locator("td").first).to_have_css("color", RED)
    page.get_by_role("link", name="Élodie Martin").click()
    page.get_by_role("button", name="Financier").click()
    expect(page.locator("#financier h1")).to_have_css("color", RED)
    expect(page.get_by_role("alert")).to_have_text(
        re.compile(r"Bloqué : 1 échéance\(s\) impayée\(s\), 57,00 €, due\(s\) depuis le 20/07/2010")
    )

    # the member comes back and pays in cash
    representation = row(page, "Nouvelle présentation de l'impayé")
    representation.click()
    page.get_by_role("button", name="Payer", exact=True).click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Date du règlement")).to_have_value("2010-07-21")
    dialog.get_by_label("Mode de paiement").select_option("CASH")
    dialog.get_by_role("button", name="Ok").click()
    expect(dialog).to_have_count(0)
    expect(representation).to_contain_text("Espèces")
    expect(representation).to_contain_text("Payé")
    expect(representation.get_by_role("checkbox")).to_be_checked()
    expect(page.locator("#financier p.state").first).to_have_text(re.compile("Autorisé"))
    expect(page.locator("#financier h1")).not_to_have_css("color", RED)


def test_unpaid_split_into_two_instalments(page: Page, live, club):
    server = live(date(2010, 7, 20))
    log_in(page, server, "desk")
    open_financier(page)
    row(page, "05/07/2010", "Abonnement mensuel 07/2010").click()
    page.get_by_role("button", name="Impayer", exact=True).click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Frais de rejet", exact=True).select_option("FRAIS_REJET_7")
    dialog.get_by_text("plusieurs échéances").click()
    dialog.get_by_label("Date de l'échéance 1").fill("2010-07-25")
    dialog.get_by_label("Montant de l'échéance 1").fill("30,00")
    dialog.get_by_label("Date de l'échéance 2").fill("2010-08-25")
    dialog.get_by_label("Montant de l'échéance 2").fill("20.00")  # 50.00 ≠ 57.00
    dialog.get_by_role("button", name="Ok").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("alert")).to_contain_text("57.00")
    expect(row(page, "Nouvelle présentation de l'impayé")).to_have_count(0)  # nothing changed
    expect(dialog.get_by_label("Montant de l'échéance 2")).to_have_value("20.00")

    dialog.get_by_label("Montant de l'échéance 2").fill("27.00")
    dialog.get_by_role("button", name="Ok").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    parts = row(page, "Nouvelle présentation de l'impayé")
    expect(parts).to_have_count(2)
    expect(parts.nth(0)).to_contain_text("25/07/2010")
    expect(parts.nth(0)).to_contain_text("30,00 €")
    expect(parts.nth(1)).to_contain_text("25/08/2010")
    expect(parts.nth(1)).to_contain_text("27,00 €")


def test_an_accountant_reads_but_cannot_write(page: Page, live, club):
    server = live(date(2010, 7, 20))
    log_in(page, server, "compta")
    open_financier(page)
    expect(row(page, "05/07/2010", "Abonnement mensuel 07/2010")).to_contain_text("50,00 €")
    row(page, "05/07/2010", "Abonnement mensuel 07/2010").click()
    expect(page.get_by_role("button", name="Impayer", exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name="Payer", exact=True)).to_have_count(0)
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    response = page.request.post(
        f"{server.url}/customers/C001/lines/{club[0]}/unpay",
        form={"csrf_token": token, "label": "x", "mode": "CHEQUE"},
        max_redirects=0,
    )
    assert response.status == 403
    page.reload()
    expect(row(page, "Nouvelle présentation de l'impayé")).to_have_count(0)
