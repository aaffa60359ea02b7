"""The entry walk shared by camt.052 (report), camt.053 (statement) and camt.054 (notification).

The three messages carry the same ``Ntry`` → ``NtryDtls`` → ``TxDtls`` structure under a
different container (``Rpt``, ``Stmt``, ``Ntfctn``). Versions .001.02, .04 and .08 differ in
details that are all read here: ``<Sts>BOOK</Sts>`` vs ``<Sts><Cd>BOOK</Cd></Sts>``, the
transaction amount in ``AmtDtls/TxAmt/Amt`` (.02) or ``TxDtls/Amt`` (.04+), charges as
``Chrgs/Amt`` (.02) or ``Chrgs/Rcrd/Amt`` (.04+).

What an entry means is decided by the money's direction, the reversal indicator and the
return information — never by the bank transaction code, which banks use inconsistently
(EPC188-09 customer reporting recommendation; SEPA.md):

- a ``DBIT`` with ``RtrInf`` is a **refund** when the reason is MD01 / MD06, else a **return**;
- a ``DBIT`` with ``RvslInd=true`` and no ``RtrInf`` is a creditor-initiated **reversal**;
- both give one item per ``TxDtls`` (a batched entry gives several); ``TxDtls`` without
  ``RtrInf`` in a non-reversed debit give nothing;
- a ``CRDT`` that is neither reversed nor carrying ``RtrInf`` is a **credit** (one per
  entry, level ``batch``): money in, maybe a collected batch. A reversed credit or a credit
  with ``RtrInf`` is one of the account's own outgoing payments coming back (ICDT/RRTN in
  the samples), not about our collections: no item;
- a plain ``DBIT`` (fees, outgoing transfers) is no item.

Only booked entries count: status ``BOOK``, or no status at all (lenient). ``PDNG`` (pending),
``INFO`` (information only, never booked) and ``FUTR`` entries change no balance — the bank
reports the movement again once it is booked — so they give no item.

Amount of an R-transaction: the original instructed amount ``AmtDtls/InstdAmt/Amt`` when
present. Otherwise the transaction amount (``TxDtls/Amt`` or ``AmtDtls/TxAmt/Amt``), less the
charges when the bank flags them as included (``ChrgInclInd=true``); or, for an entry with
a single transaction and no transaction amount, the entry amount (the booked total) less the
charges. Charges (summed) are always kept apart in ``charges_cents``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sepa_batch.returns.records import (
    REFUND_REASONS,
    ParsedFile,
    ReturnItem,
    identifier,
    unique_references,
)
from sepa_batch.returns.xmlsafe import (
    Element,
    amount,
    child,
    children,
    iso_date,
    text,
    texts,
    value,
)

BOOKED = frozenset({"BOOK"})
TRUE = frozenset({"true", "1"})


@dataclass(frozen=True, slots=True)
class _Entry:
    """What every item of one ``Ntry`` shares."""

    element: Element
    account_iban: str | None
    booking_date: date | None
    references: list[str | None]
    single: bool  # the entry holds at most one transaction
    source: str


def parse_camt(message: Element, *, container: str, format: str, source: str) -> ParsedFile:
    """Items of a camt message element whose reports are ``container`` elements."""
    items: list[ReturnItem] = []
    tally = EntryTally()
    for report in children(message, container):
        iban = text(report, "Acct", "Id", "IBAN")
        for entry in children(report, "Ntry"):
            items.extend(tally.count(entry, entry_items(entry, account_iban=iban, source=source)))
    return ParsedFile(
        format=format,
        message_id=text(message, "GrpHdr", "MsgId"),
        items=tuple(items),
        entries=tally.entries,
        ignored=tally.ignored(),
    )


class EntryTally:
    """Counts the entries read and, for those that give no item, says why (for the user)."""

    def __init__(self) -> None:
        self.entries = 0
        self._why: dict[str, int] = {}

    def count(self, entry: Element, items: list[ReturnItem]) -> list[ReturnItem]:
        self.entries += 1
        if not items:
            reason = why_no_item(entry)
            self._why[reason] = self._why.get(reason, 0) + 1
        return items

    def ignored(self) -> tuple[tuple[str, int], ...]:
        return tuple(self._why.items())


def _bank_code(entry: Element) -> str | None:
    domain = child(child(entry, "BkTxCd"), "Domn")
    codes = [text(domain, "Cd"), text(domain, "Fmly", "Cd"), text(domain, "Fmly", "SubFmlyCd")]
    return "/".join(code for code in codes if code) or None


def why_no_item(entry: Element) -> str:
    """Why an entry says nothing about our direct debits, in words (see the module docstring)."""
    code = _bank_code(entry)
    suffix = f", bank code {code}" if code else ""
    status = _status(entry)
    if status not in BOOKED | {None}:
        return f"not booked (status {status}){suffix}"
    txs = [tx for d in children(entry, "NtryDtls") for tx in children(d, "TxDtls")]
    direction = _direction(entry, txs)
    if direction == "CRDT":
        return f"one of the account's own payments coming back, not a direct debit{suffix}"
    if direction != "DBIT":
        return f"no credit/debit indicator{suffix}"
    return f"a debit that is not a returned direct debit (a fee, a transfer){suffix}"


def entry_items(entry: Element, *, account_iban: str | None, source: str) -> list[ReturnItem]:
    """The items of one ``Ntry`` element (see the module docstring for the rules)."""
    if _status(entry) not in BOOKED | {None}:
        return []
    details = children(entry, "NtryDtls")
    pairs = [(tx, child(d, "Btch")) for d in details for tx in children(d, "TxDtls")]
    batches = [b for b in (child(d, "Btch") for d in details) if b is not None]
    context = _Entry(
        element=entry,
        account_iban=account_iban,
        booking_date=iso_date(child(entry, "BookgDt"), source=source),
        references=[
            text(entry, "AcctSvcrRef"),
            text(entry, "NtryRef"),
            *[ref for b in batches for ref in (text(b, "MsgId"), text(b, "PmtInfId"))],
            *texts(entry, "AddtlNtryInf"),
        ],
        single=len(pairs) <= 1,
        source=source,
    )
    direction = _direction(entry, [tx for tx, _ in pairs])
    reversed_ = text(entry, "RvslInd") in TRUE
    has_return_info = any(child(tx, "RtrInf") is not None for tx, _ in pairs)
    if direction == "CRDT":
        if reversed_ or has_return_info:
            return []
        return [_credit_item(context, pairs, batches)]
    if direction != "DBIT":
        return []
    if not pairs:
        return [_transaction_item(context, None, None)] if reversed_ else []
    return [
        _transaction_item(context, tx, batch)
        for tx, batch in pairs
        if reversed_ or child(tx, "RtrInf") is not None
    ]


# --- reading pieces of an entry ----------------------------------------------------------


def _status(entry: Element) -> str | None:
    """``<Sts>BOOK</Sts>`` (.02) or ``<Sts><Cd>BOOK</Cd></Sts>`` (.08)."""
    status = child(entry, "Sts")
    return text(status, "Cd") or text(status, "Prtry") or value(status)


def _direction(entry: Element, txs: list[Element]) -> str | None:
    """The entry's ``CdtDbtInd``; when absent, the one all its transactions agree on."""
    declared = text(entry, "CdtDbtInd")
    if declared:
        return declared
    seen = {text(tx, "CdtDbtInd") for tx in txs}
    return seen.pop() if len(seen) == 1 else None


