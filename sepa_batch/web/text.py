"""The back office's words (French by default, in the seed's words; English) and formats.

French: ``1 234,56 €`` and ``05/07/2010``; English: ``€1,234.56`` and ``2010-07-05``. Amount
inputs accept ``39,00`` and ``39.00`` (and ``39``); date inputs ``2010-07-05`` and
``05/07/2010``.
"""

from __future__ import annotations

from datetime import date

from sepa_batch.errors import InvalidInput
from sepa_batch.money import parse_amount

WORDS: dict[str, dict[str, str]] = {
    "fr": {
        "app": "Gestion clientèle",
        "login_title": "Identification",
        "user_name": "Nom d'utilisateur",
        "user_code": "Code d'utilisateur",
        "activate": "Activer",
        "logout": "Déconnexion",
        "customers": "Clients",
        "articles": "Articles",
        "audit": "Journal des modifications",
        "search": "Rechercher",
        "search_label": (
            "Nom, numéro de client, référence de mandat ou 4 derniers chiffres de l'IBAN"
        ),
        "code": "Numéro",
        "name": "Nom",
        "town": "Ville",
        "state": "État",
        "allowed": "Autorisé",
        "blocked": "Bloqué",
        "no_result": "Aucun client trouvé.",
        "card": "Fiche client",
        "address": "Adresse",
        "email": "E-mail",
        "mandates": "Mandats",
        "reference": "Référence",
        "iban": "IBAN",
        "status": "Statut",
        "sequence": "Séquence",
        "last_collection": "Dernier prélèvement",
        "pending_amendment": "Modification en attente",
        "financial": "Financier",
        "mandate": "Mandat",
        "signed_on": "Signé le",
        "bic": "BIC",
        "date": "Date",
        "due_date": "Échéance",
        "label": "Libellé",
        "amount": "Montant",
        "mode": "Mode",
        "paid": "Payé",
        "reason": "Motif",
        "balance": "Solde",
        "kind": "Type",
        "sale": "Vente",
        "payment": "Règlement",
        "unpay": "Impayer",
        "pay": "Payer",
        "ok": "Ok",
        "cancel": "Annuler",
        "select_line": "Sélectionner la ligne",
        "unpay_title": "Impayer le règlement",
        "pay_title": "Payer l'échéance",
        "represent_date": "Date de l'échéance représentée",
        "represent_label": "Libellé de l'échéance représentée",
        "several": "plusieurs échéances",
        "instalment_date": "Date de l'échéance {n}",
        "instalment_amount": "Montant de l'échéance {n}",
        "must_add_up": "Les échéances doivent totaliser le montant impayé et les frais : {total}.",
        "payment_mode": "Mode de paiement",
        "fee": "Frais de rejet",
        "no_fee": "Pas de frais",
        "payment_date": "Date du règlement",
        "price": "Prix",
        "article_code": "Code article",
        "save": "Enregistrer",
        "rejection_fees": "Frais de rejet",
        "catalogue": "Catalogue",
        "when": "Quand",
        "who": "Qui",
        "what": "Quoi",
        "detail": "Détail",
        "as_of_banner": "Date de travail fixée au {day}",
        "blocked_reason": (
            "Bloqué : {count} échéance(s) impayée(s), {amount}, due(s) depuis le {since}"
        ),
        "wrong_code": "Nom ou code d'utilisateur incorrect.",
        "throttled": "Trop de tentatives : réessayez dans 15 minutes.",
        "forbidden": "Action non autorisée pour votre rôle.",
        "refused": "Refusé : {message}",
        "bad_amount": "{field} : {value!r} n'est pas un montant comme 39,00.",
        "bad_date": "{field} : {value!r} n'est pas une date comme 05/07/2010.",
        "required": "{field} : obligatoire.",
        "cannot_unpay": "Cette ligne ne peut pas passer en impayé.",
        "cannot_pay": "Cette ligne ne peut pas être payée.",
        "saved": "Enregistré.",
        "SCHEDULED": "À payer",
        "SUBMITTED": "Transmis",
        "PAID": "Payé",
        "UNPAID": "Impayé",
        "CANCELLED": "Annulé",
        "DIRECT_DEBIT": "Prélèvement",
        "CHEQUE": "Chèque",
        "CASH": "Espèces",
        "CARD": "Carte",
        "TRANSFER": "Virement",
        "ACTIVE": "Actif",
        "REVOKED": "Révoqué",
        "FLAGGED": "À corriger",
        "collections": "Prélèvements",
        "bank_returns": "Retours banque",
        "notices": "Relances",
        "access": "Accès",
        "accounting": "Comptabilité",
        "next_collection": "Prochain prélèvement",
        "preview": "{n} échéance(s) à prélever pour {total}, en {files} fichier(s).",
        "skipped": "Échéances écartées",
        "line": "Ligne",
        "generate": "Générer",
        "collection_running": "Un prélèvement est déjà en cours : attendez qu'il se termine.",
        "collection_done": "Prélèvement généré : {n} échéance(s), {files} fichier(s), {total}.",
        "bank_files": "Fichiers remis à la banque",
        "created": "Créé le",
        "format": "Format",
        "lines": "Lignes",
        "file": "Fichier",
        "download": "Télécharger",
        "rejected": "Rejeté",
        "batches": "Remises",
        "nothing": "Rien à afficher.",
        "total": "Total",
        "return_files": "Fichiers de la banque (pain.002, camt.054)",
        "import": "Importer",
        "size_limit": "{n} octets au plus par fichier.",
        "no_file": "Choisissez au moins un fichier.",
        "too_many_files": "{n} fichiers au plus à la fois.",
        "import_outcome": "Résultat de l'import",
        "applied": "Appliqués",
        "unmatched": "Non rapprochés",
        "to_review": "À traiter",
        "duplicates": "Doublons",
        "refused_why": "Refusé (pourquoi)",
        "review_queue": "À traiter",
        "why_review": "Raison",
        "handle": "Traiter l'élément",
        "candidate_lines": "Lignes possibles",
        "note": "Note",
        "apply_line": "Appliquer à cette ligne",
        "dismiss": "Écarter",
        "line_required": "Choisissez la ligne à laquelle appliquer le retour.",
        "recent_imports": "Imports récents",
        "blocked_list": "Clients bloqués",
        "overdue": "Impayé",
        "since": "Depuis le",
        "blocked_why": "{amount} impayé(s) depuis le {since}",
        "from": "Du",
        "to": "Au",
        "as_of": "À la date du",
        "show": "Afficher",
        "report_batches": "Remises",
        "report_ageing": "Balance âgée",
        "report_returns": "Impayés par motif",
        "report_journal": "Journal",
        "returns_chart": "Montant des impayés par code motif",
        "yes": "oui",
        "no": "non",
    },
    "en": {
        "app": "Member back office",
        "login_title": "Sign in",
        "user_name": "User name",
        "user_code": "User code",
        "activate": "Sign in",
        "logout": "Sign out",
        "customers": "Customers",
        "articles": "Articles",
        "audit": "Audit trail",
        "search": "Search",
        "search_label": "Name, customer id, mandate reference or IBAN's last four",
        "code": "Id",
        "name": "Name",
        "town": "Town",
        "state": "State",
        "allowed": "Allowed",
        "blocked": "Blocked",
        "no_result": "No customer found.",
        "card": "Customer card",
        "address": "Address",
        "email": "E-mail",
        "mandates": "Mandates",
        "reference": "Reference",
        "iban": "IBAN",
        "status": "Status",
        "sequence": "Sequence",
        "last_collection": "Last collection",
        "pending_amendment": "Pending amendment",
        "financial": "Ledger",
        "mandate": "Mandate",
        "signed_on": "Signed on",
        "bic": "BIC",
        "date": "Date",
        "due_date": "Due",
        "label": "Label",
        "amount": "Amount",
        "mode": "Mode",
        "paid": "Paid",
        "reason": "Reason",
        "balance": "Balance",
        "kind": "Kind",
        "sale": "Sale",
        "payment": "Payment",
        "unpay": "Unpaid",
        "pay": "Pay",
        "ok": "Ok",
        "cancel": "Cancel",
        "select_line": "Select the line",
        "unpay_title": "Mark the payment unpaid",
        "pay_title": "Pay the instalment",
        "represent_date": "Date of the re-presented instalment",
        "represent_label": "Label of the re-presented instalment",
        "several": "several instalments",
        "instalment_date": "Date of instalment {n}",
        "instalment_amount": "Amount of instalment {n}",
        "must_add_up": "The instalments must add up to the unpaid amount and the fee: {total}.",
        "payment_mode": "Payment mode",
        "fee": "Rejection fee",
        "no_fee": "No fee",
        "payment_date": "Payment date",
        "price": "Price",
        "article_code": "Article code",
        "save": "Save",
        "rejection_fees": "Rejection fees",
        "catalogue": "Catalogue",
        "when": "When",
        "who": "Who",
        "what": "What",
        "detail": "Detail",
        "as_of_banner": "Working date pinned to {day}",
        "blocked_reason": "Blocked: {count} overdue instalment(s), {amount}, due since {since}",
        "wrong_code": "Wrong user name or code.",
        "throttled": "Too many attempts: try again in 15 minutes.",
        "forbidden": "Your role may not do this.",
        "refused": "Refused: {message}",
        "bad_amount": "{field}: {value!r} is not an amount like 39.00.",
        "bad_date": "{field}: {value!r} is not a date like 2010-07-05.",
        "required": "{field}: required.",
        "cannot_unpay": "This line cannot be marked unpaid.",
        "cannot_pay": "This line cannot be paid.",
        "saved": "Saved.",
        "SCHEDULED": "Open",
        "SUBMITTED": "Submitted",
        "PAID": "Paid",
        "UNPAID": "Unpaid",
        "CANCELLED": "Cancelled",
        "DIRECT_DEBIT": "Direct debit",
        "CHEQUE": "Cheque",
        "CASH": "Cash",
        "CARD": "Card",
        "TRANSFER": "Transfer",
        "ACTIVE": "Active",
        "REVOKED": "Revoked",
        "FLAGGED": "To correct",
        "collections": "Collections",
        "bank_returns": "Bank returns",
        "notices": "Notices",
        "access": "Access",
        "accounting": "Accounting",
        "next_collection": "Next collection",
        "preview": "{n} instalment(s) to collect for {total}, in {files} file(s).",
        "skipped": "Skipped instalments",
        "line": "Line",
        "generate": "Generate",
        "collection_running": "A collection is already running: wait for it to finish.",
        "collection_done": "Collection generated: {n} instalment(s), {files} file(s), {total}.",
        "bank_files": "Files for the bank",
        "created": "Created",
        "format": "Format",
        "lines": "Lines",
        "file": "File",
        "download": "Download",
        "rejected": "Rejected",
        "batches": "Batches",
        "nothing": "Nothing to show.",
        "total": "Total",
        "return_files": "Bank files (pain.002, camt.054)",
        "import": "Import",
        "size_limit": "At most {n} bytes per file.",
        "no_file": "Choose at least one file.",
        "too_many_files": "At most {n} files at once.",
        "import_outcome": "Import outcome",
        "applied": "Applied",
        "unmatched": "Unmatched",
        "to_review": "To review",
        "duplicates": "Duplicates",
        "refused_why": "Refused (why)",
        "review_queue": "Review queue",
        "why_review": "Why",
        "handle": "Handle item",
        "candidate_lines": "Possible lines",
        "note": "Note",
        "apply_line": "Apply to this line",
        "dismiss": "Dismiss",
        "line_required": "Choose the line the return applies to.",
        "recent_imports": "Recent imports",
        "blocked_list": "Blocked customers",
        "overdue": "Overdue",
        "since": "Since",
        "blocked_why": "{amount} overdue since {since}",
        "from": "From",
        "to": "To",
        "as_of": "As of",
        "show": "Show",
        "report_batches": "Batches",
        "report_ageing": "Ageing",
        "report_returns": "Returns by reason",
        "report_journal": "Journal",
        "returns_chart": "Unpaid amount by reason code",
        "yes": "yes",
        "no": "no",
    },
}


