"""The unpaid workflow (Impayer) and ``pay`` (Payer), PRODUCT §4.

``apply_unpaid`` works inside the caller's transaction, so the return import applies a whole
file at once; ``unpay`` is the back office's command and owns its transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy.orm import Session

from sepa_batch import notices
from sepa_batch.config import Config
from sepa_batch.db.schema import Customer, LedgerLine, Mandate, PaymentBatch, PreNotification
from sepa_batch.db.session import Database
from sepa_batch.domain import transitions
from sepa_batch.domain.calendar import next_collection_day
from sepa_batch.domain.model import ArticleKind, MandateStatus, Mode, SequenceType, Status
from sepa_batch.domain.policy import (
    Action,
    DateRule,
    MandateAction,
    ReasonPolicy,
    representation_for,
)
from sepa_batch.domain.unpaid import SplitPart, default_label, plan_unpaid
from sepa_batch.errors import InvalidInput
from sepa_batch.services.common import article_by_code, current_mandate, payment_line
from sepa_batch.services.sales import payment_line as new_payment_line
from sepa_batch.services.sales import sale_line


@dataclass(frozen=True, slots=True)
class UnpayOptions:
    """What the back office may choose; ``None`` means: the policy's (or the default) choice."""

    due_date: date | None = None
    label: str | None = None
    mode: Mode | None = None
    fee_article: str | None = None
    no_fee: bool = False
    fee_cents: int | None = None
    split: tuple[SplitPart, ...] = ()
    reason_code: str | None = None


@dataclass(slots=True)
class UnpaidOutcome:
    action: Action
    unpaid_line: int
    fee_line: int | None = None
    reversal_line: int | None = None
    representation_lines: list[int] = field(default_factory=list)
    mandate_action: MandateAction = MandateAction.KEEP

    def document(self) -> dict:
        return {
            "unpaid_line": self.unpaid_line,
            "fee_line": self.fee_line,
            "reversal_line": self.reversal_line,
            "representation_lines": self.representation_lines,
        }


def _fee(
    session: Session,
    config: Config,
    line: LedgerLine,
    options: UnpayOptions,
    policy: ReasonPolicy | None,
) -> tuple[int, int | None]:
    """(fee in cents, article id) from the options, else the policy, else the article."""
    if options.no_fee:
        return 0, None
    wants_fee = policy.fee if policy is not None and options.fee_article is None else True
    if not wants_fee and options.fee_cents is None:
        return 0, None
    code = options.fee_article or config.fee_article
    if code is None:
        if options.fee_cents:
            raise InvalidInput(
                f"line {line.id}", "fee_article", "a fee amount needs a rejection-fee article"
            )
        return 0, None
    article = article_by_code(session, code, kind=ArticleKind.REJECTION_FEE)
    amount = article.price_cents if options.fee_cents is None else options.fee_cents
    return amount, article.id


def _representation_due(
    config: Config, day: date, mode: Mode, rule: DateRule, chosen: date | None
) -> date:
    """The re-presentation's due date. A direct debit of a new amount needs a pre-notification
    ``pre_notification_days`` ahead: an earlier date moves to the following collection day."""
    due = chosen or (day if rule is DateRule.TODAY else None)
    if mode is not Mode.DIRECT_DEBIT:
        return due or day
    earliest = day + timedelta(days=config.pre_notification_days)
    if due is None or due < earliest:
        return next_collection_day(max(earliest, due or earliest), config.collection_day)
    return due


def _mandate_of(session: Session, line: LedgerLine) -> Mandate | None:
    if line.mandate_id is not None:
        return session.get(Mandate, line.mandate_id)
    return current_mandate(session, line.customer_id)


def _apply_mandate_action(
    session: Session, line: LedgerLine, action: MandateAction, code: str | None
) -> None:
    if action is MandateAction.KEEP or line.mode != Mode.DIRECT_DEBIT:
        return
    mandate = _mandate_of(session, line)
    if mandate is None or mandate.status == MandateStatus.REVOKED:
        return
    mandate.status = (
        MandateStatus.REVOKED if action is MandateAction.REVOKE else (MandateStatus.FLAGGED)
    )
    mandate.status_reason = code


def _release_first_collection(session: Session, line: LedgerLine) -> None:
    """A rejected (not settled) first collection does not use up the FRST."""
    if line.batch_id is None or line.status != Status.SUBMITTED:
        return
    batch = session.get(PaymentBatch, line.batch_id)
    if batch is not None and batch.sequence_type == SequenceType.FRST:
        mandate = _mandate_of(session, line)
        if mandate is not None:
            mandate.first_used = False


def reschedule(session: Session, line: LedgerLine, code: str | None) -> None:
    """Creditor-side or technical rejection: back to the next collection, no unpaid workflow."""
    transitions.check(line.id, line.status, Status.SCHEDULED, "reschedule")
    _release_first_collection(session, line)
    line.status = Status.SCHEDULED
    line.reason_code = code
    line.batch_id = None
    line.end_to_end_id = None
    line.collection_date = None


