"""The unpaid workflow's decisions, without a database: a case in, a decision out."""

from dataclasses import replace
from datetime import date

import pytest

from sepa_batch.domain import unpaid_rules as rules
from sepa_batch.domain.model import MandateStatus, Mode
from sepa_batch.domain.policy import Action, DateRule, MandateAction, ReasonPolicy
from sepa_batch.domain.unpaid import DirectDebitRule, SplitPart
from sepa_batch.domain.unpaid_rules import FeeArticle, MandateFacts, UnpaidCase, UnpayOptions
from sepa_batch.errors import InvalidInput

ACTIVE = MandateFacts(2, "ACTIVE", "UMR-7")
CASE = UnpaidCase(
    line_id=1, customer_id=7, status="SUBMITTED", mode="DIRECT_DEBIT", amount_cents=5000,
    label="Abonnement 07/2010", due_date=date(2010, 7, 5), direct_debit_tries=0, batch_id=3,
    end_to_end_id="E2E-1", mandate_id=2, first_collection=True, customer_code="C7",
    customer_name="Ana", customer_email=None, customer_language=None, dunning_since=None,
    line_mandate=ACTIVE, current_mandate=ACTIVE,
)  # fmt: skip
AM04 = ReasonPolicy(
    codes=("AM04",), meaning="insufficient funds", action=Action.UNPAID, fee=True,
    mode=Mode.DIRECT_DEBIT, date_rule=DateRule.NEXT_COLLECTION, max_direct_debit_tries=2,
    mandate=MandateAction.KEEP,
)  # fmt: skip
MD01 = replace(AM04, codes=("MD01",), mandate=MandateAction.REVOKE)
NO_OPTIONS = UnpayOptions()


def test_reason_codes_are_upper_case_and_checked():
    assert rules.reason_code(1, " am04 ") == "AM04"
    assert rules.reason_code(1, None) is None and rules.reason_code(1, "") is None
    with pytest.raises(InvalidInput, match="is not a reason code"):
        rules.reason_code(1, "AM 04")


def test_a_failed_direct_debit_counts_one_more_try():
    assert rules.failed_tries(CASE) == 1
    assert rules.failed_tries(replace(CASE, direct_debit_tries=2)) == 3
    assert rules.failed_tries(replace(CASE, mode="CHEQUE", direct_debit_tries=2)) == 2


def test_the_mandate_status_a_representation_would_use():
    assert rules.mandate_status_after(CASE, MandateAction.KEEP) is MandateStatus.ACTIVE
    assert rules.mandate_status_after(CASE, MandateAction.REVOKE) is MandateStatus.REVOKED
    assert rules.mandate_status_after(CASE, MandateAction.FLAG) is MandateStatus.FLAGGED
    # a cheque touches no mandate; a customer without one has none to use
    cheque = replace(CASE, mode="CHEQUE")
    assert rules.mandate_status_after(cheque, MandateAction.REVOKE) is MandateStatus.ACTIVE
    assert (
        rules.mandate_status_after(replace(CASE, current_mandate=None), MandateAction.KEEP) is None
    )


def test_the_policy_chooses_the_representation_unless_the_back_office_did():
    assert rules.representation(Mode.CHEQUE, CASE, NO_OPTIONS, AM04) == (
        Mode.DIRECT_DEBIT,
        DateRule.NEXT_COLLECTION,
    )
    # past the tries, or with the mandate revoked by the same code: a cheque, today
    tired = replace(CASE, direct_debit_tries=1)
    assert rules.representation(Mode.CHEQUE, tired, NO_OPTIONS, AM04) == (
        Mode.CHEQUE,
        DateRule.TODAY,
    )
    assert rules.representation(Mode.CHEQUE, CASE, NO_OPTIONS, MD01)[0] is Mode.CHEQUE
    # no code: the configured default mode; an explicit mode wins
    assert rules.representation(Mode.CASH, CASE, NO_OPTIONS, None) == (Mode.CASH, DateRule.TODAY)
    chosen = UnpayOptions(mode=Mode.TRANSFER)
    assert rules.representation(Mode.CASH, CASE, chosen, AM04) == (Mode.TRANSFER, DateRule.TODAY)


def test_a_direct_debit_without_a_usable_mandate_is_refused():
    debit = UnpayOptions(mode=Mode.DIRECT_DEBIT)
    with pytest.raises(InvalidInput, match="needs a mandate"):
        rules.representation(Mode.CHEQUE, CASE, debit, MD01)
    split = UnpayOptions(split=(SplitPart(date(2010, 8, 5), 5000, Mode.DIRECT_DEBIT),))
    with pytest.raises(InvalidInput, match="needs a mandate"):
        rules.representation(Mode.CHEQUE, replace(CASE, current_mandate=None), split, None)


