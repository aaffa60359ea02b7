"""The unpaid workflow (Impayer) and ``pay`` (Payer), PRODUCT §4.

One service for one line and for a whole return file. ``UnpaidBatch`` decides, line by line,
what the workflow does from an ``UnpaidCase`` — the payment line and what the rules read around
it (customer, mandates, batch), read for many lines at once by ``load_cases`` — and queues the
changes; ``write`` then makes the changes of all the queued lines with a few set-based
statements. The back office's ``unpay`` (and ``apply_unpaid``) is a batch of one; the return
import plans a chunk of its file at a time. Everything about a line is checked before its
changes are queued: a refused unpaid changes nothing.

The lines of one batch must not share a customer or a mandate (``UnpaidCase.keys``): what a
line's workflow changes — its mandate's status, its customer's dunning cycle — is what the next
line of that customer reads. A caller that meets such a line writes the batch first and reads
the line again.

With a reason code the policy table (configuration) chooses what the back office did not:
``unpaid`` runs the workflow (fee or not, re-presentation mode and date, what becomes of the
mandate), ``reschedule`` puts a rejected line back for the next collection, ``review`` only
flags the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from sepa_batch import labels, notices
from sepa_batch.config import Config
from sepa_batch.db.lines import insert_lines, new_line
from sepa_batch.db.queries import current_mandate_id
from sepa_batch.db.schema import (
    Article,
    Customer,
    LedgerLine,
    Mandate,
    PaymentBatch,
    PreNotification,
)
from sepa_batch.db.session import Database
from sepa_batch.domain import transitions
from sepa_batch.domain.model import (
    ArticleKind,
    LineKind,
    MandateStatus,
    Mode,
    SequenceType,
    Status,
)
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
    Instalment,
    SplitPart,
    UnpaidPlan,
    default_label,
    plan_unpaid,
)
from sepa_batch.errors import InvalidInput
from sepa_batch.services.common import article_by_code, payment_line
from sepa_batch.services.dunning import cycle_is_over

REASON_CODE = re.compile(r"[A-Z0-9]{1,8}")
#: Values in one ``IN (...)`` list.
IN_CHUNK = 1000


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
    rescheduled: bool = False  # back to SCHEDULED: the line has left its batch

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


# --- what the workflow reads, for many lines at once -----------------------------------------


@dataclass(frozen=True, slots=True)
class MandateFacts:
    id: int
    status: str
    reference: str


@dataclass(frozen=True, slots=True)
class UnpaidCase:
    """A payment line and what the unpaid workflow reads around it."""

    line_id: int
    customer_id: int
    status: str
    mode: str | None
    amount_cents: int
    label: str
    due_date: date | None
    direct_debit_tries: int
    batch_id: int | None
    end_to_end_id: str | None
    mandate_id: int | None
    first_collection: bool  # collected in a FRST batch
    customer_code: str
    customer_name: str
    customer_email: str | None
    customer_language: str | None
    dunning_since: date | None
    line_mandate: MandateFacts | None  # the mandate ``mandate_id`` names
    current_mandate: MandateFacts | None  # the customer's current mandate

    @property
    def mandate(self) -> MandateFacts | None:
        """The mandate the line was collected under, else the customer's current one."""
        return self.line_mandate if self.mandate_id is not None else self.current_mandate

    @property
    def keys(self) -> set[tuple[str, int]]:
        """What the workflow of this line reads and may change: its line, its customer (the
        dunning cycle, the customer's lines) and its mandates."""
        keys = {("line", self.line_id), ("customer", self.customer_id)}
        for mandate in (self.line_mandate, self.current_mandate):
            if mandate is not None:
                keys.add(("mandate", mandate.id))
        return keys


_CASE_COLUMNS = (
    LedgerLine.id,
    LedgerLine.customer_id,
    LedgerLine.status,
    LedgerLine.mode,
    LedgerLine.amount_cents,
    LedgerLine.label,
    LedgerLine.due_date,
    LedgerLine.direct_debit_tries,
    LedgerLine.batch_id,
    LedgerLine.end_to_end_id,
    LedgerLine.mandate_id,
    PaymentBatch.sequence_type,
    Customer.code,
    Customer.name,
    Customer.email,
    Customer.language,
    Customer.dunning_since,
    Mandate.status.label("mandate_status"),
    Mandate.reference,
)