def apply_unpaid(
    session: Session,
    config: Config,
    line: LedgerLine,
    day: date,
    options: UnpayOptions = UnpayOptions(),
) -> UnpaidOutcome:
    """Run the unpaid workflow on ``line`` inside the caller's transaction."""
    code = options.reason_code.upper() if options.reason_code else None
    policy = config.policy.for_code(code) if code else None
    action = policy.action if policy else Action.UNPAID
    if action is Action.REVIEW:
        line.needs_review = True
        line.reason_code = code
        return UnpaidOutcome(action, line.id)
    if action is Action.RESCHEDULE and line.status == Status.SUBMITTED:
        reschedule(session, line, code)
        return UnpaidOutcome(action, line.id)
    if action is Action.RESCHEDULE:  # settled then returned for a technical reason
        policy = None
        options = UnpayOptions(
            **{**_as_dict(options), "no_fee": True, "mode": options.mode or Mode(line.mode)}
        )
    transitions.check(line.id, line.status, Status.UNPAID, "unpay")

    failed = line.direct_debit_tries + (1 if line.mode == Mode.DIRECT_DEBIT else 0)
    if policy is not None:
        chosen = representation_for(policy, failed)
        mode, rule = options.mode or chosen.mode, chosen.date_rule
    else:
        mode, rule = options.mode or config.default_mode, DateRule.TODAY
    fee_cents, fee_article = _fee(session, config, line, options, policy)
    due = _representation_due(config, day, mode, rule, options.due_date)
    label = options.label or default_label(line.label, line.due_date)
    plan = plan_unpaid(
        line_id=line.id,
        unpaid_cents=line.amount_cents,
        fee_cents=fee_cents,
        due_date=due,
        mode=mode,
        label=label,
        split=options.split,
    )

    _release_first_collection(session, line)
    line.status = Status.UNPAID
    line.reason_code = code
    customer = session.get(Customer, line.customer_id)
    customer.dunning_since = customer.dunning_since or day
    outcome = UnpaidOutcome(
        action, line.id, mandate_action=policy.mandate if policy else MandateAction.KEEP
    )
    if plan.fee_cents:
        fee = sale_line(
            customer,
            article_id=fee_article,
            day=day,
            label=f"Rejection fee, payment #{line.id}",
            amount_cents=plan.fee_cents,
        )
        session.add(fee)
        session.flush()
        outcome.fee_line = fee.id
    reversal = new_payment_line(
        customer,
        day=day,
        label=f"Cancels unpaid payment #{line.id}",
        amount_cents=plan.reversal_cents,
        mode=Mode(line.mode),
        due=day,
        status=Status.PAID,
        paid_on=day,
    )
    reversal.reverses_id = line.id
    session.add(reversal)
    session.flush()
    outcome.reversal_line = reversal.id
    for part in plan.representations:
        again = new_payment_line(
            customer,
            day=day,
            label=part.label,
            amount_cents=part.amount_cents,
            mode=part.mode,
            due=part.due_date,
            represents_id=line.id,
        )
        again.direct_debit_tries = failed if part.mode == Mode.DIRECT_DEBIT else 0
        session.add(again)
        session.flush()
        outcome.representation_lines.append(again.id)
        if part.mode == Mode.DIRECT_DEBIT:
            _prenotify(session, config, customer, again, day)
    _apply_mandate_action(session, line, outcome.mandate_action, code)
    return outcome


def _as_dict(options: UnpayOptions) -> dict:
    return {name: getattr(options, name) for name in options.__dataclass_fields__}


def _prenotify(
    session: Session, config: Config, customer: Customer, line: LedgerLine, day: date
) -> None:
    """A direct debit of a new amount is pre-notified (amount, date, UMR, creditor id)."""
    mandate = current_mandate(session, customer.id)
    body = notices.prenotification(
        language=config.dunning_language,
        sender=config.dunning_sender,
        creditor=config.creditor.name,
        creditor_id=config.creditor.creditor_id,
        name=customer.name,
        email=customer.email,
        amount_cents=line.amount_cents,
        due=line.due_date,
        label=line.label,
        mandate=mandate.reference if mandate else "-",
        day=day,
        line_id=line.id,
    )
    path = config.folders.notices / f"prenotification-{customer.code}-line{line.id}.eml"
    session.add(PreNotification(line_id=line.id, issued_on=day, path=str(path), body=body))


def unpay(
    db: Database, config: Config, line_id: int, day: date, options: UnpayOptions = UnpayOptions()
) -> UnpaidOutcome:
    """The back office's Impayer: one transaction, then the notices are written."""
    with db.transaction() as session:
        line = payment_line(session, line_id)
        outcome = apply_unpaid(session, config, line, day, options)
    notices.write_pending(db)
    return outcome


@dataclass(frozen=True, slots=True)
class Payment:
    line: int
    paid_on: date
    mode: str

    def document(self) -> dict:
        return {
            "line": self.line,
            "status": Status.PAID.value,
            "paid_on": self.paid_on.isoformat(),
            "mode": self.mode,
        }


def pay(db: Database, line_id: int, day: date, *, mode: Mode | None = None) -> Payment:
    """Payer: an open instalment (scheduled or overdue) becomes paid on ``day``."""
    with db.transaction() as session:
        line = payment_line(session, line_id)
        line.status = transitions.check(line.id, line.status, Status.PAID, "pay")
        line.paid_on = day
        if mode is not None:
            line.mode = mode
        if line.amount_cents <= 0:
            raise InvalidInput(f"line {line_id}", "amount", "only a positive instalment is paid")
        return Payment(line.id, day, line.mode)
