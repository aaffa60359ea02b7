"""The ``.eml`` notices as files: headers and body any mail reader decodes to the very text of
the notice, and ``write_pending`` writing what was recorded and not written yet, by chunks."""

from __future__ import annotations

from datetime import date
from email import message_from_bytes, message_from_string, policy

import pytest
from sqlalchemy import select

from sepa_batch import notices
from sepa_batch.db.schema import PreNotification
from sepa_batch.domain.model import Mode
from sepa_batch.services import sales

LABEL = "Re-presentation of unpaid Abonnement mensuel 07/2010 (tarif famille) of 05/07/2010"


def prenotification(**changes) -> str:
    values = {
        "language": "fr",
        "sender": "Trésorerie du Club <tresorerie@club.example>",
        "creditor": "Club Sportif Étoile",
        "creditor_id": "FR72ZZZ123456",
        "name": "Élodie Martin",
        "email": "elodie.martin@example.fr",
        "amount_cents": 5700,
        "due": date(2010, 8, 5),
        "label": LABEL,
        "mandate": "CLUB-C001-2010",
        "day": date(2010, 7, 20),
        "line_id": 9,
    }
    return notices.prenotification(**{**values, **changes})


def test_a_prenotification_reads_back_the_same_whatever_the_reader():
    text = prenotification()
    assert text.isascii()  # RFC 2047 subject and sender, quoted-printable body
    assert max(len(line) for line in text.splitlines()) <= 78
    for email in (
        message_from_string(text, policy=policy.default),
        message_from_bytes(text.encode("ascii"), policy=policy.default),
    ):
        assert email["From"] == "Trésorerie du Club <tresorerie@club.example>"
        assert email["To"] == "elodie.martin@example.fr"
        assert email["Subject"] == "Prélèvement SEPA du 05/08/2010 : 57,00 EUR"
        assert email["Date"] == "Tue, 20 Jul 2010 00:00:00 +0000"
        assert email["Message-ID"] == "<prenotification-9@sepa-batch>"
        assert email.get_content_type() == "text/plain"
        assert email.get_content() == (
            "Bonjour Élodie Martin,\n\n"
            "Nous vous informons qu'un prélèvement SEPA de 57,00 EUR sera présenté sur votre "
            "compte le 05/08/2010.\n"
            f"Il correspond à : {LABEL}.\n\n"
            "Référence unique du mandat (RUM) : CLUB-C001-2010\n"
            "Identifiant créancier SEPA (ICS) : FR72ZZZ123456\n\n"
            "Cordialement,\nClub Sportif Étoile\n"
        )


def test_short_ascii_lines_are_kept_as_written():
    text = notices.render_email(
        sender="club@example.org", to=None, subject="SEPA direct debit on 2010-08-05",
        body="Dear Bob,\n\nSee you.", day=date(2010, 7, 20), message_id="prenotification-12",
    )  # fmt: skip
    assert text == (
        "From: club@example.org\n"
        "To: undisclosed-recipients:;\n"
        "Subject: SEPA direct debit on 2010-08-05\n"
        "Date: Tue, 20 Jul 2010 00:00:00 +0000\n"
        "Message-ID: <prenotification-12@sepa-batch>\n"
        'Content-Type: text/plain; charset="utf-8"\n'
        "Content-Transfer-Encoding: 7bit\n"
        "MIME-Version: 1.0\n"
        "\n"
        "Dear Bob,\n\nSee you.\n"
    )


def test_a_header_never_takes_a_line_break():
    with pytest.raises(ValueError, match="Subject"):
        notices.dunning_letter(
            language="en", sender="club@example.org", creditor="Club", name="Bob", email=None,
            title="Reminder\nBcc: everyone@example.org", overdue_cents=100,
            since=date(2010, 7, 5), day=date(2010, 7, 6), lines=[], notice_key="1",
        )  # fmt: skip


def _recorded(db, count: int, folder) -> list[int]:
    """``count`` pre-notifications recorded, not written yet."""
    ids = []
    for number in range(count):
        line = sales.add_instalment(
            db, "C001", amount_cents=1000 + number, due=date(2010, 8, 5),
            mode=Mode.DIRECT_DEBIT, label=None, today=date(2010, 7, 20),
        )  # fmt: skip
        with db.transaction() as session:
            notice = PreNotification(
                line_id=line,
                issued_on=date(2010, 7, 20),
                path=str(folder / f"notice-{number}.eml"),
                body=f"body {number}\n",
            )
            session.add(notice)
            session.flush()
            ids.append(notice.id)
    return ids


def test_write_pending_writes_what_is_not_written_by_chunks(club, config, monkeypatch):
    monkeypatch.setattr(notices, "WRITE_CHUNK", 2)
    folder = config.folders.notices
    _recorded(club, 5, folder)
    (folder / "notice-1.eml").write_text("written before a crash\n", encoding="utf-8")

    written = notices.write_pending(club)
    assert sorted(path.name for path in written) == [
        "notice-0.eml",
        "notice-2.eml",
        "notice-3.eml",
        "notice-4.eml",
    ]
    assert (folder / "notice-3.eml").read_text(encoding="utf-8") == "body 3\n"
    assert (folder / "notice-1.eml").read_text(encoding="utf-8") == "written before a crash\n"
    with club.reader() as session:
        assert set(session.execute(select(PreNotification.written)).scalars()) == {True}
    assert not list(folder.glob(".*.tmp"))

    # the mail sender took a file away: it is never written again; only a new notice is
    (folder / "notice-0.eml").unlink()
    _recorded(club, 1, folder / "new")
    written = notices.write_pending(club)
    assert [(path.parent.name, path.name) for path in written] == [("new", "notice-0.eml")]
    assert not (folder / "notice-0.eml").exists()
    assert notices.write_pending(club) == []