def _charge_amounts(holder: Element | None) -> list[Element]:
    """Charge amount elements: ``Chrgs/Rcrd/Amt`` (.04, .08), else ``Chrgs/Amt`` (.02), else
    the total ``Chrgs/TtlChrgsAndTaxAmt``."""
    found: list[Element] = []
    for charges in children(holder, "Chrgs"):
        records = children(charges, "Rcrd")
        if records:
            found.extend(a for r in records for a in children(r, "Amt"))
        elif (direct := child(charges, "Amt")) is not None:
            found.append(direct)
        elif (total := child(charges, "TtlChrgsAndTaxAmt")) is not None:
            found.append(total)
    return found


def _charges_included(holder: Element | None) -> bool:
    return any(
        text(record, "ChrgInclInd") in TRUE
        for charges in children(holder, "Chrgs")
        for record in [charges, *children(charges, "Rcrd")]
    )


def _sum(elements: list[Element], source: str) -> int | None:
    return sum(amount(e, source=source)[0] for e in elements) if elements else None


def _tx_amount(tx: Element | None) -> Element | None:
    direct = child(tx, "Amt")
    return direct if direct is not None else child(tx, "AmtDtls", "TxAmt", "Amt")


def _original_amount(
    context: _Entry, tx: Element | None, charges: int | None
) -> tuple[int | None, str | None]:
    """The collected amount, charges excluded (rules in the module docstring)."""
    source = context.source
    instructed = child(tx, "AmtDtls", "InstdAmt", "Amt")
    if instructed is not None:
        return amount(instructed, source=source)
    tx_amount = _tx_amount(tx)
    if tx_amount is not None:
        cents, currency = amount(tx_amount, source=source)
        included = _charges_included(tx)
    elif context.single and (booked := child(context.element, "Amt")) is not None:
        cents, currency = amount(booked, source=source)
        included = True
    else:
        return None, None
    if included and charges and charges < cents:
        cents -= charges
    return cents, currency


