"""E-mail delivery of the notices over SMTP (``[smtp]``), each at most once.

A notice recorded by the unpaid or dunning services gets a delivery row (``enqueue``):
``queued`` when its member has an e-mail address, ``print`` otherwise. ``send_notices`` then
takes the queued ones one at a time:

1. **claim**: in one committed transaction the row becomes ``claimed`` by this process, with
   its Message-ID (PostgreSQL: ``SELECT … FOR UPDATE SKIP LOCKED``; SQLite: the write
   transaction's ``BEGIN IMMEDIATE``) — so two senders never take the same notice;
2. **send** over SMTP (MAIL, RCPT, DATA);
3. **mark** it ``sent`` with the server's answer and the time; a refusal (5xx) marks it
   ``failed`` with the reason; a temporary failure (4xx, server down) puts it back in the queue
   after a growing delay, until ``MAX_ATTEMPTS``, then ``failed``.

A process that dies between 2 and 3 leaves the row ``claimed``: nobody knows whether the
server took the message. The next run finds it (its sender is no longer running on this host,
or its claim is older than ``CLAIM_LEASE``) and marks it ``sent_unknown``: it is never sent
again blind; a person checks and says ``notices resolve ID --sent`` or ``--resend``.
"""

from __future__ import annotations

import os
import signal
import smtplib
import socket
import ssl
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.utils import parseaddr

from sqlalchemy import and_, exists, select

from sepa_batch import notices
from sepa_batch.config import Config, SmtpSettings
from sepa_batch.db.schema import (
    Customer,
    DunningNotice,
    LedgerLine,
    NoticeDelivery,
    PreNotification,
)
from sepa_batch.db.session import Database, lock_job
from sepa_batch.errors import InvalidInput, NotFound, SepaBatchError

STATUSES = ("queued", "claimed", "sent", "failed", "sent_unknown", "print")
#: Tries of a notice whose sending fails for a temporary reason, then it is ``failed``.
MAX_ATTEMPTS = 5
#: The wait after the first temporary failure; doubled after each one (5, 10, 20, 40 min).
FIRST_DELAY = timedelta(minutes=5)
#: A claim older than this is taken as its sender's death even on another host.
CLAIM_LEASE = timedelta(minutes=15)
#: Notices issued more than this many days before the run are not sent (they stay files): a
#: newly configured ``[smtp]`` does not send a club's whole history.
ENQUEUE_DAYS = 7
SMTP_TIMEOUT = 30
#: Test hook: the process kills itself right after the server accepted DATA (crash tests).
KILL_AFTER_DATA = "SEPA_BATCH_TEST_KILL_AFTER_DATA"

MODELS = {"prenotification": PreNotification, "dunning": DunningNotice}


class SmtpUnreachable(Exception):
    """The server could not be reached or refused the session (connect, TLS, login)."""


@dataclass(slots=True)
class SendResult:
    enqueued: int = 0
    to_print: int = 0
    recovered: list[int] = field(default_factory=list)  # became sent_unknown
    sent: list[int] = field(default_factory=list)
    retried: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    unknown: list[int] = field(default_factory=list)  # lost the connection during DATA
    unreachable: str | None = None

    def document(self) -> dict:
        return {
            "enqueued": self.enqueued,
            "to_print": self.to_print,
            "sent": self.sent,
            "retried": self.retried,
            "failed": self.failed,
            "sent_unknown": sorted(self.recovered + self.unknown),
            "unreachable": self.unreachable,
        }

    def summary(self) -> str:
        text = (
            f"{len(self.sent)} sent, {len(self.retried)} to retry, {len(self.failed)} failed, "
            f"{len(self.recovered) + len(self.unknown)} sent-unknown, {self.to_print} to print"
        )
        return text + (f"; server unreachable: {self.unreachable}" if self.unreachable else "")


