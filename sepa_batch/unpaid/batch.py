"""``UnpaidBatch``: unpaid workflows decided one line at a time, written together.

The decisions are the domain's (:mod:`sepa_batch.domain.unpaid_rules`); this class looks up
what they need that the case does not carry (the fee article, whether a dunning cycle is
over), queues the changes, and ``write`` makes the changes of all the queued lines with a few
set-based statements. Everything about a line is checked before its changes are queued: a
refused unpaid changes nothing.

The lines of one batch must not share a customer or a mandate (``UnpaidCase.keys``): what a
line's workflow changes — its mandate's status, its customer's dunning cycle — is what the next
line of that customer reads. A caller that meets such a line writes the batch first and reads
the line again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sepa_batch import labels, notices
from sepa_batch.config import Config
from sepa_batch.db.bulk import insert_rows, update_by_id
from sepa_batch.db.lines import insert_lines, new_line
from sepa_batch.db.schema import Customer, LedgerLine, Mandate, PaymentBatch, PreNotification
from sepa_batch.domain import transitions, unpaid_rules
from sepa_batch.domain.model import ArticleKind, LineKind, Mode, Status
from sepa_batch.domain.policy import Action, MandateAction, ReasonPolicy
from sepa_batch.domain.unpaid import DirectDebitRule, Instalment, UnpaidPlan
from sepa_batch.domain.unpaid_rules import Fee, FeeArticle, UnpaidCase, UnpayOptions
from sepa_batch.services.common import article_by_code
from sepa_batch.services.dunning import cycle_is_over


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
        self._articles: dict[str, FeeArticle] = {}
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
        code = unpaid_rules.reason_code(case.line_id, options.reason_code)
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
            policy = unpaid_rules.technical(policy, case)
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
        change = unpaid_rules.mandate_change(case, outcome.mandate_action)
        if change is not None:
            mandate_id, status = change
            self._mandates.append(
                {"_id": mandate_id, "status": status.value, "status_reason": code}
            )
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
    ) -> tuple[UnpaidPlan, Fee]:
        unpaid_rules.check_label(case.line_id, options.label)
        chosen = unpaid_rules.representation(self.config.default_mode, case, options, policy)
        fee = self._fee(case, options, policy)
        plan = unpaid_rules.plan(
            case, options, chosen, fee.cents,
            direct_debit=self._debit, day=self.day, language=self.config.language,
        )  # fmt: skip
        return plan, fee

    def _fee(self, case: UnpaidCase, options: UnpayOptions, policy: ReasonPolicy | None) -> Fee:
        code = unpaid_rules.fee_article_code(case, options, policy, self.config.fee_article)
        if code is None:
            return Fee()
        article = self._articles.get(code)
        if article is None:
            found = article_by_code(self.session, code, kind=ArticleKind.REJECTION_FEE)
            article = FeeArticle(found.id, found.price_cents, found.label)
            self._articles[code] = article
        return unpaid_rules.fee(case, options, article, self.config.language)

    # --- the changes, queued --------------------------------------------------------------
    def _update_line(self, case: UnpaidCase, **values) -> None:
        self._lines.append({"_id": case.line_id, **values})

    def _open_cycle(self, case: UnpaidCase) -> None:
        """An unpaid opens dunning: a new cycle from today, unless one is still running (a cycle
        whose reason is gone but that the daily job has not closed yet is replaced)."""
        if case.dunning_since is None or cycle_is_over(self.session, case.customer_id, self.day):
            self._customers.append({"_id": case.customer_id, "dunning_since": self.day})

    def _release_first_collection(self, case: UnpaidCase) -> None:
        mandate_id = unpaid_rules.first_collection_released(case)
        if mandate_id is not None:
            self._mandates.append({"_id": mandate_id, "first_used": False})

    def _add_lines(self, case: UnpaidCase, plan: UnpaidPlan, fee: Fee, outcome: UnpaidOutcome):
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
        tries = unpaid_rules.failed_tries(case) if debit else 0
        return new_line(
            case.customer_id, LineKind.PAYMENT, self.day, part.label, part.amount_cents,
            mode=part.mode.value, due_date=part.due_date, status=Status.SCHEDULED.value,
            represents_id=case.line_id, direct_debit_tries=tries,
        )  # fmt: skip

    # --- writing ----------------------------------------------------------------------------
    def write(self) -> None:
        """Make every queued change: updates by id, then the new lines (their ids come back
        in one round trip) and the pre-notifications of the direct debits among them."""
        if not self.pending:
            return
        self.session.flush()  # what the ORM holds goes first
        update_by_id(self.session, LedgerLine, self._lines)
        update_by_id(self.session, Customer, self._customers)
        update_by_id(self.session, Mandate, self._mandates)
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
        insert_rows(self.session, PreNotification.__table__, prenotifications)

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
