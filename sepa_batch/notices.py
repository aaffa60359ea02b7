"""E-mail-ready notices (``.eml``): pre-notifications and dunning letters, French or English.

Rendering (``file_name``, ``render_email``, ``prenotification``, ``dunning_letter``) is pure: the
day is passed in, nothing is read or written; the services record the rendered text in their
transaction. ``write_pending`` is the one function with effects: after the commit it writes to
the notices folder the notices recorded in the database and not written yet, then marks them
written — a crash between the commit and the write loses nothing, and a file that the mail
sender has taken away is never written (sent) again.
"""

from __future__ import annotations

import binascii
import os
import re
from datetime import UTC, date, datetime
from email import message_from_string
from email import policy as email_policy
from email.charset import Charset
from email.header import Header
from email.headerregistry import Address as HeaderAddress
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, getaddresses, parseaddr
from functools import lru_cache
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


#: The longest line an e-mail should hold (RFC 5322 §2.1.1).
MAX_LINE = 78


_UTF8 = Charset("utf-8")


def _header(name: str, value: str) -> str:
    """One header line; a value that is not short ASCII is RFC 2047-encoded and folded."""
    if "\r" in value or "\n" in value:
        raise ValueError(f"{name}: a header value may not contain a line break: {value!r}")
    if value.isascii():
        if len(name) + 2 + len(value) <= MAX_LINE:
            return f"{name}: {value}\n"
    elif value.splitlines() == [value]:  # (``Header`` makes a line of each part)
        # One encoded word, by the same ``email.charset`` encoder that ``Header`` folds with
        # (q or b, whichever is shorter): when it fits on the line, ``Header`` would not fold
        # it, and this is what it would give, at a tenth of the cost — its folding tries every
        # prefix of the value. The subjects of a large return file take this path (issue 17).
        word = _UTF8.header_encode(value)
        if len(name) + 2 + len(word) <= MAX_LINE:
            return f"{name}: {word}\n"
    return _encoded_header(name, value)


@lru_cache(maxsize=1024)  # subjects repeat: one amount and due date for many members
def _encoded_header(name: str, value: str) -> str:
    """The header folded by ``email.header`` (RFC 2047 encoded words for a value not ASCII)."""
    charset = "us-ascii" if value.isascii() else "utf-8"
    return f"{name}: {Header(value, charset, header_name=name).encode()}\n"


@lru_cache(maxsize=256)  # the sender is the same on every notice
def _addresses(value: str) -> str:
    """An address header's value, display names RFC 2047-encoded when they are not ASCII."""
    if value.isascii():
        return value
    return ", ".join(formataddr(pair, charset="utf-8") for pair in getaddresses([value]))


def render_email(
    *, sender: str, to: str | None, subject: str, body: str, day: date, message_id: str
) -> str:
    """The ``.eml`` text: headers (the subject RFC 2047-encoded), then the UTF-8 body, quoted-
    printable unless it is short-lined ASCII (so that the file itself is ASCII and any reader
    decodes it). Built directly: the notices of a large return file are rendered inside its
    transaction."""
    if not body.endswith("\n"):
        body += "\n"
    if body.isascii() and max(map(len, body.split("\n"))) <= MAX_LINE:
        encoding, text = "7bit", body
    else:
        encoding = "quoted-printable"
        text = binascii.b2a_qp(body.encode("utf-8"), istext=True).decode("ascii")
    return (
        _header("From", _addresses(sender))
        + _header("To", _addresses(to) if to else "undisclosed-recipients:;")
        + _header("Subject", subject)
        + f"Date: {format_datetime(datetime(day.year, day.month, day.day, tzinfo=UTC))}\n"
        + _header("Message-ID", f"<{message_id}@sepa-batch>")
        + 'Content-Type: text/plain; charset="utf-8"\n'
        + f"Content-Transfer-Encoding: {encoding}\n"
        + "MIME-Version: 1.0\n\n"
        + text
    )


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


#: Notices read, written and marked at a time by ``write_pending``.
WRITE_CHUNK = 1000


def write_pending(db: Database) -> list[Path]:
    """Write every recorded notice not written yet; returns the paths written.

    Only the notices not marked written are read (ids first, then their text by chunks, so a
    large import's notices never sit in memory at once); each chunk is marked written once its
    files are there. A file already there (written before a crash) is kept as it is and only
    marked written.
    """
    written: list[Path] = []
    folders: set[Path] = set()
    for model in (PreNotification, DunningNotice):
        with db.reader() as session:
            ids = list(
                session.execute(
                    select(model.id)
                    .where(model.written.is_(False), model.path.is_not(None))
                    .order_by(model.id)
                ).scalars()
            )
        for start in range(0, len(ids), WRITE_CHUNK):
            chunk = ids[start : start + WRITE_CHUNK]
            with db.reader() as session:
                rows = session.execute(
                    select(model.path, model.body).where(model.id.in_(chunk)).order_by(model.id)
                ).all()
            written += [Path(path) for path, body in rows if _write(Path(path), body, folders)]
            with db.transaction() as session:
                session.execute(update(model).where(model.id.in_(chunk)).values(written=True))
    return written


def _write(target: Path, body: str, folders: set[Path]) -> bool:
    """Write ``body`` to ``target`` atomically unless the file is there already."""
    if os.path.exists(target):
        return False
    if target.parent not in folders:
        target.parent.mkdir(parents=True, exist_ok=True)
        folders.add(target.parent)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(body)
    os.replace(temporary, target)
    return True


# --- the e-mail as sent over SMTP ----------------------------------------------------------------
FOOTER = {
    "fr": "Identifiant créancier SEPA (ICS) : {creditor_id}",
    "en": "Creditor identifier (CI): {creditor_id}",
}


def club_footer(creditor, language: str) -> str:
    """The club's details under every message: name, postal address, creditor identifier."""
    address = creditor.address
    street = " ".join(p for p in (address.building_number, address.street) if p)
    town = " ".join(p for p in (address.postcode, address.town) if p)
    lines = [creditor.name, street, f"{town} ({address.country})" if town else address.country]
    lines.append(FOOTER[language].format(creditor_id=creditor.creditor_id))
    return "-- \n" + "\n".join(line for line in lines if line) + "\n"


def email_message(
    stored: str,
    *,
    sender: str,
    reply_to: str | None,
    to: str,
    message_id: str,
    when: datetime,
    language: str,
    creditor,
) -> EmailMessage:
    """The message sent for a recorded notice (``stored``: its ``.eml`` text): the notice's
    subject and text, the club's details under it, and the headers of an automatic message.

    Built with the standard ``email`` package (policy SMTP: CRLF lines, RFC 2047 headers, the
    UTF-8 body quoted-printable or base64 as its text needs).
    """
    notice = message_from_string(stored, policy=email_policy.default)
    body = notice.get_content()
    if not body.endswith("\n"):
        body += "\n"
    name, address = parseaddr(sender)
    message = EmailMessage(policy=email_policy.SMTP)
    message["From"] = HeaderAddress(display_name=name or creditor.name, addr_spec=address)
    message["To"] = to
    if reply_to:
        message["Reply-To"] = reply_to
    message["Subject"] = str(notice["Subject"])
    message["Date"] = format_datetime(when if when.tzinfo else when.astimezone())
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body + "\n" + club_footer(creditor, language), charset="utf-8")
    message["Content-Language"] = language  # after set_content, which resets Content-*
    return message
