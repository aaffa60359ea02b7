"""The mandate form: every element the SDD Core rulebook requires, read back from the PDF."""

from __future__ import annotations

import pytest
from pypdf import PdfReader

from sepa_batch.mandate_form import TEXTS


def pdf_text(path) -> str:
    """The page's text with its line breaks and runs of spaces made single spaces."""
    [page] = PdfReader(path).pages
    return " ".join(page.extract_text().split())


CREDITOR = ("Club Sportif de Démonstration", "12 Rue du Stade, 69003 Lyon, FR", "FR72ZZZ123456")


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_form_of_a_fixture_customer_holds_every_required_element(run, tmp_path, language):
    out = tmp_path / "C004.pdf"
    run("mandate", "form", "C004", "--out", out, "--language", language)
    text = pdf_text(out)
    words = TEXTS[language]
    creditor = CREDITOR[0]
    expected = [
        words["title"],
        f"{words['creditor']} {words['name']}",
        *CREDITOR,  # creditor name, address, identifier
        f"{words['reference']}",
        "CLUB-C004-2010",  # the unique mandate reference
        words["debtor"],
        "Jérôme & Anaïs Garçon",  # debtor name as written, accents kept
        "27 Chemin des Écoliers, 69300 Caluire-et-Cuire, FR",
        "FR76 1820 6000 0265 4321 0018 754",
        "AGRIFRPP882",
        f"[X] {words['recurrent']} [ ] {words['one_off']}",
        words["authorisation"].format(creditor=creditor),
        words["refund"],
        words["place"],
        words["date"],
        "21/06/2010",
        words["signature"],
    ]
    missing = [element for element in expected if element not in text]
    assert missing == [], text


def test_the_club_language_is_the_default_and_french_texts_are_the_rulebooks(run, tmp_path):
    out = tmp_path / "C001.pdf"
    run("mandate", "form", "C001", "--out", out)
    text = pdf_text(out)
    assert "Mandat de prélèvement SEPA" in text
    assert "Une demande de remboursement doit être présentée dans les 8 semaines" in text
    assert "Élodie Martin" in text and "FR14 2004 1010 0505 0001 3M02 606" in text


def test_a_one_off_mandate_is_ticked_as_one_off(run, tmp_path):
    csv = tmp_path / "ooff.csv"
    csv.write_text(
        "customer_id,name,email,street,building_number,postcode,town,country,iban,bic,"
        "mandate_id,mandate_signed_on,mandate_type\n"
        "C013,Łukasz Żółć,,Rue Mercière,5,69002,Lyon,FR,FR7630001007941234567890185,,"
        "LIC-C013,2010-06-28,OOFF\n",
        encoding="utf-8",
    )
    run("customers", "import", csv, "--as-of", "2010-07-01")
    out = tmp_path / "C013.pdf"
    run("mandate", "form", "C013", "--out", out, "--language", "en")
    text = pdf_text(out)
    assert "[ ] Recurrent payment [X] One-off payment" in text
    assert "Lukasz Zólc" in text  # Ł, Ż, ł, ć are not Latin-1: transliterated; ó is


def test_the_blank_form_has_the_creditor_and_empty_debtor_fields(run, tmp_path):
    out = tmp_path / "blank.pdf"
    run("mandate", "form", "--blank", "--out", out, "--language", "en")
    text = pdf_text(out)
    for element in (*CREDITOR, "SEPA Direct Debit Mandate", "[ ] Recurrent payment [ ] One-off"):
        assert element in text
    assert "Name: ____" in text and "IBAN: ____" in text and "Signature: ____" in text


@pytest.mark.parametrize(
    ("args", "status", "words"),
    [
        (("C999",), 1, "customer C999: not found"),
        (("C012",), 1, "customer C012: mandate: has no mandate"),
        (("C001", "--blank"), 2, "not both"),
        ((), 2, "not both"),
    ],
)
def test_bad_requests_write_no_file(run, tmp_path, args, status, words):
    out = tmp_path / "x.pdf"
    result = run("mandate", "form", *args, "--out", out, expect=status)
    assert words in " ".join((result.stderr + result.stdout).split())
    assert not out.exists()