def test_a_technical_return_of_a_settled_debit_is_presented_again_as_it_was():
    technical = rules.technical(replace(MD01, action=Action.RESCHEDULE), CASE)
    assert (technical.action, technical.fee, technical.mandate) == (
        Action.UNPAID,
        False,
        MandateAction.KEEP,
    )
    assert (technical.mode, technical.date_rule) == (Mode.DIRECT_DEBIT, DateRule.NEXT_COLLECTION)
    assert technical.max_direct_debit_tries == 2  # one more try than failed so far
    cheque = rules.technical(AM04, replace(CASE, mode="CHEQUE"))
    assert (cheque.mode, cheque.date_rule) == (Mode.CHEQUE, DateRule.TODAY)


def test_which_fee_article_is_billed():
    assert rules.fee_article_code(CASE, NO_OPTIONS, AM04, "FRAIS") == "FRAIS"
    assert rules.fee_article_code(CASE, NO_OPTIONS, None, "FRAIS") == "FRAIS"
    assert rules.fee_article_code(CASE, UnpayOptions(no_fee=True), AM04, "FRAIS") is None
    no_fee = replace(AM04, fee=False)
    assert rules.fee_article_code(CASE, NO_OPTIONS, no_fee, "FRAIS") is None
    # what the back office chose explicitly wins over the policy
    assert rules.fee_article_code(CASE, UnpayOptions(fee_cents=300), no_fee, "FRAIS") == "FRAIS"
    assert rules.fee_article_code(CASE, UnpayOptions(fee_article="X"), no_fee, None) == "X"
    assert rules.fee_article_code(CASE, NO_OPTIONS, AM04, None) is None
    with pytest.raises(InvalidInput, match="needs a rejection-fee article"):
        rules.fee_article_code(CASE, UnpayOptions(fee_cents=300), AM04, None)


def test_the_fee_is_the_articles_price_unless_an_amount_is_given():
    article = FeeArticle(9, 700, "Frais de rejet")
    fee = rules.fee(CASE, NO_OPTIONS, article, "fr")
    assert (fee.cents, fee.article_id) == (700, 9) and "Frais de rejet" in fee.label
    assert rules.fee(CASE, UnpayOptions(fee_cents=250), article, "fr").cents == 250


def test_labels_the_back_office_gives_are_checked():
    rules.check_label(1, None)
    rules.check_label(1, "Re-presentation")
    with pytest.raises(InvalidInput, match="must not be empty"):
        rules.check_label(1, "  ")
    with pytest.raises(InvalidInput, match="at most 140"):
        rules.check_label(1, "x" * 141)


def test_the_plan_moves_a_next_collection_debit_to_a_reachable_collection_day():
    debit = DirectDebitRule(notice_days=14, collection_day=5)
    chosen = (Mode.DIRECT_DEBIT, DateRule.NEXT_COLLECTION)
    plan = rules.plan(
        CASE, NO_OPTIONS, chosen, 700, direct_debit=debit, day=date(2010, 7, 20), language="en"
    )
    [part] = plan.representations
    assert (part.due_date, part.amount_cents, part.mode) == (
        date(2010, 8, 5),
        5700,
        Mode.DIRECT_DEBIT,
    )
    assert part.label.startswith("Re-presentation of unpaid Abonnement 07/2010")
    assert (plan.fee_cents, plan.reversal_cents) == (700, -5000)
    today = rules.plan(
        CASE, NO_OPTIONS, (Mode.CHEQUE, DateRule.TODAY), 0,
        direct_debit=debit, day=date(2010, 7, 20), language="en",
    )  # fmt: skip
    assert today.representations[0].due_date == date(2010, 7, 20)


def test_what_becomes_of_the_mandate_and_of_the_first_collection():
    assert rules.mandate_change(CASE, MandateAction.KEEP) is None
    assert rules.mandate_change(CASE, MandateAction.REVOKE) == (2, MandateStatus.REVOKED)
    assert rules.mandate_change(CASE, MandateAction.FLAG) == (2, MandateStatus.FLAGGED)
    assert rules.mandate_change(replace(CASE, mode="CHEQUE"), MandateAction.REVOKE) is None
    revoked = MandateFacts(2, "REVOKED", "UMR-7")
    assert rules.mandate_change(replace(CASE, line_mandate=revoked), MandateAction.FLAG) is None
    # a rejected first collection gives its FRST back; a settled one, or a RCUR, does not
    assert rules.first_collection_released(CASE) == 2
    assert rules.first_collection_released(replace(CASE, status="PAID")) is None
    assert rules.first_collection_released(replace(CASE, first_collection=False)) is None
    assert rules.first_collection_released(replace(CASE, batch_id=None)) is None
