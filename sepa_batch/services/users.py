"""Users of the back office, their codes and tokens, log-in throttling and the audit trail.

Codes are stored as salted scrypt hashes (``scrypt$n$r$p$salt$hash``), never in clear; a
door token is random and long, so its SHA-256 is enough. Times are passed in by the caller
(the web layer or the command line read the clock at the edge).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from sepa_batch.db.schema import ApiToken, AuditEntry, LoginAttempt, User
from sepa_batch.db.session import Database
from sepa_batch.errors import InvalidInput, NotFound

ROLES = ("admin", "backoffice", "accountant", "door")
#: The roles that log in to the web back office (``door`` only calls the JSON API).
WEB_ROLES = ("admin", "backoffice", "accountant")
LANGUAGES = ("fr", "en")
MIN_CODE = 8
#: Failed log-ins allowed per user name and per address within ``THROTTLE_WINDOW``.
THROTTLE_FAILURES = 5
THROTTLE_WINDOW = timedelta(minutes=15)
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def hash_code(code: str, *, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(code.encode("utf-8"), salt=salt, dklen=32, **_SCRYPT)
    n, r, p = _SCRYPT["n"], _SCRYPT["r"], _SCRYPT["p"]
    return f"scrypt${n}${r}${p}${salt.hex()}${digest.hex()}"


def check_code(code: str, stored: str | None) -> bool:
    if not stored:
        return False
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(
        code.encode("utf-8"), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32
    )
    return hmac.compare_digest(candidate.hex(), digest)


def new_code() -> str:
    """A code to give a new user: 12 characters, easy to read aloud."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _ in range(12))


@dataclass(frozen=True, slots=True)
class UserInfo:
    id: int
    name: str
    role: str
    language: str | None
    active: bool

    def document(self) -> dict:
        return {
            "name": self.name,
            "role": self.role,
            "language": self.language,
            "active": self.active,
        }


def _info(user: User) -> UserInfo:
    return UserInfo(user.id, user.name, user.role, user.language, user.active)


def _valid_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 64 or any(c.isspace() for c in name):
        raise InvalidInput(f"user {name!r}", "name", "1 to 64 characters, no spaces")
    return name


def add_user(
    db: Database,
    name: str,
    role: str,
    code: str | None,
    now: datetime,
    *,
    language: str | None = None,
    by: str = "cli",
) -> UserInfo:
    name = _valid_name(name)
    record = f"user {name}"
    if role not in ROLES:
        raise InvalidInput(record, "role", f"{role!r} is not one of {', '.join(ROLES)}")
    if language is not None and language not in LANGUAGES:
        raise InvalidInput(record, "language", f"{language!r} is not fr or en")
    if role != "door" and (code is None or len(code) < MIN_CODE):
        raise InvalidInput(record, "code", f"at least {MIN_CODE} characters")
    try:
        with db.transaction() as session:
            user = User(
                name=name,
                role=role,
                code_hash=hash_code(code) if code else None,
                language=language,
                active=True,
                created_at=now,
            )
            session.add(user)
            session.flush()
            audit(session, now, by, "user.add", record, f"role {role}")
            return _info(user)
    except IntegrityError:
        raise InvalidInput(record, "name", "already exists") from None


def list_users(db: Database) -> list[UserInfo]:
    with db.reader() as session:
        return [_info(u) for u in session.execute(select(User).order_by(User.name)).scalars()]


def _user(session, name: str) -> User:
    user = session.execute(select(User).where(User.name == name)).scalar_one_or_none()
    if user is None:
        raise NotFound(f"user {name}: not found")
    return user


def disable_user(db: Database, name: str, now: datetime, *, by: str = "cli") -> UserInfo:
    with db.transaction() as session:
        user = _user(session, name)
        user.active = False
        session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
        audit(session, now, by, "user.disable", f"user {name}", "disabled, tokens revoked")
        return _info(user)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token(db: Database, name: str, now: datetime, *, by: str = "cli") -> str:
    """A bearer token for a ``door`` user; shown once, stored hashed."""
    token = secrets.token_urlsafe(32)
    with db.transaction() as session:
        user = _user(session, name)
        if user.role != "door":
            raise InvalidInput(f"user {name}", "role", f"is {user.role}; tokens are for door")
        if not user.active:
            raise InvalidInput(f"user {name}", "active", "the user is disabled")
        session.add(ApiToken(user_id=user.id, token_hash=_token_hash(token), created_at=now))
        audit(session, now, by, "user.token", f"user {name}", "new API token")
    return token


def user_for_token(db: Database, token: str) -> UserInfo | None:
    with db.reader() as session:
        user = session.execute(
            select(User)
            .join(ApiToken, ApiToken.user_id == User.id)
            .where(ApiToken.token_hash == _token_hash(token), User.active.is_(True))
        ).scalar_one_or_none()
        return _info(user) if user else None


def get_user(db: Database, user_id: int) -> UserInfo | None:
    with db.reader() as session:
        user = session.get(User, user_id)
        return _info(user) if user else None


class Throttled(Exception):
    """Too many failed log-ins for this user name or this address."""


def authenticate(db: Database, name: str, code: str, address: str, now: datetime) -> UserInfo:
    """The user whose name and code these are, if active and allowed on the web; otherwise
    ``PermissionError`` (the failure is recorded). ``Throttled`` after too many failures for
    the name or the address within the window, even with the right code."""
    since = now - THROTTLE_WINDOW
    with db.transaction() as session:
        session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - 4 * THROTTLE_WINDOW))
        for criterion in (LoginAttempt.name == name, LoginAttempt.address == address):
            failures = session.execute(
                select(func.count())
                .select_from(LoginAttempt)
                .where(LoginAttempt.at >= since, criterion)
            ).scalar_one()
            if failures >= THROTTLE_FAILURES:
                raise Throttled()
        user = session.execute(select(User).where(User.name == name)).scalar_one_or_none()
        ok = (
            user is not None
            and user.active
            and user.role in WEB_ROLES
            and check_code(code, user.code_hash)
        )
        if user is None:
            check_code(code, hash_code("not-a-user", salt=b"0" * 16))  # same time either way
        if not ok:
            session.add(LoginAttempt(name=name[:64], address=address[:64], at=now))
    if not ok:
        raise PermissionError(name)
    return _info(user)


def audit(session, now: datetime, who: str, action: str, target: str, detail: str) -> None:
    """Record a write inside the caller's transaction."""
    session.add(
        AuditEntry(at=now, user_name=who, action=action, target=target[:140], detail=detail)
    )


def record(db: Database, now: datetime, who: str, action: str, target: str, detail: str) -> None:
    """Record a write that a service has just committed."""
    with db.transaction() as session:
        audit(session, now, who, action, target, detail)


def audit_trail(db: Database, limit: int = 200) -> list[AuditEntry]:
    with db.reader() as session:
        return list(
            session.execute(
                select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
            ).scalars()
        )