# --- the queue -----------------------------------------------------------------------------------
def enqueue(db: Database, config: Config, now: datetime) -> tuple[int, int]:
    """A delivery row for every notice issued in the last ``ENQUEUE_DAYS`` days that has none;
    returns (queued, to print). Single-flight (the ``notices`` job lock)."""
    first = now.date() - timedelta(days=ENQUEUE_DAYS)
    queued = printed = 0
    with db.transaction() as session:
        lock_job(session, "notices")
        for kind, model, customer_column, join in (
            (
                "prenotification",
                PreNotification,
                LedgerLine.customer_id,
                LedgerLine.id == PreNotification.line_id,
            ),
            ("dunning", DunningNotice, DunningNotice.customer_id, None),
        ):
            query = select(model.id, Customer.id, Customer.email, Customer.language)
            if join is not None:
                query = query.join(LedgerLine, join)
            query = (
                query.join(Customer, Customer.id == customer_column)
                .where(
                    model.path.is_not(None),
                    model.issued_on.between(first, now.date()),
                    ~exists().where(
                        and_(NoticeDelivery.kind == kind, NoticeDelivery.notice_id == model.id)
                    ),
                )
                .order_by(model.id)
            )
            rows = []
            for notice_id, customer_id, email, language in session.execute(query):
                address = (email or "").strip() or None
                rows.append(
                    {
                        "kind": kind,
                        "notice_id": notice_id,
                        "customer_id": customer_id,
                        "recipient": address,
                        "language": language or config.dunning_language,
                        "status": "queued" if address else "print",
                        "attempts": 0,
                        "next_attempt_at": now if address else None,
                        "created_at": now,
                    }
                )
                queued += address is not None
                printed += address is None
            if rows:
                session.execute(NoticeDelivery.__table__.insert(), rows)
    return queued, printed


