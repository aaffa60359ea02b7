"""The simulated bank's camt.053.001.02 (BankToCustomerStatementV02): the batch credits.

One ``Stmt`` per creditor account and settlement day of the submitted file (normally one).
Each carries the opening (``OPBD``) and closing (``CLBD``) booked balances and one ``CRDT``
entry per block credited that day, for the sum of its debits that were not rejected (see
``_sim_entries.add_credit_entry``). When a file spans several settlement days, a later
statement also shows the returns booked that day, and its opening balance is the previous
closing balance less the returns booked in between, so that every balance adds up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time

from lxml import etree

from sepa_batch.bank._sim_entries import add_credit_entry, add_return_entry
from sepa_batch.bank._sim_input import SubmittedBlock, SubmittedDebit, SubmittedFile
from sepa_batch.bank._sim_model import Rejection, Return, answer_time, derived_id, settled_on
from sepa_batch.bank._sim_xml import MessageBuilder
from sepa_batch.money import format_amount

MESSAGE = "camt.053.001.02"
STATEMENT_HOUR = 20


@dataclass(frozen=True, slots=True)
class _Statement:
    iban: str
    day: date
    opening: int
    credits: tuple[tuple[SubmittedBlock, tuple[SubmittedDebit, ...]], ...]
    returns: tuple[Return, ...]

    @property
    def closing(self) -> int:
        credited = sum(debit.amount for _, debits in self.credits for debit in debits)
        return self.opening + credited - sum(r.amount for r in self.returns)


def build_camt053(
    file: SubmittedFile,
    rejections: tuple[Rejection, ...],
    returns: tuple[Return, ...],
    *,
    msg_id: str,
    opening: Mapping[str, int],
) -> bytes:
    """The statements of ``file``'s settlement days; ``opening`` balances by creditor IBAN."""
    statements = _plan(file, rejections, returns, opening)
    xml = MessageBuilder(MESSAGE, "BkToCstmrStmt")
    header = xml.add(xml.root, "GrpHdr")
    xml.add(header, "MsgId", msg_id)
    xml.moment(header, "CreDtTm", answer_time(file, statements[-1].day, STATEMENT_HOUR))
    owners = {block.creditor_iban: block.creditor_name for block in reversed(file.blocks)}
    currency = next((d.currency for b in file.blocks for d in b.debits), "EUR")
    for number, statement in enumerate(statements, start=1):
        element = xml.add(xml.root, "Stmt")
        xml.add(element, "Id", derived_id(f"S{number}", file.msg_id))
        xml.moment(element, "CreDtTm", answer_time(file, statement.day, STATEMENT_HOUR))
        period = xml.add(element, "FrToDt")
        xml.moment(period, "FrDtTm", datetime.combine(statement.day, time(0)))
        xml.moment(period, "ToDtTm", datetime.combine(statement.day, time(23, 59, 59)))
        account = xml.add(element, "Acct")
        xml.add(account, "Id/IBAN", statement.iban)
        xml.add(account, "Ccy", currency)
        xml.add(account, "Ownr/Nm", owners[statement.iban])
        _balance(xml, element, "OPBD", statement.opening, currency, statement.day)
        _balance(xml, element, "CLBD", statement.closing, currency, statement.day)
        _summary(xml, element, statement)
        for index, (block, debits) in enumerate(statement.credits, start=1):
            reference = derived_id(f"C{number}-{index:05d}", file.msg_id)
            add_credit_entry(xml, element, file, block, debits, reference)
        for index, returned in enumerate(statement.returns, start=1):
            reference = derived_id(f"D{number}-{index:05d}", file.msg_id)
            add_return_entry(xml, element, file, returned, reference)
    return xml.tobytes()


def _plan(
    file: SubmittedFile,
    rejections: tuple[Rejection, ...],
    returns: tuple[Return, ...],
    opening: Mapping[str, int],
) -> list[_Statement]:
    refused = {id(rejection.debit) for rejection in rejections}
    statements: list[_Statement] = []
    for iban in dict.fromkeys(block.creditor_iban for block in file.blocks):
        blocks = [block for block in file.blocks if block.creditor_iban == iban]
        balance, previous = opening[iban], None
        for day in sorted({settled_on(block) for block in blocks}):
            between = [
                r
                for r in returns
                if r.block.creditor_iban == iban
                and r.booked < day
                and (previous is None or r.booked > previous)
            ]
            balance -= sum(r.amount for r in between)
            credits = tuple(
                (block, kept)
                for block in blocks
                if settled_on(block) == day
                and (kept := tuple(d for d in block.debits if id(d) not in refused))
            )
            booked = tuple(r for r in returns if r.block.creditor_iban == iban and r.booked == day)
            statement = _Statement(iban, day, balance, credits, booked)
            statements.append(statement)
            balance, previous = statement.closing, day
    return statements


def _balance(
    xml: MessageBuilder, parent: etree._Element, kind: str, cents: int, currency: str, day: date
) -> None:
    balance = xml.add(parent, "Bal")
    xml.add(balance, "Tp/CdOrPrtry/Cd", kind)
    xml.amount(balance, "Amt", abs(cents), currency)
    xml.add(balance, "CdtDbtInd", "CRDT" if cents >= 0 else "DBIT")
    xml.day(balance, "Dt/Dt", day)


def _summary(xml: MessageBuilder, parent: etree._Element, statement: _Statement) -> None:
    credited = [sum(d.amount for d in debits) for _, debits in statement.credits]
    debited = [r.amount for r in statement.returns]
    summary = xml.add(parent, "TxsSummry")
    every = xml.add(summary, "TtlNtries")
    xml.add(every, "NbOfNtries", str(len(credited) + len(debited)))
    xml.add(every, "Sum", format_amount(sum(credited) + sum(debited)))
    for tag, amounts in (("TtlCdtNtries", credited), ("TtlDbtNtries", debited)):
        totals = xml.add(summary, tag)
        xml.add(totals, "NbOfNtries", str(len(amounts)))
        xml.add(totals, "Sum", format_amount(sum(amounts)))