def load_cases(session: Session, *criteria) -> list[UnpaidCase]:
    """The lines that meet ``criteria`` with what the workflow reads; the lines and their
    customers stay locked until the transaction ends."""
    rows = session.execute(
        select(*_CASE_COLUMNS)
        .join(Customer, Customer.id == LedgerLine.customer_id)
        .outerjoin(Mandate, Mandate.id == LedgerLine.mandate_id)
        .outerjoin(PaymentBatch, PaymentBatch.id == LedgerLine.batch_id)
        .where(*criteria)
        .with_for_update(of=(LedgerLine, Customer))
    ).all()
    current = current_mandates(session, {row.customer_id for row in rows})
    return [
        UnpaidCase(
            line_id=row.id,
            customer_id=row.customer_id,
            status=row.status,
            mode=row.mode,
            amount_cents=row.amount_cents,
            label=row.label,
            due_date=row.due_date,
            direct_debit_tries=row.direct_debit_tries,
            batch_id=row.batch_id,
            end_to_end_id=row.end_to_end_id,
            mandate_id=row.mandate_id,
            first_collection=row.sequence_type == SequenceType.FRST,
            customer_code=row.code,
            customer_name=row.name,
            customer_email=row.email,
            customer_language=row.language,
            dunning_since=row.dunning_since,
            line_mandate=None
            if row.mandate_id is None
            else MandateFacts(row.mandate_id, row.mandate_status, row.reference),
            current_mandate=current.get(row.customer_id),
        )
        for row in rows
    ]


def current_mandates(session: Session, customer_ids: set[int]) -> dict[int, MandateFacts]:
    """Each customer's current mandate (:func:`sepa_batch.db.queries.current_mandate_id`)."""
    found: dict[int, MandateFacts] = {}
    ids = sorted(customer_ids)
    for start in range(0, len(ids), IN_CHUNK):
        rows = session.execute(
            select(Mandate.id, Mandate.customer_id, Mandate.status, Mandate.reference).where(
                Mandate.customer_id.in_(ids[start : start + IN_CHUNK]),
                Mandate.id == current_mandate_id(Mandate.customer_id),
            )
        )
        for mandate_id, customer_id, status, reference in rows:
            found[customer_id] = MandateFacts(mandate_id, status, reference)
    return found


# --- what the workflow will do: decided first, nothing changed yet --------------------------


def _reason_code(line_id: int, code: str | None) -> str | None:
    if not code:
        return None
    code = code.strip().upper()
    if not REASON_CODE.fullmatch(code):
        raise InvalidInput(f"line {line_id}", "reason", f"{code!r} is not a reason code")
    return code


def _failed_tries(case: UnpaidCase) -> int:
    """Failed direct debits of this amount so far, this one included."""
    return case.direct_debit_tries + (1 if case.mode == Mode.DIRECT_DEBIT else 0)


def _mandate_status_after(case: UnpaidCase, action: MandateAction) -> MandateStatus | None:
    """The status of the mandate a re-presentation would use, once ``action`` is done
    (``None``: the customer has no mandate)."""
    mandate = case.current_mandate
    if mandate is None:
        return None
    touched = case.mandate if case.mode == Mode.DIRECT_DEBIT else None
    if action is MandateAction.KEEP or touched is None or touched.id != mandate.id:
        return MandateStatus(mandate.status)
    return MandateStatus.REVOKED if action is MandateAction.REVOKE else MandateStatus.FLAGGED


def _representation(
    config: Config, case: UnpaidCase, options: UnpayOptions, policy: ReasonPolicy | None
) -> tuple[Mode, DateRule]:
    """Mode and date rule of the re-presentation. A direct debit needs a mandate: the policy
    falls back to a cheque, an explicit choice without one is refused."""
    status = _mandate_status_after(case, policy.mandate if policy else MandateAction.KEEP)
    wants_debit = Mode.DIRECT_DEBIT in (options.mode, *(part.mode for part in options.split))
    if wants_debit and status in (None, MandateStatus.REVOKED):
        raise InvalidInput(
            f"line {case.line_id}",
            "mode",
            "a direct-debit re-presentation needs a mandate that is not revoked",
        )
    if options.mode is not None:
        return Mode(options.mode), DateRule.TODAY
    if policy is None:
        return config.default_mode, DateRule.TODAY
    chosen = representation_for(
        policy, _failed_tries(case), can_direct_debit=status is MandateStatus.ACTIVE
    )
    return chosen.mode, chosen.date_rule