def sender_identity() -> str:
    """Who claims: ``host:pid:random`` (the random part tells two senders of one process)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _gone(claimed_by: str | None, claimed_at: datetime | None, now: datetime) -> bool:
    """Whether a claim's sender has stopped: its process is gone from this host, or the claim
    is older than the lease."""
    if claimed_at is None or claimed_at + CLAIM_LEASE <= now:
        return True
    host, _, rest = (claimed_by or "").partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def recover(db: Database, now: datetime) -> list[int]:
    """Claims left by a sender that stopped become ``sent_unknown``; returns their ids."""
    found = []
    with db.transaction() as session:
        query = select(NoticeDelivery).where(NoticeDelivery.status == "claimed")
        if not db.is_sqlite:
            query = query.with_for_update(skip_locked=True)
        for row in session.execute(query).scalars():
            if _gone(row.claimed_by, row.claimed_at, now):
                row.status = "sent_unknown"
                row.last_error = (
                    f"its sender ({row.claimed_by}) stopped while sending it (claimed at "
                    f"{row.claimed_at:%Y-%m-%d %H:%M:%S}): the server may or may not have taken "
                    f"Message-ID {row.message_id}; check, then `notices resolve {row.id} --sent` "
                    "or `--resend`"
                )
                found.append(row.id)
    return found


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    recipient: str
    language: str
    message_id: str
    attempts: int
    body: str


def claim_next(db: Database, me: str, now: datetime, domain: str) -> Claimed | None:
    """Claim the next due notice and record its Message-ID, committed before anything is sent."""
    with db.transaction() as session:
        query = (
            select(NoticeDelivery)
            .where(NoticeDelivery.status == "queued", NoticeDelivery.next_attempt_at <= now)
            .order_by(NoticeDelivery.next_attempt_at, NoticeDelivery.id)
            .limit(1)
        )
        if not db.is_sqlite:
            query = query.with_for_update(skip_locked=True)
        row = session.execute(query).scalar_one_or_none()
        if row is None:
            return None
        model = MODELS[row.kind]
        body = session.execute(select(model.body).where(model.id == row.notice_id)).scalar_one()
        row.status, row.claimed_by, row.claimed_at = "claimed", me, now
        row.attempts += 1
        if row.message_id is None:  # kept on a retry: the same message, tried again
            row.message_id = f"<{row.kind}-{row.notice_id}.{uuid.uuid4().hex[:16]}@{domain}>"
        return Claimed(
            row.id, row.recipient or "", row.language, row.message_id, row.attempts, body
        )


def _mark(db: Database, delivery_id: int, **values) -> None:
    with db.transaction() as session:
        row = session.get(NoticeDelivery, delivery_id)
        for name, value in values.items():
            setattr(row, name, value)


def _retry_or_fail(db: Database, delivery_id: int, attempts: int, reason: str, now: datetime):
    """A temporary failure: back in the queue after a growing delay, or failed at the limit."""
    if attempts >= MAX_ATTEMPTS:
        _mark(
            db,
            delivery_id,
            status="failed",
            next_attempt_at=None,
            last_error=f"gave up after {attempts} attempts: {reason}",
        )
        return "failed"
    _mark(
        db,
        delivery_id,
        status="queued",
        next_attempt_at=now + FIRST_DELAY * 2 ** (attempts - 1),
        last_error=reason,
    )
    return "retried"


def _answer(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {' '.join(text.split())}"


# --- SMTP ----------------------------------------------------------------------------------------
def _password(settings: SmtpSettings, source: str) -> str | None:
    if not settings.password_env:
        return None
    value = os.environ.get(settings.password_env)
    if value is None:
        raise InvalidInput(
            f"config {source}",
            "smtp.password_env",
            f"the environment variable {settings.password_env} is not set",
        )
    return value


def connect(settings: SmtpSettings, password: str | None) -> smtplib.SMTP:
    """An SMTP session, encrypted as configured and logged in; ``SmtpUnreachable`` if not."""
    try:
        if settings.security == "ssl":
            context = ssl.create_default_context()
            smtp = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=SMTP_TIMEOUT, context=context
            )
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=SMTP_TIMEOUT)
        try:
            smtp.ehlo()
            if settings.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if settings.user:
                smtp.login(settings.user, password or "")
        except BaseException:
            smtp.close()
            raise
    except smtplib.SMTPResponseException as exc:
        raise SmtpUnreachable(
            f"{settings.host}:{settings.port} answered {_answer(exc.smtp_code, exc.smtp_error)}"
        ) from None
    except (OSError, smtplib.SMTPException) as exc:
        reason = f"{settings.host}:{settings.port}: {exc or type(exc).__name__}"
        raise SmtpUnreachable(reason) from None
    return smtp


class Refused(Exception):
    """The server answered no to MAIL, RCPT or DATA: nothing was delivered."""

    def __init__(self, stage: str, code: int, text: bytes | str):
        super().__init__(f"{stage} refused: {_answer(code, text)}")
        self.code = code


class Uncertain(Exception):
    """The connection broke after the message was handed over: it may have been delivered."""


def transmit(smtp: smtplib.SMTP, sender: str, recipient: str, data: bytes) -> str:
    """MAIL, RCPT, DATA: the server's answer to DATA. ``Refused``: certainly not delivered;
    ``OSError``/``SMTPServerDisconnected`` before DATA: not delivered; ``Uncertain``: maybe."""
    code, text = smtp.mail(sender)
    if code != 250:
        smtp.rset()
        raise Refused("sender", code, text)
    code, text = smtp.rcpt(recipient)
    if code not in (250, 251):
        smtp.rset()
        raise Refused("recipient", code, text)
    try:
        code, text = smtp.data(data)
    except smtplib.SMTPDataError as exc:  # no 354: the message was not handed over
        raise Refused("data", exc.smtp_code, exc.smtp_error) from None
    except (OSError, smtplib.SMTPServerDisconnected) as exc:
        raise Uncertain(f"connection lost during DATA: {exc or type(exc).__name__}") from None
    if code != 250:
        smtp.rset()
        raise Refused("message", code, text)
    if os.environ.get(KILL_AFTER_DATA):
        os.kill(os.getpid(), signal.SIGKILL)
    return _answer(code, text)


class RateLimit:
    """At most ``per_minute`` messages in any 60 seconds (of this sender)."""

    def __init__(self, per_minute: int, sleep: Callable[[float], None], clock: Callable):
        self.per_minute, self.sleep, self.clock = per_minute, sleep, clock
        self.sent: deque[float] = deque()

    def full(self) -> bool:
        return len(self.sent) >= self.per_minute

    def wait(self) -> None:
        if self.full():
            pause = self.sent[0] + 60 - self.clock()
            if pause > 0:
                self.sleep(pause)
            self.sent.popleft()

    def record(self) -> None:
        self.sent.append(self.clock())


# --- the run -------------------------------------------------------------------------------------
def send_notices(
    db: Database,
    config: Config,
    now: datetime,
    *,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> SendResult:
    """Enqueue the new notices, recover dead claims, and send every due notice.

    ``now`` is the time of the run; the times recorded later in the run are ``now`` plus the
    whole seconds elapsed since (``monotonic``), so a replayed day records that day.
    """
    settings = config.smtp
    if settings is None:
        raise SepaBatchError(
            f"config {config.source}: no [smtp] section: the notices stay files in "
            f"{config.folders.notices}"
        )
    password = _password(settings, config.source)
    start = monotonic()

    def clock() -> datetime:
        return now + timedelta(seconds=int(monotonic() - start))

    result = SendResult()
    result.enqueued, result.to_print = enqueue(db, config, now)
    result.recovered = recover(db, now)
    if not _any_due(db, now):
        return result
    sender = parseaddr(settings.sender)[1]
    domain = sender.rpartition("@")[2]
    me = sender_identity()
    limit = RateLimit(settings.max_per_minute, sleep, monotonic)
    smtp: smtplib.SMTP | None = None
    try:
        while True:
            if smtp is None:
                try:
                    smtp = connect(settings, password)
                except SmtpUnreachable as exc:
                    result.unreachable = str(exc)
                    _all_due_failed_now(db, clock(), str(exc), result)
                    return result
            if limit.full() and not _any_due(db, clock()):
                return result  # no wait for nothing at the end of a run
            limit.wait()
            claimed = claim_next(db, me, clock(), domain)
            if claimed is None:
                return result
            try:
                message = notices.email_message(
                    claimed.body,
                    sender=settings.sender,
                    reply_to=settings.reply_to,
                    to=claimed.recipient,
                    message_id=claimed.message_id,
                    when=clock(),
                    language=claimed.language,
                    creditor=config.creditor,
                ).as_bytes()
            except (ValueError, TypeError) as exc:  # e.g. a line break in the address
                reason = f"cannot make the message for {claimed.recipient!r}: {exc}"
                _mark(db, claimed.id, status="failed", next_attempt_at=None, last_error=reason)
                result.failed.append(claimed.id)
                continue
            try:
                answer = transmit(smtp, sender, claimed.recipient, message)
            except Refused as exc:
                if 400 <= exc.code < 500:
                    outcome = _retry_or_fail(db, claimed.id, claimed.attempts, str(exc), clock())
                    getattr(result, outcome).append(claimed.id)
                else:
                    reason = str(exc)
                    _mark(db, claimed.id, status="failed", next_attempt_at=None, last_error=reason)
                    result.failed.append(claimed.id)
                continue
            except Uncertain as exc:
                _mark(db, claimed.id, status="sent_unknown", last_error=str(exc))
                result.unknown.append(claimed.id)
                smtp = _drop(smtp)
                continue
            except (OSError, smtplib.SMTPException) as exc:  # before DATA: not delivered
                reason = f"connection lost: {exc or type(exc).__name__}"
                outcome = _retry_or_fail(db, claimed.id, claimed.attempts, reason, clock())
                getattr(result, outcome).append(claimed.id)
                smtp = _drop(smtp)
                continue
            limit.record()
            _mark(
                db,
                claimed.id,
                status="sent",
                smtp_response=answer,
                sent_at=clock(),
                next_attempt_at=None,
                last_error=None,
            )
            result.sent.append(claimed.id)
    finally:
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()


def _drop(smtp: smtplib.SMTP) -> None:
    smtp.close()
    return None


def _any_due(db: Database, now: datetime) -> bool:
    with db.reader() as session:
        return (
            session.execute(
                select(NoticeDelivery.id)
                .where(NoticeDelivery.status == "queued", NoticeDelivery.next_attempt_at <= now)
                .limit(1)
            ).first()
            is not None
        )


def _all_due_failed_now(db: Database, now: datetime, reason: str, result: SendResult) -> None:
    """The server cannot be reached: every due notice counts one failed attempt."""
    with db.transaction() as session:
        query = select(NoticeDelivery).where(
            NoticeDelivery.status == "queued", NoticeDelivery.next_attempt_at <= now
        )
        if not db.is_sqlite:
            query = query.with_for_update(skip_locked=True)
        for row in session.execute(query).scalars():
            row.attempts += 1
            if row.attempts >= MAX_ATTEMPTS:
                row.status, row.next_attempt_at = "failed", None
                row.last_error = f"gave up after {row.attempts} attempts: {reason}"
                result.failed.append(row.id)
            else:
                row.next_attempt_at = now + FIRST_DELAY * 2 ** (row.attempts - 1)
                row.last_error = reason
                result.retried.append(row.id)


# --- what a person does --------------------------------------------------------------------------
def resolve(db: Database, delivery_id: int, *, sent: bool, now: datetime) -> NoticeDelivery:
    """A person's answer for a ``sent_unknown`` (or ``failed``) notice: it was sent (``sent``),
    or send it again (queued now, same Message-ID)."""
    with db.transaction() as session:
        row = session.get(NoticeDelivery, delivery_id, with_for_update=True)
        if row is None:
            raise NotFound(f"notice delivery {delivery_id}: no such delivery")
        allowed = ("sent_unknown",) if sent else ("sent_unknown", "failed")
        if row.status not in allowed:
            raise InvalidInput(
                f"notice delivery {delivery_id}",
                "status",
                f"is {row.status}; only {' or '.join(allowed)} can be resolved this way",
            )
        if sent:
            row.status, row.sent_at = "sent", now
            row.smtp_response = "confirmed sent by a person"
        else:
            row.status, row.next_attempt_at, row.attempts = "queued", now, 0
        return row


@dataclass(frozen=True, slots=True)
class DeliveryRow:
    id: int
    kind: str
    notice_id: int
    customer: str
    recipient: str | None
    status: str
    attempts: int
    next_attempt_at: datetime | None
    sent_at: datetime | None
    message_id: str | None
    smtp_response: str | None
    last_error: str | None
    issued_on: date
    path: str

    def document(self) -> dict:
        def stamp(value: datetime | None) -> str | None:
            return value.isoformat(timespec="seconds") if value else None

        return {
            "id": self.id,
            "kind": self.kind,
            "notice_id": self.notice_id,
            "customer": self.customer,
            "recipient": self.recipient,
            "status": self.status,
            "attempts": self.attempts,
            "next_attempt_at": stamp(self.next_attempt_at),
            "sent_at": stamp(self.sent_at),
            "message_id": self.message_id,
            "smtp_response": self.smtp_response,
            "last_error": self.last_error,
            "issued_on": self.issued_on.isoformat(),
            "path": self.path,
        }


def list_deliveries(db: Database, statuses: tuple[str, ...] = ()) -> list[DeliveryRow]:
    """The deliveries (of the given statuses, or all), oldest first."""
    rows = []
    with db.reader() as session:
        for kind, model in MODELS.items():
            query = (
                select(NoticeDelivery, Customer.code, model.issued_on, model.path)
                .join(Customer, Customer.id == NoticeDelivery.customer_id)
                .join(model, model.id == NoticeDelivery.notice_id)
                .where(NoticeDelivery.kind == kind)
            )
            if statuses:
                query = query.where(NoticeDelivery.status.in_(statuses))
            for d, code, issued_on, path in session.execute(query):
                values = (d.id, d.kind, d.notice_id, code, d.recipient, d.status, d.attempts)
                rows.append(
                    DeliveryRow(
                        *values,
                        *(d.next_attempt_at, d.sent_at, d.message_id, d.smtp_response),
                        *(d.last_error, issued_on, path),
                    )
                )
    return sorted(rows, key=lambda row: row.id)


def scheduler_job(rt, day: date, now: datetime) -> str:
    """The scheduler's ``notices`` job: send what is due when ``[smtp]`` is set."""
    if rt.config.smtp is None:
        return f"no [smtp]: the notices stay files in {rt.config.folders.notices}"
    return send_notices(rt.db, rt.config, now).summary()