class Text:
    """Words and formats of one language, for the templates."""

    def __init__(self, language: str):
        self.language = language if language in WORDS else "fr"
        self.words = WORDS[self.language]

    def __call__(self, key: str, **values) -> str:
        word = self.words.get(key, key)
        return word.format(**values) if values else word

    def money(self, cents: int | None) -> str:
        if cents is None:
            return ""
        sign = "-" if cents < 0 else ""
        whole, part = divmod(abs(cents), 100)
        if self.language == "fr":
            return f"{sign}{whole:,}".replace(",", " ") + f",{part:02d} €"
        return f"{sign}€{whole:,}.{part:02d}"

    def amount_input(self, cents: int | None) -> str:
        """An amount as an input's value: ``39,00`` (fr) or ``39.00`` (en)."""
        if cents is None:
            return ""
        sign = "-" if cents < 0 else ""
        whole, part = divmod(abs(cents), 100)
        separator = "," if self.language == "fr" else "."
        return f"{sign}{whole}{separator}{part:02d}"

    def day(self, value: date | None) -> str:
        if value is None:
            return ""
        return value.strftime("%d/%m/%Y") if self.language == "fr" else value.isoformat()


def parse_money(text: Text, value: str, field: str) -> int:
    """``39,00``, ``39.00``, ``1 234,56 €`` → cents; a message in the user's language else."""
    raw = (value or "").strip().replace("€", "").replace("\u00a0", "").replace(" ", "")
    try:
        return parse_amount(raw.replace(",", "."), record=field, field="amount")
    except InvalidInput:
        raise FormError(text("bad_amount", field=field, value=value)) from None


def parse_day(text: Text, value: str, field: str) -> date:
    raw = (value or "").strip()
    try:
        if "/" in raw:
            day, month, year = raw.split("/")
            return date(int(year), int(month), int(day))
        return date.fromisoformat(raw)
    except ValueError:
        raise FormError(text("bad_date", field=field, value=value)) from None


class FormError(Exception):
    """A field of a form the back office must correct (shown in the dialog)."""