def _technical(policy: ReasonPolicy, case: UnpaidCase) -> ReasonPolicy:
    """A settled payment returned for a creditor-side or technical reason: re-presented as it
    was (a direct debit at the next collection), with no fee and the mandate kept."""
    debit = case.mode == Mode.DIRECT_DEBIT
    return replace(
        policy,
        action=Action.UNPAID,
        fee=False,
        mode=Mode(case.mode),
        date_rule=DateRule.NEXT_COLLECTION if debit else DateRule.TODAY,
        max_direct_debit_tries=_failed_tries(case) + 1,
        mandate=MandateAction.KEEP,
    )


@dataclass(slots=True)
class _NewLine:
    """A line the workflow adds, waiting for its id."""

    row: dict
    outcome: UnpaidOutcome
    role: str  # fee | reversal | representation
    case: UnpaidCase


class UnpaidBatch:
    """Unpaid workflows decided one line at a time (``unpaid``, ``reschedule``), written
    together (``write``), inside the caller's transaction. Ids of the new lines are in the
    outcomes once written."""

    def __init__(self, session: Session, config: Config, day: date):
        self.session = session
        self.config = config
        self.day = day
        written_until = session.execute(select(func.max(PaymentBatch.collection_date))).scalar()
        self._debit = DirectDebitRule(
            config.pre_notification_days,
            config.collection_day,
            written_until=written_until,
            cutoff_business_days=config.bank.cutoff_business_days,
        )
        self._articles: dict[str, Article] = {}
        self._lines: list[dict] = []  # updates, by id
        self._customers: list[dict] = []
        self._mandates: list[dict] = []
        self._new: list[_NewLine] = []

    @property
    def pending(self) -> bool:
        return bool(self._lines or self._customers or self._mandates or self._new)

    # --- deciding -----------------------------------------------------------------------
    def unpaid(self, case: UnpaidCase, options: UnpayOptions = UnpayOptions()) -> UnpaidOutcome:
        """Run the unpaid workflow on the line of ``case`` (queued until ``write``)."""
        code = _reason_code(case.line_id, options.reason_code)
        policy = self.config.policy.for_code(code) if code else None
        action = policy.action if policy else Action.UNPAID
        if action is Action.REVIEW:  # duplicate or cancelled: a person looks at it
            transitions.check(case.line_id, case.status, Status.UNPAID, "unpay")
            self._update_line(case, needs_review=True, reason_code=code)
            return UnpaidOutcome(action, case.line_id)
        if action is Action.RESCHEDULE and case.status == Status.SUBMITTED:
            self.reschedule(case, code)
            return UnpaidOutcome(action, case.line_id, rescheduled=True)
        technical = action is Action.RESCHEDULE
        if technical:  # settled, then returned for a technical reason: no dunning either
            policy = _technical(policy, case)
        transitions.check(case.line_id, case.status, Status.UNPAID, "unpay")
        plan, fee = self._plan(case, options, policy)

        if not technical:
            self._open_cycle(case)
        self._release_first_collection(case)
        self._update_line(case, status=Status.UNPAID.value, reason_code=code)
        outcome = UnpaidOutcome(
            policy.action if policy else action,
            case.line_id,
            mandate_action=policy.mandate if policy else MandateAction.KEEP,
        )
        self._add_lines(case, plan, fee, outcome)
        self._mandate_action(case, outcome.mandate_action, code)
        return outcome

    def reschedule(self, case: UnpaidCase, code: str | None) -> None:
        """Creditor-side or technical rejection: back to the next collection, no workflow."""
        transitions.check(case.line_id, case.status, Status.SCHEDULED, "reschedule")
        self._release_first_collection(case)
        self._update_line(
            case,
            status=Status.SCHEDULED.value,
            reason_code=code,
            batch_id=None,
            end_to_end_id=None,
            collection_date=None,
        )

    def flag_for_review(self, case: UnpaidCase, *, held_by: int | None = None) -> None:
        """Nothing but a flag: the back office decides (a creditor-initiated reversal); with
        ``held_by``, the open review item that holds the line out of settlement."""
        if held_by is None:
            self._update_line(case, needs_review=True)
        else:
            self._update_line(case, needs_review=True, held_by_return_id=held_by)

    def _plan(
        self, case: UnpaidCase, options: UnpayOptions, policy: ReasonPolicy | None
    ) -> tuple[UnpaidPlan, _Fee]:
        if options.label is not None and not options.label.strip():
            raise InvalidInput(f"line {case.line_id}", "label", "must not be empty")
        if options.label is not None and len(options.label) > MAX_LABEL:
            raise InvalidInput(f"line {case.line_id}", "label", f"at most {MAX_LABEL} characters")
        mode, rule = _representation(self.config, case, options, policy)
        fee = self._fee(case, options, policy)
        due = options.due_date or self.day
        if mode is Mode.DIRECT_DEBIT and rule is DateRule.NEXT_COLLECTION and not options.due_date:
            due = self._debit.due(self.day, None)
        plan = plan_unpaid(
            line_id=case.line_id,
            unpaid_cents=case.amount_cents,
            fee_cents=fee.cents,
            due_date=due,
            mode=mode,
            label=options.label or _representation_label(case, self.config.language),
            split=options.split,
            direct_debit=self._debit,
            day=self.day,
        )
        return plan, fee

    def _fee(self, case: UnpaidCase, options: UnpayOptions, policy: ReasonPolicy | None) -> _Fee:
        """The rejection fee: the options', else the policy's choice, else the configured
        article."""
        if options.no_fee:
            return _Fee()
        explicit = options.fee_article is not None or options.fee_cents is not None
        if policy is not None and not policy.fee and not explicit:
            return _Fee()
        code = options.fee_article or self.config.fee_article
        if code is None:
            if options.fee_cents:
                raise InvalidInput(
                    f"line {case.line_id}",
                    "fee_article",
                    "a fee amount needs a rejection-fee article",
                )
            return _Fee()
        article = self._articles.get(code)
        if article is None:
            article = article_by_code(self.session, code, kind=ArticleKind.REJECTION_FEE)
            self._articles[code] = article
        cents = article.price_cents if options.fee_cents is None else options.fee_cents
        label = labels.fee(article.label, case.mode, case.line_id, self.config.language)
        return _Fee(cents, article.id, label)

    # --- the changes, queued --------------------------------------------------------------
    def _update_line(self, case: UnpaidCase, **values) -> None:
        self._lines.append({"_id": case.line_id, **values})

    def _open_cycle(self, case: UnpaidCase) -> None:
        """An unpaid opens dunning: a new cycle from today, unless one is still running (a cycle
        whose reason is gone but that the daily job has not closed yet is replaced)."""
        if case.dunning_since is None or cycle_is_over(self.session, case.customer_id, self.day):
            self._customers.append({"_id": case.customer_id, "dunning_since": self.day})

    def _release_first_collection(self, case: UnpaidCase) -> None:
        """A rejected (not settled) first collection does not use up the FRST."""
        if case.batch_id is None or case.status != Status.SUBMITTED:
            return
        if case.first_collection and case.mandate is not None:
            self._mandates.append({"_id": case.mandate.id, "first_used": False})

    def _mandate_action(self, case: UnpaidCase, action: MandateAction, code: str | None) -> None:
        if action is MandateAction.KEEP or case.mode != Mode.DIRECT_DEBIT:
            return
        mandate = case.mandate
        if mandate is None or mandate.status == MandateStatus.REVOKED:
            return
        revoke = action is MandateAction.REVOKE
        status = MandateStatus.REVOKED if revoke else MandateStatus.FLAGGED
        self._mandates.append({"_id": mandate.id, "status": status.value, "status_reason": code})

    def _add_lines(
        self, case: UnpaidCase, plan: UnpaidPlan, fee: _Fee, outcome: UnpaidOutcome
    ) -> None:
        """The three kinds of new lines: fee sale, reversal, re-presentation(s)."""
        if plan.fee_cents:
            row = new_line(
                case.customer_id, LineKind.SALE, self.day, fee.label, plan.fee_cents,
                article_id=fee.article_id,
            )  # fmt: skip
            self._new.append(_NewLine(row, outcome, "fee", case))
        reversal = new_line(
            case.customer_id, LineKind.PAYMENT, self.day,
            labels.reversal(case.line_id, case.label, self.config.language), plan.reversal_cents,
            mode=Mode(case.mode).value, due_date=self.day, status=Status.PAID.value,
            paid_on=self.day, reverses_id=case.line_id,
        )  # fmt: skip
        self._new.append(_NewLine(reversal, outcome, "reversal", case))
        for part in plan.representations:
            self._new.append(
                _NewLine(self._representation_row(case, part), outcome, "representation", case)
            )

    def _representation_row(self, case: UnpaidCase, part: Instalment) -> dict:
        debit = part.mode == Mode.DIRECT_DEBIT
        return new_line(
            case.customer_id, LineKind.PAYMENT, self.day, part.label, part.amount_cents,
            mode=part.mode.value, due_date=part.due_date, status=Status.SCHEDULED.value,
            represents_id=case.line_id, direct_debit_tries=_failed_tries(case) if debit else 0,
        )  # fmt: skip

    # --- writing ----------------------------------------------------------------------------
    def write(self) -> None:
        """Make every queued change: updates by id, then the new lines (their ids come back
        in one round trip) and the pre-notifications of the direct debits among them."""
        if not self.pending:
            return
        self.session.flush()  # what the ORM holds goes first
        _update_by_id(self.session, LedgerLine, self._lines)
        _update_by_id(self.session, Customer, self._customers)
        _update_by_id(self.session, Mandate, self._mandates)
        new, self._lines, self._customers, self._mandates, self._new = self._new, [], [], [], []
        if not new:
            return
        ids = insert_lines(self.session, [added.row for added in new])
        prenotifications = []
        for added, line_id in zip(new, ids, strict=True):
            if added.role == "fee":
                added.outcome.fee_line = line_id
            elif added.role == "reversal":
                added.outcome.reversal_line = line_id
            else:
                added.outcome.representation_lines.append(line_id)
                if added.row["mode"] == Mode.DIRECT_DEBIT:
                    prenotifications.append(self._prenotification(added, line_id))
        if prenotifications:
            self.session.execute(insert(PreNotification.__table__), prenotifications)

    def _prenotification(self, added: _NewLine, line_id: int) -> dict:
        """A direct debit of a new amount is pre-notified (amount, date, UMR, creditor id)."""
        case, row, config = added.case, added.row, self.config
        mandate = case.current_mandate
        body = notices.prenotification(
            language=case.customer_language or config.dunning_language,
            sender=config.dunning_sender,
            creditor=config.creditor.name,
            creditor_id=config.creditor.creditor_id,
            name=case.customer_name,
            email=case.customer_email,
            amount_cents=row["amount_cents"],
            due=self._debit.requested(row["due_date"]),
            label=row["label"],
            mandate=mandate.reference if mandate else "-",
            day=self.day,
            line_id=line_id,
        )
        path = config.folders.notices / notices.file_name(
            "prenotification", case.customer_code, f"line{line_id}"
        )
        return {
            "line_id": line_id,
            "issued_on": self.day,
            "path": str(path),
            "body": body,
            "written": False,
        }


