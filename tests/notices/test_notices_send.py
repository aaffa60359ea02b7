"""Notices e-mailed over SMTP to a real server (aiosmtpd on 127.0.0.1): what arrives, once;
members without e-mail listed for printing; a refusal failed with the reason; a server down
retried later and later, then failed; the rate limit; the configuration's checks."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from conftest import write_config
from notices.notices_support import DAY, NOW, dunning_notices, free_port, smtp_section
from sqlalchemy import select, update
from support import FIXTURES

from sepa_batch import collection
from sepa_batch import config as config_module
from sepa_batch.db.schema import Customer, LedgerLine, NoticeDelivery
from sepa_batch.db.session import Database
from sepa_batch.errors import InvalidInput, InvalidInputs, SepaBatchError
from sepa_batch.services import delivery, master_data, sales
from sepa_batch.unpaid import UnpayOptions, unpay


def rows(db) -> list[NoticeDelivery]:
    with db.reader() as session:
        return list(session.execute(select(NoticeDelivery).order_by(NoticeDelivery.id)).scalars())


def test_a_prenotification_arrives_once_as_proper_mime(smtp_db, smtp_config, mailbox, prenotified):
    result = delivery.send_notices(smtp_db, smtp_config, NOW)
    assert len(result.sent) == 1 and result.failed == result.retried == []
    [message] = mailbox.messages
    assert mailbox.envelopes == [("tresorerie@club.example", ["elodie.martin@example.fr"])]
    assert message["From"] == "Trésorerie du Club <tresorerie@club.example>"
    assert message["To"] == "elodie.martin@example.fr"
    assert message["Reply-To"] == "bureau@club.example"
    assert message["Subject"] == "Prélèvement SEPA du 05/08/2010 : 60,00 EUR"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Content-Language"] == "fr"
    assert message["Date"].datetime.replace(tzinfo=None) == NOW
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    assert message["Content-Transfer-Encoding"] in ("quoted-printable", "base64")
    # on the wire: ASCII only, CRLF lines, the subject RFC 2047-encoded
    raw = message.as_bytes()
    assert raw.isascii() and b"Subject: =?utf-8?" in raw
    text = message.get_content().replace("\r\n", "\n")
    for fact in (
        "60,00 EUR",  # amount
        "le 05/08/2010",  # requested collection date
        "Référence unique du mandat (RUM) : CLUB-C001-2010",
        "Identifiant créancier SEPA (ICS) : FR72ZZZ123456",
        "Club Sportif de Démonstration\n12 Rue du Stade\n69003 Lyon (FR)",  # the club
    ):
        assert fact in text, fact

    [row] = rows(smtp_db)
    assert (row.kind, row.status, row.attempts, row.recipient) == (
        "prenotification", "sent", 1, "elodie.martin@example.fr",
    )  # fmt: skip
    assert row.message_id == message["Message-ID"]
    assert row.smtp_response == "250 2.0.0 Ok: queued as Q0001"
    assert NOW <= row.sent_at < NOW + timedelta(minutes=1)  # the run's clock, not the machine's

    # a second run sends nothing again
    again = delivery.send_notices(smtp_db, smtp_config, NOW + timedelta(hours=1))
    assert again.sent == [] and len(mailbox.messages) == 1


def test_members_without_e_mail_are_listed_for_printing(cli_run, smtp_db, smtp_config, mailbox):
    dunning_notices(smtp_db, smtp_config, 4, without_email=(2,))
    sent = cli_run.json("notices", "send", "--as-of", DAY.isoformat())
    assert (len(sent["sent"]), sent["to_print"]) == (3, 1)
    assert sorted(to for _, [to] in mailbox.envelopes) == [
        "member1@example.org", "member3@example.org", "member4@example.org",
    ]  # fmt: skip
    [to_print] = cli_run.json("notices", "list", "--print")
    assert (to_print["customer"], to_print["status"], to_print["recipient"]) == (
        "M00002", "print", None,
    )  # fmt: skip
    assert to_print["path"].endswith("dunning-M00002.eml")
    listed = cli_run.json("notices", "list", "--sent")
    assert [row["customer"] for row in listed] == ["M00001", "M00003", "M00004"]
    assert all(row["smtp_response"].startswith("250 ") and row["sent_at"] for row in listed)
    table = cli_run("notices", "list").stdout
    assert "print" in table and "dunning-M00002.eml" in table and "4 notice(s)" in table


def test_a_refused_recipient_is_failed_with_the_reason_and_not_retried(
    cli_run, smtp_db, smtp_config, mailbox
):
    dunning_notices(smtp_db, smtp_config, 2)
    mailbox.refuse.add("member1@example.org")
    result = delivery.send_notices(smtp_db, smtp_config, NOW)
    assert len(result.sent) == 1 and len(result.failed) == 1
    failed, sent = rows(smtp_db)
    assert (failed.status, failed.attempts, failed.next_attempt_at) == ("failed", 1, None)
    assert failed.last_error.startswith("recipient refused: 550 5.1.1 <member1@example.org>")
    assert sent.status == "sent"
    # later runs never try it again
    for hours in (1, 5, 48):
        delivery.send_notices(smtp_db, smtp_config, NOW + timedelta(hours=hours))
    assert mailbox.rcpt_attempts.count("member1@example.org") == 1
    [listed] = cli_run.json("notices", "list", "--failed")
    assert listed["customer"] == "M00001" and "550" in listed["last_error"]


def test_a_server_down_is_retried_later_and_later_then_failed(tmp_path, database_url):
    port = free_port()  # nobody listens there
    config = config_module.load(write_config(tmp_path, database_url, smtp_section(port)))
    db = Database(config.database_url)
    db.migrate()
    dunning_notices(db, config, 1)
    now, waits = NOW, []
    for attempt in range(1, delivery.MAX_ATTEMPTS + 1):
        result = delivery.send_notices(db, config, now)
        assert result.unreachable and f"127.0.0.1:{port}" in result.unreachable
        [row] = rows(db)
        assert row.attempts == attempt
        if attempt < delivery.MAX_ATTEMPTS:
            assert row.status == "queued" and "127.0.0.1" in row.last_error
            waits.append(row.next_attempt_at - now)
            # not tried again before its time
            delivery.send_notices(db, config, row.next_attempt_at - timedelta(seconds=1))
            assert rows(db)[0].attempts == attempt
            now = row.next_attempt_at
    assert waits == [timedelta(minutes=m) for m in (5, 10, 20, 40)]
    assert (row.status, row.next_attempt_at) == ("failed", None)
    assert row.last_error.startswith(f"gave up after {delivery.MAX_ATTEMPTS} attempts: ")
    # failed stays failed
    delivery.send_notices(db, config, now + timedelta(days=1))
    assert rows(db)[0].attempts == delivery.MAX_ATTEMPTS
    db.dispose()


def test_a_temporary_refusal_is_retried_and_then_sent(smtp_db, smtp_config, mailbox):
    dunning_notices(smtp_db, smtp_config, 1)
    mailbox.refuse.add("member1@example.org")

    async def greylist(server, session, envelope, address, rcpt_options):
        mailbox.rcpt_attempts.append(address)
        if address in mailbox.refuse:
            return "451 4.7.1 Greylisted, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    mailbox.handle_RCPT = greylist
    delivery.send_notices(smtp_db, smtp_config, NOW)
    [row] = rows(smtp_db)
    assert (row.status, row.attempts, row.next_attempt_at) == (
        "queued", 1, NOW + timedelta(minutes=5),
    )  # fmt: skip
    first_id = row.message_id
    mailbox.refuse.clear()
    delivery.send_notices(smtp_db, smtp_config, NOW + timedelta(minutes=5))
    [row] = rows(smtp_db)
    assert (row.status, row.attempts, row.message_id) == ("sent", 2, first_id)
    assert mailbox.message_ids() == [first_id]


@pytest.mark.parametrize(
    ("count", "pauses", "seconds"),
    [(5, [60.0, 60.0], [0, 0, 60, 60, 120]), (4, [60.0], [0, 0, 60, 60])],
)
def test_the_rate_limit_spaces_the_messages(
    tmp_path, database_url, mailbox, count, pauses, seconds
):
    """2 a minute: 2, a pause, 2, a pause, ...; and no pause after the last one."""
    path = write_config(tmp_path, database_url, smtp_section(mailbox.port, max_per_minute="2"))
    config = config_module.load(path)
    db = Database(config.database_url)
    db.migrate()
    dunning_notices(db, config, count)
    clock = [1000.0]
    sleeps = []

    def sleep(seconds):
        sleeps.append(seconds)
        clock[0] += seconds

    result = delivery.send_notices(db, config, NOW, sleep=sleep, monotonic=lambda: clock[0])
    assert len(result.sent) == count and len(mailbox.messages) == count
    assert sleeps == pauses
    assert [row.sent_at for row in rows(db)] == [NOW + timedelta(seconds=s) for s in seconds]
    db.dispose()


def test_an_address_that_cannot_be_a_header_is_failed_not_sent(smtp_db, smtp_config, mailbox):
    dunning_notices(smtp_db, smtp_config, 2)
    with smtp_db.transaction() as session:
        session.execute(
            update(Customer)
            .where(Customer.code == "M00001")
            .values(email="member1@example.org\nBcc: everyone@example.org")
        )
    result = delivery.send_notices(smtp_db, smtp_config, NOW)
    assert (result.failed, result.sent) == ([1], [2])
    failed = rows(smtp_db)[0]
    assert failed.status == "failed" and failed.last_error.startswith("cannot make the message")
    assert [to for _, [to] in mailbox.envelopes] == ["member2@example.org"]


def test_without_smtp_the_notices_stay_files(run):
    result = run("notices", "send", expect=1)
    assert "no [smtp] section" in result.stderr and "notices stay files" in result.stderr


def test_the_password_comes_from_the_environment_only(tmp_path, database_url, monkeypatch):
    section = smtp_section(2525, user='"club"', password_env='"CLUB_SMTP_PASSWORD"')
    config = config_module.load(write_config(tmp_path, database_url, section))
    assert config.smtp.password_env == "CLUB_SMTP_PASSWORD"
    assert "secret" not in repr(config)
    monkeypatch.delenv("CLUB_SMTP_PASSWORD", raising=False)
    with pytest.raises(InvalidInput, match=r"smtp\.password_env: the environment variable "):
        delivery.send_notices(None, config, NOW)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"password": '"hunter2"'}, "smtp.password: unknown key"),
        ({"security": '"tls"'}, "smtp.security: 'tls' is not one of starttls, ssl, none"),
        ({"port": "0"}, "smtp.port: must be between 1 and 65535"),
        ({"port": '"587"'}, "smtp.port: expected int"),
        ({"sender": '"tresorerie"'}, "smtp.sender: 'tresorerie' is not an e-mail address"),
        ({"reply_to": '"nobody"'}, "smtp.reply_to: 'nobody' is not an e-mail address"),
        ({"max_per_minute": "0"}, "smtp.max_per_minute: must be between 1 and 100000"),
        ({"password_env": '"p@ss w0rd!"'}, "smtp.password_env: must be the NAME"),
        ({"user": '"club"'}, "smtp.password_env: missing (required when smtp.user is set)"),
        ({"host": '""'}, "smtp.host: must not be empty"),
    ],
)
def test_smtp_settings_are_checked_key_by_key(tmp_path, changes, message):
    path = write_config(tmp_path, "sqlite://", smtp_section(25, **changes))
    with pytest.raises(InvalidInput) as caught:
        config_module.load(path)
    assert message in str(caught.value)
    assert "hunter2" not in str(caught.value)


def test_the_port_follows_the_security_by_default(tmp_path):
    text = '\n[smtp]\nhost = "smtp.gmail.com"\nsender = "club@gmail.com"\n'
    assert config_module.load(write_config(tmp_path, "sqlite://", text)).smtp == (
        config_module.SmtpSettings(
            host="smtp.gmail.com", port=587, security="starttls", user=None, password_env=None,
            sender="club@gmail.com", reply_to=None, max_per_minute=30,
        )
    )  # fmt: skip
    ssl = text + 'security = "ssl"\n'
    assert config_module.load(write_config(tmp_path, "sqlite://", ssl)).smtp.port == 465


def test_resolve_refuses_a_notice_that_is_not_uncertain(cli_run, smtp_db, smtp_config, mailbox):
    dunning_notices(smtp_db, smtp_config, 1)
    delivery.send_notices(smtp_db, smtp_config, NOW)
    result = cli_run("notices", "resolve", "1", "--resend", expect=1)
    assert "notice delivery 1: status: is sent" in result.stderr
    assert "no such delivery" in cli_run("notices", "resolve", "9", "--sent", expect=1).stderr
    with pytest.raises(SepaBatchError):
        delivery.resolve(smtp_db, 1, sent=True, now=NOW)


def test_the_scheduler_sends_the_notices_when_smtp_is_set(cli_run, smtp_db, smtp_config, mailbox):
    dunning_notices(smtp_db, smtp_config, 2)
    listed = [job["name"] for job in cli_run.json("scheduler", "jobs")["jobs"]]
    assert listed[-1] == "notices"
    ran = cli_run.json("scheduler", "run-due", "--as-of", DAY.isoformat())["jobs"]
    assert list(ran)[-1] == "notices"
    assert ran["notices"] == "2 sent, 0 to retry, 0 failed, 0 sent-unknown, 0 to print"
    assert len(mailbox.messages) == 2
    again = cli_run.json("scheduler", "run-due", "--as-of", DAY.isoformat())["jobs"]
    assert again["notices"].startswith("0 sent") and len(mailbox.messages) == 2


def test_a_member_gets_the_notices_in_their_language(smtp_db, smtp_config, mailbox):
    """``language`` in the customers file: C002 reads English; the others the club's French."""
    text = (FIXTURES / "customers.csv").read_text(encoding="utf-8").splitlines()
    rows = [text[0] + ",language"] + [
        line + (",en" if line.startswith("C002,") else ",") for line in text[1:]
    ]
    master_data.import_articles(smtp_db, (FIXTURES / "articles.csv").read_text(encoding="utf-8"))
    master_data.import_customers(smtp_db, "\n".join(rows) + "\n", today=date(2010, 7, 1))
    for code in ("C001", "C002"):
        sales.subscribe(
            smtp_db, code, article="SUB_MONTH", start=date(2010, 7, 1), months=1, day=5,
            today=date(2010, 7, 1),
        )  # fmt: skip
    collection.collect_due(
        smtp_db, smtp_config, today=date(2010, 7, 1), created_at=datetime(2010, 7, 1, 9, 0)
    )
    with smtp_db.reader() as session:
        lines = session.execute(select(LedgerLine.id).where(LedgerLine.status == "SUBMITTED"))
        submitted = list(lines.scalars())
    for line in submitted:
        unpay(smtp_db, smtp_config, line, DAY, UnpayOptions(reason_code="AM04"))
    delivery.send_notices(smtp_db, smtp_config, NOW)
    by_recipient = {str(message["To"]): message for message in mailbox.messages}
    english = by_recipient["f.lefevre@example.fr"]
    assert english["Subject"].startswith("SEPA direct debit on 2010-08-05: ")
    assert english["Content-Language"] == "en"
    body = english.get_content()
    assert "Dear François Lefèvre" in body and "Creditor identifier (CI): FR72ZZZ123456" in body
    french = by_recipient["elodie.martin@example.fr"]
    assert french["Subject"].startswith("Prélèvement SEPA du 05/08/2010")
    assert french["Content-Language"] == "fr"


def test_a_language_the_notices_do_not_speak_is_refused(smtp_db):
    text = (FIXTURES / "customers.csv").read_text(encoding="utf-8").splitlines()
    rows = [text[0] + ",language", text[1] + ",de"]
    refusal = r"customers\.csv line 2: language: 'de' is not fr or en"
    with pytest.raises(InvalidInputs, match=refusal):
        master_data.import_customers(smtp_db, "\n".join(rows) + "\n", today=date(2010, 7, 1))
