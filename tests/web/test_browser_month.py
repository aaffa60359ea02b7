"""The month in a real browser (Debian's Chromium through Playwright): generate the collection
and download its file (XSD-valid); upload the simulated bank's pain.002 for it and see the
unpaid line in the member's Financier; dismiss an item of the review queue; an accountant cannot
press "Générer" and downloads the FEC."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from playwright.sync_api import Page, expect
from web.test_browser import RED, log_in, open_financier, row

from sepa_batch.bank import simulator
from sepa_batch.sepa import xsd

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "samples"
UNKNOWN_PAIN002 = (
    SAMPLES
    / "pain002"
    / "OCA__account-payment__account_payment_return_import_iso20022__tests__test_files__"
    "test-sepa-pain-unpaid.xml"
)


def test_generate_download_upload_the_banks_answer_and_see_the_unpaid(
    page: Page, live, club, tmp_path
):
    server = live(date(2010, 7, 28))
    log_in(page, server, "desk")
    page.get_by_role("link", name="Prélèvements").click()
    expect(page.locator("#preview")).to_have_text(
        "1 échéance(s) à prélever pour 50,00 €, en 1 fichier(s)."
    )
    page.get_by_role("button", name="Générer").click()
    expect(page.get_by_role("status").filter(has_text="Prélèvement généré")).to_have_text(
        "Prélèvement généré : 1 échéance(s), 1 fichier(s), 50,00 €."
    )
    files = page.get_by_role("table", name="Fichiers remis à la banque")
    with page.expect_download() as info:
        files.get_by_role("link").first.click()
    content = Path(info.value.path()).read_bytes()
    version = re.search(rb"urn:iso:std:iso:20022:tech:xsd:(pain\.008\.\d+\.\d+)", content)
    xsd.validate_bytes(content, version.group(1).decode())

    answer = simulator.simulate(content, reject_rate=1.0, return_rate=0.0)
    upload = tmp_path / "reponse.pain002.xml"
    upload.write_bytes(answer.pain002)
    page.get_by_role("link", name="Retours banque").click()
    page.get_by_label("Fichiers de la banque").set_input_files(str(upload))
    page.get_by_role("button", name="Importer").click()
    outcome = page.get_by_role("table", name="Résultat de l'import")
    expect(outcome.locator("tbody tr")).to_have_count(1)
    expect(outcome.locator("tbody tr td").nth(0)).to_have_text("reponse.pain002.xml")
    expect(outcome.locator("tbody tr td").nth(6)).to_have_text("")  # not refused

    page.get_by_role("link", name="Clients").click()
    open_financier(page)
    august = page.locator(f"#line-{club[1]}")
    expect(august).to_contain_text("Abonnement mensuel 08/2010")
    expect(august).to_contain_text("Impayé")
    expect(row(page, "Nouvelle présentation de l'impayé")).to_have_count(1)

    # the next day the member is red in the list
    tomorrow = live(date(2010, 7, 29))
    log_in(page, tomorrow, "desk")
    page.get_by_label(re.compile("^Nom, numéro de client")).fill("C001")
    page.get_by_role("button", name="Rechercher").click()
    listed = page.locator("#results tbody tr").filter(has_text="Élodie Martin")
    expect(listed).to_contain_text("Bloqué : 1 échéance(s) impayée(s)")
    expect(listed.locator("td").first).to_have_css("color", RED)


def test_dismiss_an_item_of_the_review_queue(page: Page, live, club):
    server = live(date(2010, 7, 20))
    log_in(page, server, "desk")
    page.get_by_role("link", name="Retours banque").click()
    page.get_by_label("Fichiers de la banque").set_input_files(str(UNKNOWN_PAIN002))
    page.get_by_role("button", name="Importer").click()
    queue = page.get_by_role("table", name="À traiter")
    handle = queue.get_by_role("link", name=re.compile("^Traiter l'élément"))
    before = handle.count()
    assert before >= 1
    handle.first.click()
    page.get_by_label("Note").fill("pas un de nos prélèvements")
    page.get_by_role("button", name="Écarter").click()
    expect(queue.get_by_role("link", name=re.compile("^Traiter l'élément"))).to_have_count(
        before - 1
    )


def test_an_accountant_cannot_generate_and_downloads_the_fec(page: Page, live, club):
    server = live(date(2010, 7, 28))
    log_in(page, server, "compta")
    page.get_by_role("link", name="Prélèvements").click()
    expect(page.locator("#preview")).to_contain_text("1 échéance(s)")
    expect(page.get_by_role("button", name="Générer")).to_have_count(0)
    page.get_by_role("link", name="Comptabilité").click()
    expect(page.get_by_role("heading", name="Impayés par motif")).to_be_visible()
    with page.expect_download() as info:
        page.get_by_role("link", name="FEC").click()
    fec = Path(info.value.path()).read_text(encoding="utf-8")
    assert fec.startswith("JournalCode\t") and "C001" in fec
