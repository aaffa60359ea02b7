"""The database schema (SQLAlchemy 2). Migrations in ``sepa_batch/migrations`` create it.

One table holds every ledger line, sale or payment, so that lines share one id sequence
(the back office names a line by that id: ``sepa-batch unpay 12``). Money is integer cents.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Customer(Base):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(35), unique=True)
    name: Mapped[str] = mapped_column(String(140))
    email: Mapped[str | None] = mapped_column(String(254))
    street: Mapped[str | None] = mapped_column(String(70))
    building_number: Mapped[str | None] = mapped_column(String(16))
    postcode: Mapped[str | None] = mapped_column(String(16))
    town: Mapped[str] = mapped_column(String(35))
    country: Mapped[str] = mapped_column(String(2))
    dunning_since: Mapped[date | None] = mapped_column(Date)  # open dunning cycle
    language: Mapped[str | None] = mapped_column(String(2))  # of the notices; None: the club's


class Mandate(Base):
    __tablename__ = "mandates"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    reference: Mapped[str] = mapped_column(String(35), unique=True)
    iban: Mapped[str] = mapped_column(String(34))
    bic: Mapped[str | None] = mapped_column(String(11))
    signed_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="ACTIVE")
    status_reason: Mapped[str | None] = mapped_column(String(140))
    one_off: Mapped[bool] = mapped_column(Boolean, default=False)
    first_used: Mapped[bool] = mapped_column(Boolean, default=False)  # a FRST has gone through
    last_presented_on: Mapped[date | None] = mapped_column(Date)  # for the 36-month rule
    amend_original_reference: Mapped[str | None] = mapped_column(String(35))
    amend_original_iban: Mapped[str | None] = mapped_column(String(34))
    amend_new_bank: Mapped[bool] = mapped_column(Boolean, default=False)
    revoked_on: Mapped[date | None] = mapped_column(Date)  # REVOKED: since when (reason above)


class Article(Base):
    __tablename__ = "articles"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(35), unique=True)
    label: Mapped[str] = mapped_column(String(140))
    price_cents: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(16))


class BankFile(Base):
    """A pain.008 file written to the outbox."""

    __tablename__ = "bank_files"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[str] = mapped_column(String(35), unique=True)
    path: Mapped[str] = mapped_column(Text)
    format: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    transactions: Mapped[int] = mapped_column(Integer)
    control_sum_cents: Mapped[int] = mapped_column(BigInteger)
    rejected_reason: Mapped[str | None] = mapped_column(String(8))  # whole file rejected
    published_at: Mapped[datetime | None] = mapped_column(DateTime)  # renamed into the outbox


class PaymentBatch(Base):
    """One PmtInf block of a bank file: one sequence type and collection date."""

    __tablename__ = "payment_batches"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bank_file_id: Mapped[int] = mapped_column(ForeignKey("bank_files.id"), index=True)
    pmtinf_id: Mapped[str] = mapped_column(String(35), unique=True)
    sequence_type: Mapped[str] = mapped_column(String(4))
    collection_date: Mapped[date] = mapped_column(Date)
    transactions: Mapped[int] = mapped_column(Integer)
    control_sum_cents: Mapped[int] = mapped_column(BigInteger)
    rejected_reason: Mapped[str | None] = mapped_column(String(8))
    credited_on: Mapped[date | None] = mapped_column(Date)
    credited_cents: Mapped[int | None] = mapped_column(BigInteger)


class LedgerLine(Base):
    """A sale line or a payment line of a customer's ledger."""

    __tablename__ = "ledger_lines"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    kind: Mapped[str] = mapped_column(String(8))  # sale | payment
    date: Mapped[date] = mapped_column(Date)  # sale date, or the day the line was created
    label: Mapped[str] = mapped_column(String(140))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"))
    # payment lines only
    mode: Mapped[str | None] = mapped_column(String(16))
    due_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str | None] = mapped_column(String(10))
    paid_on: Mapped[date | None] = mapped_column(Date)
    represents_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_lines.id"))
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_lines.id"))  # reversal
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("payment_batches.id"), index=True)
    mandate_id: Mapped[int | None] = mapped_column(ForeignKey("mandates.id"))
    end_to_end_id: Mapped[str | None] = mapped_column(String(35), unique=True)
    collection_date: Mapped[date | None] = mapped_column(Date)
    reason_code: Mapped[str | None] = mapped_column(String(8))
    direct_debit_tries: Mapped[int] = mapped_column(Integer, default=0)
    presentations: Mapped[int] = mapped_column(Integer, default=0)
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The open review item (``return_items.id``) holding the line out of settlement and
    #: collection until a person resolves it; no foreign key (return_items refers to lines).
    held_by_return_id: Mapped[int | None] = mapped_column(Integer)
    # a line cancelled before it was submitted: on which day, by whom and why
    cancelled_on: Mapped[date | None] = mapped_column(Date)
    cancelled_by: Mapped[str | None] = mapped_column(String(64))
    cancel_reason: Mapped[str | None] = mapped_column(String(140))

    __table_args__ = (
        Index("ix_ledger_lines_customer", "customer_id", "id"),
        Index("ix_ledger_lines_open", "status", "mode", "due_date"),
    )


