"""The life of a mandate after its import: a new mandate signed, a mandate revoked, its
history, and the mandates about to expire.

A mandate not collected for 36 months (``collection.mandate_void_months``) expires
(SDD Core rulebook; the collection skips it). Only the newest mandate not revoked is collected
(``services.common.current_mandate``); adding a mandate retires the one before it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from schwifty import IBAN
from sqlalchemy import select
from sqlalchemy.orm import Session

from sepa_batch.config import Address, Config
from sepa_batch.db.queries import current_mandate_id
from sepa_batch.db.schema import Customer, LedgerLine, Mandate, MandateEvent
from sepa_batch.db.session import Database
from sepa_batch.domain.model import MandateStatus, Mode, Status
from sepa_batch.errors import InvalidInput
from sepa_batch.identifiers import mask_iban
from sepa_batch.mandate_form import MandateForm, Party
from sepa_batch.money import format_amount
from sepa_batch.services.collection import add_months
from sepa_batch.services.common import current_mandate, customer_by_code
from sepa_batch.services.master_data.fields import valid_bic, valid_iban


def retire(session: Session, mandate: Mandate, today: date, reason: str) -> None:
    """Revoke ``mandate`` (never collected again) and write why in its history."""
    mandate.status = MandateStatus.REVOKED
    mandate.status_reason = reason[:140]
    mandate.revoked_on = today
    session.add(MandateEvent(mandate_id=mandate.id, on=today, kind="revoked", detail=reason))


def add_mandate_in(session: Session, customer: Customer, fields: dict, today: date) -> Mandate:
    """A newly signed mandate for ``customer``; the current one, if any, is retired."""
    record = f"customer {customer.code}"
    reference = fields["reference"]
    if session.execute(select(Mandate.id).where(Mandate.reference == reference)).first():
        raise InvalidInput(record, "mandate_id", f"mandate {reference} already exists")
    if fields["signed_on"] > today:
        raise InvalidInput(
            record, "signed_on", f"{fields['signed_on']} is in the future (today is {today})"
        )
    old = current_mandate(session, customer.id)
    mandate = Mandate(customer_id=customer.id, status=MandateStatus.ACTIVE, **fields)
    session.add(mandate)
    session.flush()
    if old is not None and old.status != MandateStatus.REVOKED:
        retire(session, old, today, f"replaced by mandate {reference}")
    session.add(MandateEvent(mandate_id=mandate.id, on=today, kind="added", detail=None))
    return mandate


def add_mandate(
    db: Database,
    customer_code: str,
    *,
    reference: str,
    signed_on: date,
    iban: str,
    bic: str | None = None,
    one_off: bool = False,
    today: date,
) -> Mandate:
    """Record a mandate the customer signed; it replaces the customer's current one."""
    record = f"customer {customer_code}"
    if not reference.strip():
        raise InvalidInput(record, "id", "the mandate reference is empty")
    fields = {
        "reference": reference.strip(),
        "signed_on": signed_on,
        "iban": valid_iban(iban, record),
        "bic": valid_bic(bic, record) if bic else None,
        "one_off": one_off,
    }
    with db.transaction() as session:
        customer = customer_by_code(session, customer_code)
        mandate = add_mandate_in(session, customer, fields, today)
        session.flush()
        session.expunge(mandate)
        return mandate


@dataclass(frozen=True, slots=True)
class Revocation:
    reference: str
    #: open direct-debit instalments: nothing collects them now; switch them to another mode
    open_lines: list[dict]

    def document(self) -> dict:
        return {"mandate": self.reference, "open_direct_debit_lines": self.open_lines}


def revoke_mandate(
    db: Database, customer_code: str, *, reason: str | None, today: date
) -> Revocation:
    """The debtor or the club cancels the mandate: it is never collected again."""
    with db.transaction() as session:
        customer = customer_by_code(session, customer_code)
        mandate = current_mandate(session, customer.id)
        record = f"customer {customer_code}"
        if mandate is None:
            raise InvalidInput(record, "mandate", "has no mandate to revoke")
        if mandate.status == MandateStatus.REVOKED:
            raise InvalidInput(record, "mandate", f"mandate {mandate.reference} is already revoked")
        retire(session, mandate, today, reason or "revoked")
        lines = session.execute(
            select(LedgerLine)
            .where(
                LedgerLine.customer_id == customer.id,
                LedgerLine.status == Status.SCHEDULED,
                LedgerLine.mode == Mode.DIRECT_DEBIT,
            )
            .order_by(LedgerLine.due_date, LedgerLine.id)
        ).scalars()
        open_lines = [
            {
                "line": line.id,
                "due_date": str(line.due_date),
                "amount": format_amount(line.amount_cents),
            }
            for line in lines
        ]
        return Revocation(mandate.reference, open_lines)


