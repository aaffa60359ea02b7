"""Every label the product writes on a line it generates, in the club's language.

One place for the texts of the lines the workflows add — an instalment without a label, a
re-presentation, the reversal of an unpaid payment, the fee billed for it — and for the
labels of the accounting journal. French (``fr``, the default) or English (``en``), chosen by
``[club] language`` in the configuration.

Labels never nest: a re-presentation names the ORIGINAL instalment (its label and due date),
however many times it was presented again; ``original_of`` finds it in a label made here.

>>> representation("Abonnement mensuel 07/2010", date(2010, 7, 5), "fr")
"Nouvelle présentation de l'impayé : Abonnement mensuel 07/2010 du 05/07/2010"
>>> again = representation("Abonnement mensuel 07/2010", date(2010, 7, 5), "fr")
>>> original_of(again + " (1/2)")
('Abonnement mensuel 07/2010', datetime.date(2010, 7, 5))
>>> fee("Frais de rejet de prélèvement", "CHEQUE", 18, "fr")
'Frais de chèque impayé, paiement n° 18'
"""

from __future__ import annotations

import re
from datetime import date, datetime

from sepa_batch.domain.unpaid import fit_label

LANGUAGES = ("fr", "en")

TEXTS = {
    "fr": {
        "instalment": "Échéance du {due}",
        "representation": "Nouvelle présentation de l'impayé : {label}",
        "representation_of": " du {due}",
        "reversal": "Annulation du paiement impayé n° {line} : {label}",
        "payment_ref": ", paiement n° {line}",
        # the fee of an unpaid, by the mode of the payment that did not happen
        "fee_mode": {
            "CHEQUE": "Frais de chèque impayé",
            "CARD": "Frais de paiement par carte rejeté",
            "CASH": "Frais d'impayé",
            "TRANSFER": "Frais de virement rejeté",
        },
        "fee_other": "Frais d'impayé",
        "bank_charges": "Frais bancaires, retour {label}",
    },
    "en": {
        "instalment": "Instalment {due}",
        "representation": "Re-presentation of unpaid {label}",
        "representation_of": " of {due}",
        "reversal": "Cancels unpaid payment #{line}: {label}",
        "payment_ref": ", payment #{line}",
        "fee_mode": {
            "CHEQUE": "Returned cheque fee",
            "CARD": "Rejected card payment fee",
            "CASH": "Unpaid fee",
            "TRANSFER": "Rejected transfer fee",
        },
        "fee_other": "Unpaid fee",
        "bank_charges": "Bank charges, return {label}",
    },
}

#: The accounting journal (the FEC is French by law, whatever the club's language).
ACCOUNT_LABELS = {
    "customers": "Clients",
    "bank": "Banque",
    "services": "Prestations de services",
    "fees": "Produits des activités annexes",
    "bank_charges": "Services bancaires et assimilés",
}
JOURNAL_LABELS = {"journal_sales": "Ventes", "journal_bank": "Banque"}


def _texts(language: str) -> dict:
    return TEXTS[language if language in TEXTS else "fr"]


def _day(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else "?"


def instalment(due: date, language: str = "fr") -> str:
    """An instalment added without a label.

    >>> instalment(date(2010, 9, 5), "fr"), instalment(date(2010, 9, 5), "en")
    ('Échéance du 05/09/2010', 'Instalment 05/09/2010')
    """
    return _texts(language)["instalment"].format(due=_day(due))


def representation(original_label: str, original_due: date | None, language: str = "fr") -> str:
    """The re-presentation of an unpaid instalment, naming the original one; the date is
    never cut.

    >>> representation("Abonnement mensuel 07/2010", date(2010, 7, 5), "en")
    'Re-presentation of unpaid Abonnement mensuel 07/2010 of 05/07/2010'
    """
    texts = _texts(language)
    return fit_label(
        texts["representation"].format(label=original_label),
        texts["representation_of"].format(due=_day(original_due)),
    )


def _representation_pattern(texts: dict) -> re.Pattern:
    head, _, _ = texts["representation"].partition("{label}")
    of_head, _, of_tail = texts["representation_of"].partition("{due}")
    return re.compile(
        re.escape(head)
        + r"(?P<label>.*)"
        + re.escape(of_head)
        + r"(?P<due>\d\d/\d\d/\d{4}|\?)"
        + re.escape(of_tail)
        + r"(?: \(\d+/\d+\))?"
    )


_PATTERNS = [_representation_pattern(texts) for texts in TEXTS.values()]


def original_of(label: str) -> tuple[str, date | None] | None:
    """(label, due date) of the original instalment if ``label`` is a re-presentation's label
    made here (in any language, split or not), else None.

    >>> original_of("Re-presentation of unpaid Licence of 05/07/2010 (2/3)")
    ('Licence', datetime.date(2010, 7, 5))
    >>> original_of("Licence") is None
    True
    """
    for pattern in _PATTERNS:
        match = pattern.fullmatch(label)
        if match:
            due = match["due"]
            day = None if due == "?" else datetime.strptime(due, "%d/%m/%Y").date()
            return match["label"], day
    return None


def reversal(line_id: int, label: str, language: str = "fr") -> str:
    """The negative line that cancels a payment that did not happen.

    >>> reversal(18, "Abonnement mensuel 07/2010", "fr")
    'Annulation du paiement impayé n° 18 : Abonnement mensuel 07/2010'
    """
    return fit_label(_texts(language)["reversal"].format(line=line_id, label=label))


def fee(article_label: str, mode: str | None, line_id: int, language: str = "fr") -> str:
    """The fee billed for an unpaid payment: the article's label for a direct debit (the
    rejection-fee article), a label naming the mode for anything else (a bounced cheque is not
    a rejected direct debit).

    >>> fee("Frais de rejet de prélèvement", "DIRECT_DEBIT", 3, "fr")
    'Frais de rejet de prélèvement, paiement n° 3'
    >>> fee("Frais de rejet de prélèvement", "CHEQUE", 3, "en")
    'Returned cheque fee, payment #3'
    """
    texts = _texts(language)
    suffix = texts["payment_ref"].format(line=line_id)
    if mode in (None, "DIRECT_DEBIT"):
        return fit_label(article_label, suffix)
    return fit_label(texts["fee_mode"].get(mode, texts["fee_other"]), suffix)


def bank_charges(return_label: str, reason: str | None, language: str = "fr") -> str:
    """The journal label of the bank's charges on a return.

    >>> bank_charges("SB-L5-1", "MD06")
    'Frais bancaires, retour SB-L5-1 (MD06)'
    """
    text = _texts(language)["bank_charges"].format(label=return_label)
    return text + (f" ({reason})" if reason else "")
