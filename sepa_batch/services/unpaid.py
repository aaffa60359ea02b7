"""The unpaid workflow (Impayer) and ``pay`` (Payer), PRODUCT §4.

``apply_unpaid`` works inside the caller's transaction, so the return import applies a whole
file at once; ``unpay`` is the back office's command and owns its transaction. Everything is
checked before anything changes: a refused unpaid leaves the ledger as it was.

With a reason code the policy table (configuration) chooses what the back office did not:
``unpaid`` runs the workflow (fee or not, re-presentation mode and date, what becomes of the
mandate), ``reschedule`` puts a rejected line back for the next collection, ``review`` only
flags the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy.orm import Session

from sepa_batch import notices
from sepa_batch.config import Config
from sepa_batch.db.schema import Customer, LedgerLine, Mandate, PaymentBatch, PreNotification
from sepa_batch.db.session import Database
from sepa_batch.domain import transitions
from sepa_batch.domain.model import ArticleKind, MandateStatus, Mode, SequenceType, Status
from sepa_batch.domain.policy import (
    Action,
    DateRule,
    MandateAction,
    ReasonPolicy,
    representation_for,
)
from sepa_batch.domain.unpaid import (
    MAX_LABEL,
    DirectDebitRule,
    SplitPart,
    UnpaidPlan,
    default_label,
    fit_label,
    plan_unpaid,
)
from sepa_batch.errors import InvalidInput
from sepa_batch.services.common import article_by_code, current_mandate, payment_line
from sepa_batch.services.dunning import locked_customer, open_cycle
from sepa_batch.services.sales import payment_line as new_payment_line
from sepa_batch.services.sales import sale_line

REASON_CODE = re.compile(r"[A-Z0-9]{1,8}")


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


@dataclass(frozen=True, slots=True)
class _Fee:
    cents: int = 0
    article_id: int | None = None
    label: str = ""


# --- what the workflow will do: decided first, nothing changed yet --------------------------


def _reason_code(line: LedgerLine, code: str | None) -> str | None:
    if not code:
        return None
    code = code.strip().upper()
    if not REASON_CODE.fullmatch(code):
        raise InvalidInput(f"line {line.id}", "reason", f"{code!r} is not a reason code")
    return code


def _fee(
    session: Session,
    config: Config,
    line: LedgerLine,
    options: UnpayOptions,
    policy: ReasonPolicy | None,
) -> _Fee:
    """The rejection fee: the options', else the policy's choice, else the configured article."""
    if options.no_fee:
        return _Fee()
    explicit = options.fee_article is not None or options.fee_cents is not None
    if policy is not None and not policy.fee and not explicit:
        return _Fee()
    code = options.fee_article or config.fee_article
    if code is None:
        if options.fee_cents:
            raise InvalidInput(
                f"line {line.id}", "fee_article", "a fee amount needs a rejection-fee article"
            )
        return _Fee()
    article = article_by_code(session, code, kind=ArticleKind.REJECTION_FEE)
    cents = article.price_cents if options.fee_cents is None else options.fee_cents
    return _Fee(cents, article.id, fit_label(article.label, f", payment #{line.id}"))


def _mandate_of(session: Session, line: LedgerLine) -> Mandate | None:
    if line.mandate_id is not None:
        return session.get(Mandate, line.mandate_id)
    return current_mandate(session, line.customer_id)


def _mandate_status_after(
    session: Session, line: LedgerLine, action: MandateAction
) -> MandateStatus | None:
    """The status of the mandate a re-presentation would use, once ``action`` is done
    (``None``: the customer has no mandate)."""
    mandate = current_mandate(session, line.customer_id)
    if mandate is None:
        return None
    touched = _mandate_of(session, line) if line.mode == Mode.DIRECT_DEBIT else None
    if action is MandateAction.KEEP or touched is None or touched.id != mandate.id:
        return MandateStatus(mandate.status)
    return MandateStatus.REVOKED if action is MandateAction.REVOKE else MandateStatus.FLAGGED


def _representation(
    session: Session,
    config: Config,
    line: LedgerLine,
    options: UnpayOptions,
    policy: ReasonPolicy | None,
) -> tuple[Mode, DateRule]:
    """Mode and date rule of the re-presentation. A direct debit needs a mandate: the policy
    falls back to a cheque, an explicit choice without one is refused."""
    status = _mandate_status_after(session, line, policy.mandate if policy else MandateAction.KEEP)
    wants_debit = Mode.DIRECT_DEBIT in (options.mode, *(part.mode for part in options.split))
    if wants_debit and status in (None, MandateStatus.REVOKED):
        raise InvalidInput(
            f"line {line.id}",
            "mode",
            "a direct-debit re-presentation needs a mandate that is not revoked",
        )
    if options.mode is not None:
        return Mode(options.mode), DateRule.TODAY
    if policy is None:
        return config.default_mode, DateRule.TODAY
    chosen = representation_for(
        policy, _failed_tries(line), can_direct_debit=status is MandateStatus.ACTIVE
    )
    return chosen.mode, chosen.date_rule


def _technical(policy: ReasonPolicy, line: LedgerLine) -> ReasonPolicy:
    """A settled payment returned for a creditor-side or technical reason: re-presented as it
    was (a direct debit at the next collection), with no fee and the mandate kept."""
    debit = line.mode == Mode.DIRECT_DEBIT
    return replace(
        policy,
        action=Action.UNPAID,
        fee=False,
        mode=Mode(line.mode),
        date_rule=DateRule.NEXT_COLLECTION if debit else DateRule.TODAY,
        max_direct_debit_tries=_failed_tries(line) + 1,
        mandate=MandateAction.KEEP,
    )


def _plan(
    session: Session,
    config: Config,
    line: LedgerLine,
    day: date,
    options: UnpayOptions,
    policy: ReasonPolicy | None,
) -> tuple[UnpaidPlan, _Fee]:
    if options.label is not None and not options.label.strip():
        raise InvalidInput(f"line {line.id}", "label", "must not be empty")
    if options.label is not None and len(options.label) > MAX_LABEL:
        raise InvalidInput(f"line {line.id}", "label", f"at most {MAX_LABEL} characters")
    mode, rule = _representation(session, config, line, options, policy)
    fee = _fee(session, config, line, options, policy)
    debit = DirectDebitRule(config.pre_notification_days, config.collection_day)
    due = options.due_date or day
    if mode is Mode.DIRECT_DEBIT and rule is DateRule.NEXT_COLLECTION and not options.due_date:
        due = debit.due(day, None)
    plan = plan_unpaid(
        line_id=line.id,
        unpaid_cents=line.amount_cents,
        fee_cents=fee.cents,
        due_date=due,
        mode=mode,
        label=options.label or default_label(line.label, line.due_date),
        split=options.split,
        direct_debit=debit,
        day=day,
    )
    return plan, fee


def _failed_tries(line: LedgerLine) -> int:
    """Failed direct debits of this amount so far, this one included."""
    return line.direct_debit_tries + (1 if line.mode == Mode.DIRECT_DEBIT else 0)


# --- the changes ----------------------------------------------------------------------------


def _apply_mandate_action(
    session: Session, line: LedgerLine, action: MandateAction, code: str | None
) -> None:
    if action is MandateAction.KEEP or line.mode != Mode.DIRECT_DEBIT:
        return
    mandate = _mandate_of(session, line)
    if mandate is None or mandate.status == MandateStatus.REVOKED:
        return
    revoke = action is MandateAction.REVOKE
    mandate.status = MandateStatus.REVOKED if revoke else MandateStatus.FLAGGED
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


def _add(session: Session, line: LedgerLine) -> int:
    session.add(line)
    session.flush()
    return line.id


def _record(
    session: Session,
    config: Config,
    line: LedgerLine,
    day: date,
    plan: UnpaidPlan,
    fee: _Fee,
    outcome: UnpaidOutcome,
) -> None:
    """The three kinds of new lines: fee sale, reversal, re-presentation(s)."""
    customer = session.get(Customer, line.customer_id)
    if plan.fee_cents:
        outcome.fee_line = _add(
            session,
            sale_line(
                customer,
                article_id=fee.article_id,
                day=day,
                label=fee.label,
                amount_cents=plan.fee_cents,
            ),
        )
    reversal = new_payment_line(
        customer,
        day=day,
        label=fit_label(f"Cancels unpaid payment #{line.id}: {line.label}"),
        amount_cents=plan.reversal_cents,
        mode=Mode(line.mode),
        due=day,
        status=Status.PAID,
        paid_on=day,
    )
    reversal.reverses_id = line.id
    outcome.reversal_line = _add(session, reversal)
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
        again.direct_debit_tries = _failed_tries(line) if part.mode == Mode.DIRECT_DEBIT else 0
        outcome.representation_lines.append(_add(session, again))
        if part.mode == Mode.DIRECT_DEBIT:
            _prenotify(session, config, customer, again, day)


def apply_unpaid(
    session: Session,
    config: Config,
    line: LedgerLine,
    day: date,
    options: UnpayOptions = UnpayOptions(),
) -> UnpaidOutcome:
    """Run the unpaid workflow on ``line`` inside the caller's transaction."""
    code = _reason_code(line, options.reason_code)
    policy = config.policy.for_code(code) if code else None
    action = policy.action if policy else Action.UNPAID
    if action is Action.REVIEW:  # duplicate or cancelled: a person looks at it
        transitions.check(line.id, line.status, Status.UNPAID, "unpay")
        line.needs_review = True
        line.reason_code = code
        return UnpaidOutcome(action, line.id)
    if action is Action.RESCHEDULE and line.status == Status.SUBMITTED:
        reschedule(session, line, code)
        return UnpaidOutcome(action, line.id)
    technical = action is Action.RESCHEDULE
    if technical:  # settled, then returned for a technical reason: no dunning either
        policy = _technical(policy, line)
    transitions.check(line.id, line.status, Status.UNPAID, "unpay")
    plan, fee = _plan(session, config, line, day, options, policy)

    if not technical:
        open_cycle(session, locked_customer(session, line.customer_id), day)
    _release_first_collection(session, line)
    line.status = Status.UNPAID
    line.reason_code = code
    outcome = UnpaidOutcome(
        policy.action if policy else action,
        line.id,
        mandate_action=policy.mandate if policy else MandateAction.KEEP,
    )
    _record(session, config, line, day, plan, fee, outcome)
    _apply_mandate_action(session, line, outcome.mandate_action, code)
    return outcome


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
    path = config.folders.notices / notices.file_name(
        "prenotification", customer.code, f"line{line.id}"
    )
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
        target = transitions.check(line.id, line.status, Status.PAID, "pay")
        if line.amount_cents <= 0:
            raise InvalidInput(f"line {line_id}", "amount", "only a positive instalment is paid")
        line.status = target
        line.paid_on = day
        if mode is not None:
            line.mode = mode
        return Payment(line.id, day, line.mode)