def _representation_label(case: UnpaidCase, language: str) -> str:
    """Names the original instalment, also when ``case`` is itself a re-presentation: labels
    never nest."""
    return default_label(case.label, case.due_date, language)


def _update_by_id(session: Session, model: type, rows: list[dict]) -> None:
    """``UPDATE ... WHERE id = :_id`` for each row (``_id`` plus the columns to set), one
    executemany per set of columns."""
    shapes: dict[tuple[str, ...], list[dict]] = {}
    for row in rows:
        shapes.setdefault(tuple(sorted(row)), []).append(row)
    table = model.__table__
    for params in shapes.values():
        session.execute(update(table).where(table.c.id == bindparam("_id")), params)


# --- one line ---------------------------------------------------------------------------------


def apply_unpaid(
    session: Session,
    config: Config,
    line: LedgerLine,
    day: date,
    options: UnpayOptions = UnpayOptions(),
) -> UnpaidOutcome:
    """Run the unpaid workflow on ``line`` inside the caller's transaction (a batch of one)."""
    session.flush()
    [case] = load_cases(session, LedgerLine.id == line.id)
    batch = UnpaidBatch(session, config, day)
    outcome = batch.unpaid(case, options)
    batch.write()
    session.refresh(line)  # the caller sees the line as the workflow left it
    return outcome


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


def pay(
    db: Database, line_id: int, day: date, *, mode: Mode | None = None, today: date | None = None
) -> Payment:
    """Payer: an open instalment (scheduled or overdue) becomes paid on ``day``, which is not
    after ``today`` (a payment is recorded once it happened)."""
    if today is not None and day > today:
        raise InvalidInput(
            f"line {line_id}", "--date", f"{day} is in the future (today is {today})"
        )
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
