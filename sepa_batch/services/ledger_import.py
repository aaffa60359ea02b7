"""Opening balances and open items carried over from the club's previous program
(``sepa-batch ledger import FILE.csv``); all or nothing, like the customers import.

Columns: ``customer_id,kind,date,due_date,label,amount,mode,status``.
- a **sale** (``kind`` sale): ``date``, ``label``, ``amount`` > 0; no due date, mode or status
  (an opening balance owed is a sale, e.g. "Solde reporté");
- a **payment** line (``kind`` payment): ``due_date``, ``mode``, ``amount`` (not zero) and
  ``status`` SCHEDULED (an open instalment; ``date`` the day it was created) or PAID (paid on
  ``date``). Submitted or unpaid lines carry a bank history that cannot be imported.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from sepa_batch import csvfile
from sepa_batch.db.schema import Customer
from sepa_batch.db.session import Database
from sepa_batch.domain.model import LineKind, Mode, Status
from sepa_batch.errors import InvalidInput, InvalidInputs
from sepa_batch.money import parse_amount
from sepa_batch.services.sales import payment_line, sale_line

LEDGER_COLUMNS = ["customer_id", "kind", "date", "due_date", "label", "amount", "mode", "status"]
IMPORTED_STATUSES = (Status.SCHEDULED, Status.PAID)


@dataclass(frozen=True, slots=True)
class LedgerImport:
    sales: int
    payments: int
    sales_cents: int
    payments_cents: int
    dry_run: bool


def _date(row: dict, field: str, problem) -> date | None:
    try:
        return date.fromisoformat(row[field])
    except ValueError:
        problem(field, f"{row[field]!r} is not a date YYYY-MM-DD" if row[field] else "missing")
        return None


def _check_row(row: dict[str, str], record: str, problems: list[InvalidInput]) -> dict | None:
    def problem(field: str, reason: str) -> None:
        problems.append(InvalidInput(record, field, reason))

    before = len(problems)
    kind = row["kind"].lower()
    if kind not in (LineKind.SALE, LineKind.PAYMENT):
        problem("kind", f"{row['kind']!r} is not sale or payment")
    if not row["customer_id"]:
        problem("customer_id", "missing")
    if not row["label"]:
        problem("label", "missing")
    day = _date(row, "date", problem)
    try:
        amount = parse_amount(row["amount"], record=record, field="amount")
    except InvalidInput as exc:
        problems.append(exc)
        amount = None
    fields: dict = {"code": row["customer_id"], "kind": kind, "day": day, "label": row["label"]}
    if kind == LineKind.SALE:
        if amount is not None and amount <= 0:
            problem("amount", "a sale must be more than 0")
        for field in ("due_date", "mode", "status"):
            if row[field]:
                problem(field, "must be empty for a sale")
    elif kind == LineKind.PAYMENT:
        if amount == 0:
            problem("amount", "a payment line must not be 0")
        fields["due"] = _date(row, "due_date", problem)
        try:
            fields["mode"] = Mode(row["mode"].upper())
        except ValueError:
            problem("mode", f"{row['mode']!r} is not one of " + ", ".join(Mode))
        if row["status"].upper() in IMPORTED_STATUSES:
            fields["status"] = Status(row["status"].upper())
        else:
            problem("status", f"{row['status']!r} is not SCHEDULED or PAID")
    fields["amount"] = amount
    return fields if len(problems) == before else None


def import_ledger(
    db: Database, text: str, *, dry_run: bool = False, source: str = "ledger.csv"
) -> LedgerImport:
    """Import sale and payment lines for existing customers; all or nothing."""
    problems: list[InvalidInput] = []
    parsed = []
    for line_no, row in csvfile.parse_csv(text, LEDGER_COLUMNS, source):
        record = f"{source} line {line_no}"
        fields = _check_row(row, record, problems)
        if fields:
            parsed.append((record, fields))
    with db.transaction() as session:
        codes = {fields["code"] for _, fields in parsed}
        customers = {
            c.code: c
            for c in session.execute(select(Customer).where(Customer.code.in_(codes))).scalars()
        }
        for record, fields in parsed:
            if fields["code"] not in customers:
                problems.append(
                    InvalidInput(record, "customer_id", f"customer {fields['code']} not found")
                )
        if problems:
            problems.sort(key=lambda p: int(p.record.rsplit(" ", 1)[-1]))
            raise InvalidInputs(f"{source}: import refused", problems)
        sales = [f for _, f in parsed if f["kind"] == LineKind.SALE]
        payments = [f for _, f in parsed if f["kind"] == LineKind.PAYMENT]
        result = LedgerImport(
            len(sales), len(payments), sum(f["amount"] for f in sales),
            sum(f["amount"] for f in payments), dry_run,
        )  # fmt: skip
        if dry_run:
            session.rollback()
            return result
        for _, f in parsed:
            customer = customers[f["code"]]
            if f["kind"] == LineKind.SALE:
                line = sale_line(
                    customer, article_id=None, day=f["day"], label=f["label"],
                    amount_cents=f["amount"],
                )  # fmt: skip
            else:
                paid = f["status"] == Status.PAID
                line = payment_line(
                    customer, day=f["day"], label=f["label"], amount_cents=f["amount"],
                    mode=f["mode"], due=f["due"], status=f["status"],
                    paid_on=f["day"] if paid else None,
                )  # fmt: skip
            session.add(line)
    return result
