"""The SEPA Direct Debit mandate form a debtor signs, as a one-page PDF.

The SDD Core rulebook (EPC016, the mandate's data set DS-01) requires on the form: its title,
the creditor's name, address and identifier, the unique mandate reference, the debtor's name,
address, IBAN and BIC, the type of payment (recurrent or one-off), the authorisation text and
the refund-right text, the place and date of signing and the debtor's signature. The texts are
in the club's language (French or English, ``[dunning] language``).

The page uses the PDF core font (Helvetica, Latin-1): French accents are Latin-1; a character
outside it is transliterated.
"""

from __future__ import annotations

from dataclasses import dataclass

from anyascii import anyascii

from sepa_batch.config import Address


@dataclass(frozen=True, slots=True)
class Party:
    name: str
    address: Address


@dataclass(frozen=True, slots=True)
class MandateForm:
    """What the form shows; the debtor's fields are ``None`` on a blank form."""

    creditor: Party
    creditor_id: str
    reference: str | None
    debtor: Party | None
    iban: str | None
    bic: str | None
    one_off: bool | None  # None: the debtor ticks one
    place: str | None = None
    signed_on: str | None = None


TEXTS = {
    "fr": {
        "title": "Mandat de prélèvement SEPA",
        "reference": "Référence unique du mandat (RUM)",
        "creditor_id": "Identifiant créancier SEPA (ICS)",
        "creditor": "Créancier",
        "debtor": "Débiteur",
        "name": "Nom",
        "address": "Adresse",
        "iban": "IBAN",
        "bic": "BIC",
        "type": "Type de paiement",
        "recurrent": "Paiement récurrent",
        "one_off": "Paiement ponctuel",
        "authorisation": (
            "En signant ce formulaire de mandat, vous autorisez (A) {creditor} à envoyer des "
            "instructions à votre banque pour débiter votre compte, et (B) votre banque à "
            "débiter votre compte conformément aux instructions de {creditor}."
        ),
        "refund": (
            "Vous bénéficiez du droit d'être remboursé par votre banque selon les conditions "
            "décrites dans la convention que vous avez passée avec elle. Une demande de "
            "remboursement doit être présentée dans les 8 semaines suivant la date de débit de "
            "votre compte pour un prélèvement autorisé."
        ),
        "rights": "Vos droits sont expliqués dans un document que vous pouvez obtenir auprès de "
        "votre banque.",
        "place": "Fait à",
        "date": "Le",
        "signature": "Signature",
    },
    "en": {
        "title": "SEPA Direct Debit Mandate",
        "reference": "Unique mandate reference",
        "creditor_id": "Creditor identifier",
        "creditor": "Creditor",
        "debtor": "Debtor",
        "name": "Name",
        "address": "Address",
        "iban": "IBAN",
        "bic": "BIC",
        "type": "Type of payment",
        "recurrent": "Recurrent payment",
        "one_off": "One-off payment",
        "authorisation": (
            "By signing this mandate form, you authorise (A) {creditor} to send instructions to "
            "your bank to debit your account and (B) your bank to debit your account in "
            "accordance with the instructions from {creditor}."
        ),
        "refund": (
            "As part of your rights, you are entitled to a refund from your bank under the "
            "terms and conditions of your agreement with your bank. A refund must be claimed "
            "within 8 weeks starting from the date on which your account was debited."
        ),
        "rights": "Your rights are explained in a statement that you can obtain from your bank.",
        "place": "Place",
        "date": "Date",
        "signature": "Signature",
    },
}


def latin1(text: str) -> str:
    """The text as the core font can show it: Latin-1 kept, anything else transliterated.

    >>> latin1("Zoë Ødegård – Łódź")
    'Zoë Ødegård - Lódz'
    """
    return "".join(c if ord(c) < 256 else anyascii(c) for c in text)


def address_lines(address: Address) -> list[str]:
    street = " ".join(p for p in (address.building_number, address.street) if p)
    town = " ".join(p for p in (address.postcode, address.town) if p)
    return [line for line in (street, town, address.country) if line]


def write_pdf(form: MandateForm, path, language: str) -> None:
    """Write the form to ``path``."""
    words = TEXTS[language]
    from fpdf import FPDF  # a second of imports: only when a form is written

    pdf = FPDF(format="A4")
    pdf.set_title(latin1(words["title"]))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, latin1(words["title"]), new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.ln(2)

    def field(label: str, value: str | None) -> None:
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(78, 7, latin1(label) + " :" if language == "fr" else latin1(label) + ":")
        pdf.set_font("Helvetica", "", 10)
        shown = latin1(value) if value else "_" * 50
        pdf.multi_cell(0, 7, shown, new_x="LMARGIN", new_y="NEXT")

    def heading(text: str) -> None:
        pdf.ln(2)
        pdf.set_font("Helvetica", "B", 12)
        pdf.cell(0, 8, latin1(text), new_x="LMARGIN", new_y="NEXT")

    def paragraph(text: str) -> None:
        pdf.set_font("Helvetica", "", 9)
        pdf.multi_cell(0, 5, latin1(text), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)

    field(words["reference"], form.reference)
    heading(words["creditor"])
    field(words["name"], form.creditor.name)
    field(words["address"], ", ".join(address_lines(form.creditor.address)))
    field(words["creditor_id"], form.creditor_id)
    heading(words["debtor"])
    field(words["name"], form.debtor.name if form.debtor else None)
    field(words["address"], ", ".join(address_lines(form.debtor.address)) if form.debtor else None)
    field(words["iban"], form.iban)
    field(words["bic"], form.bic)
    pdf.ln(2)
    recurrent = "[X]" if form.one_off is False else "[  ]"
    one_off = "[X]" if form.one_off else "[  ]"
    field(words["type"], f"{recurrent} {words['recurrent']}    {one_off} {words['one_off']}")
    pdf.ln(3)
    paragraph(words["authorisation"].format(creditor=form.creditor.name))
    paragraph(words["refund"])
    paragraph(words["rights"])
    pdf.ln(3)
    field(words["place"], form.place)
    field(words["date"], form.signed_on)
    field(words["signature"], None)
    pdf.ln(20)
    pdf.output(str(path))
