"""A mandate amended (``mandate update``, and the ``--update`` import): a new IBAN, BIC or
reference under the same signature, carried by the next collection in its amendment details,
and written in the mandate's history."""

from __future__ import annotations

from datetime import date

from schwifty import IBAN
from sqlalchemy import select
from sqlalchemy.orm import Session

from sepa_batch.db.schema import Customer, Mandate, MandateEvent
from sepa_batch.db.session import Database
from sepa_batch.domain.model import MandateStatus
from sepa_batch.errors import InvalidInput
from sepa_batch.identifiers import mask_iban
from sepa_batch.services.common import current_mandate, customer_by_code
from sepa_batch.services.master_data.fields import valid_bic, valid_iban, valid_reference


def update_mandate(
    db: Database,
    customer_code: str,
    *,
    iban: str,
    bic: str | None = None,
    reference: str | None = None,
    today: date | None = None,
) -> Mandate:
    """Record an amendment; the next collection carries it in its amendment details.

    New IBAN at the same bank → original IBAN; new bank → SMNDA; new reference → original
    reference. A flagged mandate (debtor data to correct) becomes active again.
    """
    record = f"customer {customer_code}"
    new_iban = IBAN(valid_iban(iban, record, "--iban"))
    new_bic = valid_bic(bic, record, "--bic") if bic else None
    if reference is not None:
        reference = valid_reference(reference, record, "--reference")
    with db.transaction() as session:
        customer = customer_by_code(session, customer_code)
        return amend_mandate(session, customer, new_iban, new_bic, reference, today=today)


def amend_mandate(
    session: Session,
    customer: Customer,
    new_iban: IBAN,
    new_bic: str | None,
    reference: str | None = None,
    *,
    today: date | None = None,
) -> Mandate:
    """``update_mandate`` inside the caller's transaction (the ``--update`` import uses it);
    with ``today``, the amendment is written in the mandate's history."""
    record = f"customer {customer.code}"
    mandate = current_mandate(session, customer.id)
    if mandate is None:
        raise InvalidInput(record, "mandate", "has no mandate to amend")
    if mandate.status == MandateStatus.REVOKED:
        raise InvalidInput(
            record,
            "mandate",
            f"mandate {mandate.reference} is revoked; a new mandate must be signed",
        )
    before = (mandate.iban, mandate.bic, mandate.reference)
    _new_account(mandate, new_iban, new_bic)
    if reference and reference != mandate.reference:
        clash = session.execute(select(Mandate.id).where(Mandate.reference == reference)).first()
        if clash:
            raise InvalidInput(record, "reference", f"mandate {reference} already exists")
        mandate.amend_original_reference = mandate.amend_original_reference or mandate.reference
        mandate.reference = reference
    if mandate.status == MandateStatus.FLAGGED:
        mandate.status = MandateStatus.ACTIVE
        mandate.status_reason = None
    if today is not None:
        record_amendment(session, mandate, before, today)
    return mandate


def _new_account(mandate: Mandate, new_iban: IBAN, new_bic: str | None) -> None:
    """The new IBAN and BIC: the same bank keeps the original IBAN for the amendment details,
    another bank is SMNDA (and drops the old BIC unless a new one is given)."""
    old_iban = IBAN(mandate.iban, allow_invalid=True)  # a wrong IBAN is being corrected
    if new_iban.compact != old_iban.compact and not old_iban.is_valid:
        mandate.iban = new_iban.compact  # never presented: a correction, not an amendment
    elif new_iban.compact != old_iban.compact:
        same_bank = new_iban.bank_code == old_iban.bank_code and (
            new_iban.country_code == old_iban.country_code
        )
        if same_bank:
            mandate.amend_original_iban = mandate.amend_original_iban or old_iban.compact
        else:
            mandate.amend_new_bank = True
        mandate.iban = new_iban.compact
    if new_bic:
        mandate.bic = new_bic
    elif new_iban.compact != old_iban.compact and mandate.amend_new_bank:
        mandate.bic = None


def record_amendment(session: Session, mandate: Mandate, before: tuple, today: date) -> None:
    """The amendment in the mandate's history (``mandate show``), if it changed anything."""
    iban, bic, reference = before
    detail = []
    if mandate.iban != iban:
        detail.append(f"IBAN {mask_iban(iban)} → {mask_iban(mandate.iban)}")
        if mandate.amend_new_bank:
            detail.append("new bank (SMNDA)")
    if mandate.bic != bic:
        detail.append(f"BIC {bic or '-'} → {mandate.bic or '-'}")
    if mandate.reference != reference:
        detail.append(f"reference {reference} → {mandate.reference}")
    if not detail:
        return
    session.add(
        MandateEvent(mandate_id=mandate.id, on=today, kind="amended", detail="; ".join(detail))
    )
