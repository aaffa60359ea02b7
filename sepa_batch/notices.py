"""E-mail-ready notices (``.eml``): pre-notifications and dunning letters, French or English.

Rendering is pure (the day is passed in); ``write_pending`` writes to the notices folder the
notices recorded in the database whose file is not there yet, so a crash between the commit and
the write loses nothing and a second run writes nothing twice.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from sqlalchemy import select

from sepa_batch.db.schema import DunningNotice, PreNotification
from sepa_batch.db.session import Database
from sepa_batch.money import format_amount

TEXTS = {
    "fr": {
        "prenotification_subject": "Prélèvement SEPA du {due} : {amount} EUR",
        "prenotification": (
            "Bonjour {name},\n\n"
            "Nous vous informons qu'un prélèvement SEPA de {amount} EUR sera présenté sur votre "
            "compte le {due}.\nIl correspond à : {label}.\n\n"
            "Référence unique du mandat (RUM) : {mandate}\n"
            "Identifiant créancier SEPA (ICS) : {creditor_id}\n\n"
            "Cordialement,\n{creditor}\n"
        ),
        "dunning_subject": "{title} : {amount} EUR en retard",
        "dunning": (
            "Bonjour {name},\n\n"
            "Sauf erreur de notre part, votre compte présente {amount} EUR d'échéances impayées "
            "depuis le {since} ({days} jours).\n\n{details}\n\n"
            "Merci de régulariser votre situation au plus vite ; l'accès à l'établissement est "
            "suspendu jusqu'au paiement.\n\nCordialement,\n{creditor}\n"
        ),
    },
    "en": {
        "prenotification_subject": "SEPA direct debit on {due}: {amount} EUR",
        "prenotification": (
            "Dear {name},\n\n"
            "A SEPA direct debit of {amount} EUR will be collected from your account on {due}.\n"
            "It is for: {label}.\n\n"
            "Mandate reference (UMR): {mandate}\n"
            "Creditor identifier (CI): {creditor_id}\n\n"
            "Kind regards,\n{creditor}\n"
        ),
        "dunning_subject": "{title}: {amount} EUR overdue",
        "dunning": (
            "Dear {name},\n\n"
            "Our records show {amount} EUR of unpaid instalments on your account since {since} "
            "({days} days).\n\n{details}\n\n"
            "Please settle it as soon as possible; access to the facility is suspended until "
            "payment.\n\nKind regards,\n{creditor}\n"
        ),
    },
}


def _format_day(day: date, language: str) -> str:
    return day.strftime("%d/%m/%Y") if language == "fr" else day.isoformat()


def render_email(
    *, sender: str, to: str | None, subject: str, body: str, day: date, message_id: str
) -> str:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to or "undisclosed-recipients:;"
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime(day.year, day.month, day.day, tzinfo=UTC))
    message["Message-ID"] = f"<{message_id}@sepa-batch>"
    message.set_content(body)
    return message.as_string()


def prenotification(
    *,
    language: str,
    sender: str,
    creditor: str,
    creditor_id: str,
    name: str,
    email: str | None,
    amount_cents: int,
    due: date,
    label: str,
    mandate: str,
    day: date,
    line_id: int,
) -> str:
    texts = TEXTS[language]
    values = {
        "name": name,
        "amount": format_amount(amount_cents),
        "due": _format_day(due, language),
        "label": label,
        "mandate": mandate,
        "creditor_id": creditor_id,
        "creditor": creditor,
    }
    return render_email(
        sender=sender,
        to=email,
        subject=texts["prenotification_subject"].format(**values),
        body=texts["prenotification"].format(**values),
        day=day,
        message_id=f"prenotification-{line_id}",
    )


def dunning_letter(
    *,
    language: str,
    sender: str,
    creditor: str,
    name: str,
    email: str | None,
    title: str,
    overdue_cents: int,
    since: date,
    day: date,
    lines: list[tuple[str, date, int]],
    notice_key: str,
) -> str:
    texts = TEXTS[language]
    details = "\n".join(
        f"  - {label} ({_format_day(due, language)}) : {format_amount(amount)} EUR"
        for label, due, amount in lines
    )
    values = {
        "name": name,
        "amount": format_amount(overdue_cents),
        "title": title,
        "since": _format_day(since, language),
        "days": (day - since).days,
        "details": details,
        "creditor": creditor,
    }
    return render_email(
        sender=sender,
        to=email,
        subject=texts["dunning_subject"].format(**values),
        body=texts["dunning"].format(**values),
        day=day,
        message_id=f"dunning-{notice_key}",
    )


def write_pending(db: Database) -> list[Path]:
    """Write every recorded notice whose file is missing; returns the paths written."""
    written = []
    with db.reader() as session:
        for model in (PreNotification, DunningNotice):
            for path, body in session.execute(select(model.path, model.body)):
                target = Path(path)
                if target.exists():
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                temporary = target.with_suffix(".tmp")
                temporary.write_text(body, encoding="utf-8")
                temporary.replace(target)
                written.append(target)
    return written
