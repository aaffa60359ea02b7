"""E-mail-ready notices (``.eml``): pre-notifications and dunning letters, French or English.

Rendering is pure (the day is passed in); ``write_pending`` writes to the notices folder the
notices recorded in the database and not written yet, then marks them written: a crash between
the commit and the write loses nothing, and a file that the mail sender has taken away is never
written (sent) again.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from sqlalchemy import select, update

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
        "day": ("jour", "jours"),
        "dunning_fee": "Des frais de relance de {fee} EUR ont été ajoutés à votre compte.\n",
        "dunning": (
            "Bonjour {name},\n\n"
            "Sauf erreur de notre part, votre compte présente {amount} EUR d'échéances impayées "
            "depuis le {since} ({days} {day_word}).\n\n{details}\n{fee}\n"
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
        "day": ("day", "days"),
        "dunning_fee": "A dunning fee of {fee} EUR has been added to your account.\n",
        "dunning": (
            "Dear {name},\n\n"
            "Our records show {amount} EUR of unpaid instalments on your account since {since} "
            "({days} {day_word}).\n\n{details}\n{fee}\n"
            "Please settle it as soon as possible; access to the facility is suspended until "
            "payment.\n\nKind regards,\n{creditor}\n"
        ),
    },
}


def file_name(*parts: object) -> str:
    """A safe ``.eml`` file name from its parts (customer codes may hold any character).

    >>> file_name("dunning", "C 001/x", "20100720", "level1")
    'dunning-C_001_x-20100720-level1.eml'
    """
    return "-".join(re.sub(r"[^A-Za-z0-9_.]", "_", str(part)) for part in parts) + ".eml"


def _money(cents: int, language: str) -> str:
    """An amount as the reader writes it: ``57,00`` in French, ``57.00`` in English."""
    text = format_amount(cents)
    return text.replace(".", ",") if language == "fr" else text


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
        "amount": _money(amount_cents, language),
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
    fee_cents: int = 0,
) -> str:
    """A dunning letter: the level's title, the overdue instalments, the fee if one was added."""
    texts = TEXTS[language]
    colon = " :" if language == "fr" else ":"
    details = "\n".join(
        f"  - {label} ({_format_day(due, language)}){colon} {_money(amount, language)} EUR"
        for label, due, amount in lines
    )
    fee = texts["dunning_fee"].format(fee=_money(fee_cents, language)) if fee_cents else ""
    values = {
        "name": name,
        "amount": _money(overdue_cents, language),
        "title": title,
        "since": _format_day(since, language),
        "days": (day - since).days,
        "day_word": texts["day"][(day - since).days > 1],
        "details": details,
        "fee": fee,
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
    """Write every recorded notice not written yet; returns the paths written.

    A file already there (written before a crash) is kept as it is and only marked written.
    """
    pending: list[tuple[type, int, Path, str]] = []
    with db.reader() as session:
        for model in (PreNotification, DunningNotice):
            query = select(model.id, model.path, model.body).where(
                model.written.is_(False), model.path.is_not(None)
            )
            pending += [
                (model, id_, Path(path), body) for id_, path, body in session.execute(query)
            ]
    written = [target for _, _, target, body in pending if _write(target, body)]
    if pending:
        with db.transaction() as session:
            for model in (PreNotification, DunningNotice):
                ids = [id_ for kind, id_, _, _ in pending if kind is model]
                if ids:
                    session.execute(update(model).where(model.id.in_(ids)).values(written=True))
    return written


def _write(target: Path, body: str) -> bool:
    """Write ``body`` to ``target`` atomically unless the file is there already."""
    if target.exists():
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.write_text(body, encoding="utf-8")
    temporary.replace(target)
    return True