class PreNotification(Base):
    """A pre-notification sent for a direct debit whose amount differs from the usual one."""

    __tablename__ = "pre_notifications"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("ledger_lines.id"), unique=True)
    issued_on: Mapped[date] = mapped_column(Date)
    path: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)  # the e-mail, written to ``path`` after commit
    written: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class ReturnFile(Base):
    """A bank return file that was applied (never twice: its content hash is unique)."""

    __tablename__ = "return_files"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(Text)
    format: Mapped[str] = mapped_column(String(32))
    message_id: Mapped[str | None] = mapped_column(String(140))
    imported_on: Mapped[date] = mapped_column(Date)


class ReturnItem(Base):
    """One item of a return file and what was done with it."""

    __tablename__ = "return_items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    return_file_id: Mapped[int] = mapped_column(ForeignKey("return_files.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    level: Mapped[str] = mapped_column(String(12))
    end_to_end_id: Mapped[str | None] = mapped_column(String(140))
    original_message_id: Mapped[str | None] = mapped_column(String(140))
    original_pmtinf_id: Mapped[str | None] = mapped_column(String(140))
    mandate_ref: Mapped[str | None] = mapped_column(String(140))
    amount_cents: Mapped[int | None] = mapped_column(BigInteger)
    charges_cents: Mapped[int | None] = mapped_column(BigInteger)
    reason_code: Mapped[str | None] = mapped_column(String(8))
    reason_text: Mapped[str | None] = mapped_column(Text)
    booking_date: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(12))  # applied|unmatched|duplicate|recorded|...
    line_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_lines.id"), index=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("payment_batches.id"))
    # the review queue: what was returned against what was collected, and who decided what
    currency: Mapped[str | None] = mapped_column(String(3))
    expected_amount_cents: Mapped[int | None] = mapped_column(BigInteger)
    expected_currency: Mapped[str | None] = mapped_column(String(3))
    review_status: Mapped[str | None] = mapped_column(String(10))  # open|applied|dismissed
    review_reason: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(140))
    resolution_note: Mapped[str | None] = mapped_column(Text)
    applied_line_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_lines.id"))


class AppliedReturn(Base):
    """The guard that a return (end-to-end id + kind) is applied once, even concurrently."""

    __tablename__ = "applied_returns"
    end_to_end_id: Mapped[str] = mapped_column(String(140), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)


class DunningNotice(Base):
    """A dunning level reached in a customer's dunning cycle (which starts on ``cycle_start``).

    A level skipped because a higher one was reached the same day is recorded too, as covered by
    that level (``covered_by``; no file), so it never comes later.
    """

    __tablename__ = "dunning_notices"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    cycle_start: Mapped[date] = mapped_column(Date)
    level: Mapped[int] = mapped_column(Integer)
    issued_on: Mapped[date] = mapped_column(Date)
    overdue_cents: Mapped[int] = mapped_column(BigInteger)
    path: Mapped[str | None] = mapped_column(Text)  # None: covered by a higher level
    body: Mapped[str | None] = mapped_column(Text)  # the e-mail, written to ``path`` after commit
    covered_by: Mapped[int | None] = mapped_column(Integer)
    fee_line_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_lines.id"))
    written: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    __table_args__ = (UniqueConstraint("customer_id", "cycle_start", "level"),)


class Counter(Base):
    """Monotonic counters for identifiers that must be unique forever (MsgId, PmtInfId)."""

    __tablename__ = "counters"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class JobLock(Base):
    """A row per job; holding its row lock makes a job single-flight across processes. The
    scheduler's rows (``scheduler:<job>``) also hold the day a daily job last ran
    (``last_run_on``), claimed by compare-and-set so that two schedulers run it once."""

    __tablename__ = "job_locks"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_run_on: Mapped[date | None] = mapped_column(Date)


class MandateEvent(Base):
    """What happened to a mandate besides its signature and its collections (which
    ``signed_on`` and the ledger lines record): added after the import, amended, revoked (a
    mandate replaced by a newer one is revoked, and its detail says by which) — ``mandate show``
    tells the history from these."""

    __tablename__ = "mandate_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mandate_id: Mapped[int] = mapped_column(ForeignKey("mandates.id"), index=True)
    on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))  # added | amended | revoked
    detail: Mapped[str | None] = mapped_column(String(255))


class NoticeDelivery(Base):
    """The e-mail delivery of one notice (a pre-notification or a dunning letter).

    ``status``: ``queued`` (to send, at ``next_attempt_at``), ``claimed`` (a sender recorded the
    Message-ID and is sending it), ``sent`` (the server's answer in ``smtp_response``),
    ``failed`` (``last_error``), ``sent_unknown`` (its sender died while sending: a person
    checks), ``print`` (the member has no e-mail address: the notice is printed).
    """

    __tablename__ = "notice_deliveries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # prenotification | dunning
    notice_id: Mapped[int] = mapped_column(Integer)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    recipient: Mapped[str | None] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(12))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime)
    message_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime)
    smtp_response: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    __table_args__ = (
        UniqueConstraint("kind", "notice_id"),
        Index("ix_notice_deliveries_due", "status", "next_attempt_at"),
    )


class User(Base):
    """A person of the back office (or the door system): codes are stored as scrypt hashes."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))  # admin | backoffice | accountant | door
    code_hash: Mapped[str | None] = mapped_column(String(255))
    language: Mapped[str | None] = mapped_column(String(2))  # None: the configured language
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class ApiToken(Base):
    """A bearer token of a ``door`` user; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class LoginAttempt(Base):
    """A failed log-in, for throttling (per user name and per address)."""

    __tablename__ = "login_attempts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime, index=True)


class AuditEntry(Base):
    """Who changed what, and when: every write of the back office."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    user_name: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(String(140))
    detail: Mapped[str] = mapped_column(Text)