def mandate_history(db: Database, customer_code: str) -> dict:
    """Every mandate of the customer, newest first, each with its history by date: signed,
    added, amended, revoked (its events), collected and returned (its ledger lines)."""
    with db.reader() as session:
        customer = customer_by_code(session, customer_code)
        mandates = session.execute(
            select(Mandate).where(Mandate.customer_id == customer.id).order_by(Mandate.id.desc())
        ).scalars()
        return {"customer": customer.code, "mandates": [_history(session, m) for m in mandates]}


def _history(session: Session, mandate: Mandate) -> dict:
    events = [{"date": str(mandate.signed_on), "event": "signed", "detail": None}]
    for event in session.execute(
        select(MandateEvent).where(MandateEvent.mandate_id == mandate.id).order_by(MandateEvent.id)
    ).scalars():
        events.append({"date": str(event.on), "event": event.kind, "detail": event.detail})
    lines = session.execute(
        select(LedgerLine)
        .where(LedgerLine.mandate_id == mandate.id)
        .order_by(LedgerLine.collection_date, LedgerLine.id)
    ).scalars()
    collected = 0
    for line in lines:
        collected += 1
        amount = format_amount(-line.amount_cents if line.amount_cents < 0 else line.amount_cents)
        events.append(
            {
                "date": str(line.collection_date),
                "event": "collected",
                "detail": f"line {line.id}, {amount}, {line.end_to_end_id}",
            }
        )
        if line.status == Status.UNPAID:
            events.append(
                {
                    "date": str(line.paid_on or line.collection_date),
                    "event": "returned",
                    "detail": f"line {line.id}, reason {line.reason_code or 'unknown'}",
                }
            )
    if mandate.last_presented_on and not collected:
        events.append(
            {
                "date": str(mandate.last_presented_on),
                "event": "last collected",
                "detail": "before import",
            }
        )
    events.sort(key=lambda e: e["date"])
    return {
        "mandate": mandate.reference,
        "status": mandate.status,
        "reason": mandate.status_reason,
        "type": "OOFF" if mandate.one_off else "RCUR",
        "iban": mask_iban(mandate.iban),
        "bic": mandate.bic,
        "signed_on": str(mandate.signed_on),
        "last_collected_on": str(mandate.last_presented_on) if mandate.last_presented_on else None,
        "history": events,
    }


@dataclass(frozen=True, slots=True)
class Expiring:
    customer: str
    mandate: str
    last_collected_on: date | None
    expires_on: date

    def document(self) -> dict:
        return {
            "customer": self.customer,
            "mandate": self.mandate,
            "last_collected_on": str(self.last_collected_on) if self.last_collected_on else None,
            "expires_on": str(self.expires_on),
        }


def expiring_mandates(
    db: Database, *, today: date, within_days: int, void_months: int = 36
) -> list[Expiring]:
    """Mandates in force that will have gone ``void_months`` months without a collection by
    ``today + within_days`` (already expired ones included), soonest first."""
    horizon = today + timedelta(days=within_days)
    found = []
    with db.reader() as session:
        rows = session.execute(
            select(Customer.code, Mandate)
            .join(Customer, Customer.id == Mandate.customer_id)
            .where(
                Mandate.id == current_mandate_id(Mandate.customer_id),
                Mandate.status != MandateStatus.REVOKED,  # in force
            )
        ).all()
        for code, mandate in rows:
            if mandate.one_off and mandate.first_used:
                continue  # a used one-off mandate is done, not expiring
            expires = add_months(mandate.last_presented_on or mandate.signed_on, void_months)
            if expires <= horizon:
                found.append(Expiring(code, mandate.reference, mandate.last_presented_on, expires))
    return sorted(found, key=lambda e: (e.expires_on, e.customer))


def blank_form(config: Config) -> MandateForm:
    """The form for a new member: the creditor's part filled in, the debtor's left blank."""
    creditor = config.creditor
    return MandateForm(
        Party(creditor.name, creditor.address), creditor.creditor_id, None, None, None, None, None
    )


def customer_form(db: Database, config: Config, customer_code: str) -> MandateForm:
    """The form of the customer's current mandate, filled in for the debtor to sign."""
    with db.reader() as session:
        customer = customer_by_code(session, customer_code)
        mandate = current_mandate(session, customer.id)
        if mandate is None:
            raise InvalidInput(f"customer {customer_code}", "mandate", "has no mandate")
        address = Address(
            customer.street, customer.building_number, customer.postcode, customer.town,
            customer.country,
        )  # fmt: skip
        creditor = config.creditor
        return MandateForm(
            creditor=Party(creditor.name, creditor.address),
            creditor_id=creditor.creditor_id,
            reference=mandate.reference,
            debtor=Party(customer.name, address),
            iban=IBAN(mandate.iban, allow_invalid=True).formatted,
            bic=mandate.bic,
            one_off=mandate.one_off,
            signed_on=mandate.signed_on.strftime("%d/%m/%Y"),
        )
