"""The SMTP session: connect as configured, hand one message over, and pace the sending."""

from __future__ import annotations

import os
import signal
import smtplib
import ssl
from collections import deque
from collections.abc import Callable

from sepa_batch.config import SmtpSettings
from sepa_batch.errors import InvalidInput

SMTP_TIMEOUT = 30
#: Test hook: the process kills itself right after the server accepted DATA (crash tests).
KILL_AFTER_DATA = "SEPA_BATCH_TEST_KILL_AFTER_DATA"


class SmtpUnreachable(Exception):
    """The server could not be reached or refused the session (connect, TLS, login)."""


class Refused(Exception):
    """The server answered no to MAIL, RCPT or DATA: nothing was delivered."""

    def __init__(self, stage: str, code: int, text: bytes | str):
        super().__init__(f"{stage} refused: {answer(code, text)}")
        self.code = code


class Uncertain(Exception):
    """The connection broke after the message was handed over: it may have been delivered."""


def answer(code: int, text: bytes | str) -> str:
    """A server's answer on one line.

    >>> answer(250, b"2.0.0 Ok:\\r\\n queued as 12345")
    '250 2.0.0 Ok: queued as 12345'
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {' '.join(text.split())}"


def password(settings: SmtpSettings, source: str) -> str | None:
    """The password, from the environment variable the configuration names (never the file)."""
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
            f"{settings.host}:{settings.port} answered {answer(exc.smtp_code, exc.smtp_error)}"
        ) from None
    except (OSError, smtplib.SMTPException) as exc:
        reason = f"{settings.host}:{settings.port}: {exc or type(exc).__name__}"
        raise SmtpUnreachable(reason) from None
    return smtp


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
    return answer(code, text)


def drop(smtp: smtplib.SMTP) -> None:
    """Close a broken session; ``None`` stands for "connect again"."""
    smtp.close()
    return None


def leave(smtp: smtplib.SMTP) -> None:
    """End a session politely (QUIT), or just close it if the server is gone."""
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


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