def _tx_references(tx: Element | None, batch: Element | None) -> list[str | None]:
    refs = child(tx, "Refs")
    names = ("EndToEndId", "MndtId", "InstrId", "PmtInfId", "MsgId", "AcctSvcrRef", "TxId")
    return [
        *(text(refs, name) for name in names),
        text(batch, "PmtInfId"),
        text(batch, "MsgId"),
        *texts(tx, "RmtInf", "Ustrd"),
        *texts(tx, "AddtlTxInf"),
    ]


# --- items --------------------------------------------------------------------------------


def _return_kind(returned: Element | None, code: str | None) -> str:
    if returned is None:
        return "reversal"
    return "refund" if code in REFUND_REASONS else "return"


def _transaction_item(context: _Entry, tx: Element | None, batch: Element | None) -> ReturnItem:
    """A return, refund or reversal of one transaction (``tx`` None: the entry itself)."""
    returned = child(tx, "RtrInf")
    code = text(returned, "Rsn", "Cd") or text(returned, "Rsn", "Prtry")
    kind = _return_kind(returned, code)
    charge_elements = _charge_amounts(tx)
    if not charge_elements and context.single:
        charge_elements = _charge_amounts(context.element)
    charges = _sum(charge_elements, context.source)
    cents, currency = _original_amount(context, tx, charges)
    refs = child(tx, "Refs")
    return ReturnItem(
        kind=kind,
        level="transaction",
        end_to_end_id=identifier(text(refs, "EndToEndId")),
        original_message_id=identifier(text(refs, "MsgId")) or identifier(text(batch, "MsgId")),
        original_payment_information_id=identifier(text(refs, "PmtInfId"))
        or identifier(text(batch, "PmtInfId")),
        mandate_id=identifier(text(refs, "MndtId")),
        amount_cents=cents,
        currency=currency,
        reason_code=code,
        reason_text=" ".join(texts(returned, "AddtlInf")) or None,
        booking_date=context.booking_date,
        charges_cents=charges,
        references=unique_references([*_tx_references(tx, batch), *context.references]),
        account_iban=context.account_iban,
    )


def _only(values: list[str | None]) -> str | None:
    """The value when exactly one distinct reference is given, else None."""
    distinct = unique_references(values)
    return distinct[0] if len(distinct) == 1 else None


def _credit_item(
    context: _Entry, pairs: list[tuple[Element, Element | None]], batches: list[Element]
) -> ReturnItem:
    """A credit booked on the account: one per entry, the booked amount."""
    source = context.source
    booked = child(context.element, "Amt")
    if booked is not None:
        cents, currency = amount(booked, source=source)
    else:  # seen at PostFinance: the amounts only on the transactions
        tx_amounts = [_tx_amount(tx) for tx, _ in pairs]
        if tx_amounts and all(a is not None for a in tx_amounts):
            read = [amount(a, source=source) for a in tx_amounts]
            cents = sum(c for c, _ in read)
            _, currency = read[0]  # as written by the bank: the first transaction's
        else:
            cents, currency = None, None
    charge_elements = _charge_amounts(context.element)
    charge_elements += [a for tx, _ in pairs for a in _charge_amounts(tx)]
    message_ids = [text(b, "MsgId") for b in batches]
    message_ids += [text(tx, "Refs", "MsgId") for tx, _ in pairs]
    pmtinf_ids = [text(b, "PmtInfId") for b in batches]
    pmtinf_ids += [text(tx, "Refs", "PmtInfId") for tx, _ in pairs]
    tx_refs = [ref for tx, batch in pairs for ref in _tx_references(tx, batch)]
    return ReturnItem(
        kind="credit",
        level="batch",
        end_to_end_id=None,
        original_message_id=_only(message_ids),
        original_payment_information_id=_only(pmtinf_ids),
        mandate_id=None,
        amount_cents=cents,
        currency=currency,
        reason_code=None,
        reason_text=None,
        booking_date=context.booking_date,
        charges_cents=_sum(charge_elements, source),
        references=unique_references([*context.references, *tx_refs]),
        account_iban=context.account_iban,
    )
