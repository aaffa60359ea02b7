"""``notices send`` and the scheduler's ``notices`` job: every due notice, one at a time."""

from __future__ import annotations

import smtplib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.utils import parseaddr

from sepa_batch import notices
from sepa_batch.config import Config, SmtpSettings
from sepa_batch.db.session import Database
from sepa_batch.errors import SepaBatchError
from sepa_batch.services.delivery import smtp
from sepa_batch.services.delivery.claim import Claimed, claim_next, recover, sender_identity
from sepa_batch.services.delivery.queue import any_due, enqueue
from sepa_batch.services.delivery.retry import all_due_failed_now, mark, retry_or_fail


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
    settings = _settings(config)
    password = smtp.password(settings, config.source)
    start = monotonic()

    def clock() -> datetime:
        return now + timedelta(seconds=int(monotonic() - start))

    result = SendResult()
    result.enqueued, result.to_print = enqueue(db, config, now)
    result.recovered = recover(db, now)
    if not any_due(db, now):
        return result
    sender = _Sender(db, config, settings, clock, result)
    limit = smtp.RateLimit(settings.max_per_minute, sleep, monotonic)
    session: smtplib.SMTP | None = None
    try:
        while True:
            if session is None:
                try:
                    session = smtp.connect(settings, password)
                except smtp.SmtpUnreachable as exc:
                    sender.unreachable(str(exc))
                    return result
            if limit.full() and not any_due(db, clock()):
                return result  # no wait for nothing at the end of a run
            limit.wait()
            claimed = claim_next(db, sender.me, clock(), sender.domain)
            if claimed is None:
                return result
            session = sender.send(session, claimed, limit)
    finally:
        if session is not None:
            smtp.leave(session)


def _settings(config: Config) -> SmtpSettings:
    if config.smtp is None:
        raise SepaBatchError(
            f"config {config.source}: no [smtp] section: the notices stay files in "
            f"{config.folders.notices}"
        )
    return config.smtp


class _Sender:
    """One run's sender: makes each claimed notice a message, sends it, and marks the outcome
    in the database and in the run's ``SendResult``."""

    def __init__(self, db, config: Config, settings: SmtpSettings, clock, result: SendResult):
        self.db, self.config, self.settings = db, config, settings
        self.clock, self.result = clock, result
        self.address = parseaddr(settings.sender)[1]
        self.domain = self.address.rpartition("@")[2]
        self.me = sender_identity()

    def unreachable(self, reason: str) -> None:
        """The server cannot be reached: every due notice counts one failed attempt."""
        self.result.unreachable = reason
        for delivery_id, outcome in all_due_failed_now(self.db, self.clock(), reason):
            getattr(self.result, outcome).append(delivery_id)

    def send(self, session: smtplib.SMTP, claimed: Claimed, limit: smtp.RateLimit):
        """Send one claimed notice; returns the session, or ``None`` if it broke."""
        try:
            message = self._message(claimed)
        except (ValueError, TypeError) as exc:  # e.g. a line break in the address
            self._failed(claimed, f"cannot make the message for {claimed.recipient!r}: {exc}")
            return session
        try:
            answer = smtp.transmit(session, self.address, claimed.recipient, message)
        except smtp.Refused as exc:
            if 400 <= exc.code < 500:
                self._retry(claimed, str(exc))
            else:
                self._failed(claimed, str(exc))
            return session
        except smtp.Uncertain as exc:
            mark(self.db, claimed.id, status="sent_unknown", last_error=str(exc))
            self.result.unknown.append(claimed.id)
            return smtp.drop(session)
        except (OSError, smtplib.SMTPException) as exc:  # before DATA: not delivered
            self._retry(claimed, f"connection lost: {exc or type(exc).__name__}")
            return smtp.drop(session)
        limit.record()
        mark(
            self.db,
            claimed.id,
            status="sent",
            smtp_response=answer,
            sent_at=self.clock(),
            next_attempt_at=None,
            last_error=None,
        )
        self.result.sent.append(claimed.id)
        return session

    def _message(self, claimed: Claimed) -> bytes:
        return notices.email_message(
            claimed.body,
            sender=self.settings.sender,
            reply_to=self.settings.reply_to,
            to=claimed.recipient,
            message_id=claimed.message_id,
            when=self.clock(),
            language=claimed.language,
            creditor=self.config.creditor,
        ).as_bytes()

    def _failed(self, claimed: Claimed, reason: str) -> None:
        mark(self.db, claimed.id, status="failed", next_attempt_at=None, last_error=reason)
        self.result.failed.append(claimed.id)

    def _retry(self, claimed: Claimed, reason: str) -> None:
        outcome = retry_or_fail(self.db, claimed.id, claimed.attempts, reason, self.clock())
        getattr(self.result, outcome).append(claimed.id)


def scheduler_job(rt, day: date, now: datetime) -> str:
    """The scheduler's ``notices`` job: send what is due when ``[smtp]`` is set."""
    if rt.config.smtp is None:
        return f"no [smtp]: the notices stay files in {rt.config.folders.notices}"
    return send_notices(rt.db, rt.config, now).summary()
