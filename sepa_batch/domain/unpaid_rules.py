"""What the unpaid workflow decides for one line, from what it read: no database, no I/O.

An ``UnpaidCase`` is a payment line and what the rules read around it (customer, mandates,
batch); ``UnpayOptions`` is what the back office chose. From them, and the reason code's
policy, these functions decide the re-presentation's mode and date rule, whether a fee is
billed, what becomes of the mandate, and the lines ``plan_unpaid`` adds. The storage
(``sepa_batch.unpaid``) reads the cases and writes what is decided.

>>> case = UnpaidCase(1, 7, "SUBMITTED", "DIRECT_DEBIT", 5000, "Abonnement 07/2010",
...                   None, 1, 3, "E2E-1", 2, False, "C7", "Ana", None, None, None,
...                   MandateFacts(2, "ACTIVE", "UMR-7"), MandateFacts(2, "ACTIVE", "UMR-7"))
>>> failed_tries(case), mandate_status_after(case, MandateAction.REVOKE)
(2, <MandateStatus.REVOKED: 'REVOKED'>)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from sepa_batch import labels
from sepa_batch.domain.model import MandateStatus, Mode, Status
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
    plan_unpaid,
)
from sepa_batch.errors import InvalidInput

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


@dataclass(frozen=True, slots=True)
class Fee:
    """The rejection fee billed: ``cents`` 0 means none."""

    cents: int = 0
    article_id: int | None = None
    label: str = ""


@dataclass(frozen=True, slots=True)
class FeeArticle:
    """The rejection-fee article, as the fee reads it."""

    id: int
    price_cents: int
    label: str


def reason_code(line_id: int, code: str | None) -> str | None:
    """The reason code, upper case, or None; refuses what is not an ISO-like code."""
    if not code:
        return None
    code = code.strip().upper()
    if not REASON_CODE.fullmatch(code):
        raise InvalidInput(f"line {line_id}", "reason", f"{code!r} is not a reason code")
    return code


def failed_tries(case: UnpaidCase) -> int:
    """Failed direct debits of this amount so far, this one included."""
    return case.direct_debit_tries + (1 if case.mode == Mode.DIRECT_DEBIT else 0)


def mandate_status_after(case: UnpaidCase, action: MandateAction) -> MandateStatus | None:
    """The status of the mandate a re-presentation would use, once ``action`` is done
    (``None``: the customer has no mandate)."""
    mandate = case.current_mandate
    if mandate is None:
        return None
    touched = case.mandate if case.mode == Mode.DIRECT_DEBIT else None
    if action is MandateAction.KEEP or touched is None or touched.id != mandate.id:
        return MandateStatus(mandate.status)
    return MandateStatus.REVOKED if action is MandateAction.REVOKE else MandateStatus.FLAGGED


def representation(
    default_mode: Mode, case: UnpaidCase, options: UnpayOptions, policy: ReasonPolicy | None
) -> tuple[Mode, DateRule]:
    """Mode and date rule of the re-presentation. A direct debit needs a mandate: the policy
    falls back to a cheque, an explicit choice without one is refused."""
    status = mandate_status_after(case, policy.mandate if policy else MandateAction.KEEP)
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
        return default_mode, DateRule.TODAY
    chosen = representation_for(
        policy, failed_tries(case), can_direct_debit=status is MandateStatus.ACTIVE
    )
    return chosen.mode, chosen.date_rule


def technical(policy: ReasonPolicy, case: UnpaidCase) -> ReasonPolicy:
    """A settled payment returned for a creditor-side or technical reason: re-presented as it
    was (a direct debit at the next collection), with no fee and the mandate kept."""
    debit = case.mode == Mode.DIRECT_DEBIT
    return replace(
        policy,
        action=Action.UNPAID,
        fee=False,
        mode=Mode(case.mode),
        date_rule=DateRule.NEXT_COLLECTION if debit else DateRule.TODAY,
        max_direct_debit_tries=failed_tries(case) + 1,
        mandate=MandateAction.KEEP,
    )


def fee_article_code(
    case: UnpaidCase, options: UnpayOptions, policy: ReasonPolicy | None, configured: str | None
) -> str | None:
    """The code of the rejection-fee article to bill — the options', else the configured
    article — or None: no fee (``no_fee``, the policy's choice, or no article)."""
    if options.no_fee:
        return None
    explicit = options.fee_article is not None or options.fee_cents is not None
    if policy is not None and not policy.fee and not explicit:
        return None
    code = options.fee_article or configured
    if code is None and options.fee_cents:
        raise InvalidInput(
            f"line {case.line_id}", "fee_article", "a fee amount needs a rejection-fee article"
        )
    return code


def fee(case: UnpaidCase, options: UnpayOptions, article: FeeArticle, language: str) -> Fee:
    """The fee billed with ``article``: its price unless the back office gave an amount."""
    cents = article.price_cents if options.fee_cents is None else options.fee_cents
    return Fee(cents, article.id, labels.fee(article.label, case.mode, case.line_id, language))


def check_label(line_id: int, label: str | None) -> None:
    """A label the back office gives is not empty and fits a ledger line."""
    if label is not None and not label.strip():
        raise InvalidInput(f"line {line_id}", "label", "must not be empty")
    if label is not None and len(label) > MAX_LABEL:
        raise InvalidInput(f"line {line_id}", "label", f"at most {MAX_LABEL} characters")


def plan(
    case: UnpaidCase,
    options: UnpayOptions,
    chosen: tuple[Mode, DateRule],
    fee_cents: int,
    *,
    direct_debit: DirectDebitRule,
    day: date,
    language: str,
) -> UnpaidPlan:
    """The lines the workflow adds, re-presented in the ``chosen`` mode and date rule."""
    mode, rule = chosen
    due = options.due_date or day
    if mode is Mode.DIRECT_DEBIT and rule is DateRule.NEXT_COLLECTION and not options.due_date:
        due = direct_debit.due(day, None)
    return plan_unpaid(
        line_id=case.line_id,
        unpaid_cents=case.amount_cents,
        fee_cents=fee_cents,
        due_date=due,
        mode=mode,
        label=options.label or representation_label(case, language),
        split=options.split,
        direct_debit=direct_debit,
        day=day,
    )


def representation_label(case: UnpaidCase, language: str) -> str:
    """Names the original instalment, also when ``case`` is itself a re-presentation: labels
    never nest."""
    return default_label(case.label, case.due_date, language)


def first_collection_released(case: UnpaidCase) -> int | None:
    """A rejected (not settled) first collection does not use up the FRST: the id of the
    mandate whose FRST is given back, or None."""
    if case.batch_id is None or case.status != Status.SUBMITTED:
        return None
    if case.first_collection and case.mandate is not None:
        return case.mandate.id
    return None


def mandate_change(case: UnpaidCase, action: MandateAction) -> tuple[int, MandateStatus] | None:
    """(mandate id, new status) the policy's ``action`` makes of the mandate a direct debit
    was collected under, or None: nothing changes."""
    if action is MandateAction.KEEP or case.mode != Mode.DIRECT_DEBIT:
        return None
    mandate = case.mandate
    if mandate is None or mandate.status == MandateStatus.REVOKED:
        return None
    revoke = action is MandateAction.REVOKE
    return mandate.id, MandateStatus.REVOKED if revoke else MandateStatus.FLAGGED
