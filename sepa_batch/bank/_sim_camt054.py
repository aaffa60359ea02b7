"""The simulated bank's camt.054.001.02 (BankToCustomerDebitCreditNotificationV02): returns.

One ``Ntfctn`` per creditor account (normally one), listing one booked ``DBIT`` entry per
returned debit (see ``_sim_entries.add_return_entry``), oldest booking first. This is the
version the French CFONB guide describes and still the most common one (SEPA.md).
"""

from __future__ import annotations

from datetime import datetime, time

from sepa_batch.bank._sim_entries import add_return_entry
from sepa_batch.bank._sim_input import SubmittedFile
from sepa_batch.bank._sim_model import Return, derived_id
from sepa_batch.bank._sim_xml import MessageBuilder
from sepa_batch.money import format_amount

MESSAGE = "camt.054.001.02"


def build_camt054(
    file: SubmittedFile, returns: tuple[Return, ...], *, msg_id: str, created: datetime
) -> bytes:
    """The debit notification for ``returns`` (at least one) of ``file``."""
    xml = MessageBuilder(MESSAGE, "BkToCstmrDbtCdtNtfctn")
    header = xml.add(xml.root, "GrpHdr")
    xml.add(header, "MsgId", msg_id)
    xml.moment(header, "CreDtTm", created)
    accounts = dict.fromkeys(r.block.creditor_iban for r in returns)
    for number, iban in enumerate(accounts, start=1):
        listed = sorted(
            (r for r in returns if r.block.creditor_iban == iban), key=lambda r: r.booked
        )
        notification = xml.add(xml.root, "Ntfctn")
        xml.add(notification, "Id", derived_id(f"N{number}", file.msg_id))
        xml.moment(notification, "CreDtTm", created)
        period = xml.add(notification, "FrToDt")
        xml.moment(period, "FrDtTm", datetime.combine(listed[0].booked, time(0)))
        xml.moment(period, "ToDtTm", datetime.combine(listed[-1].booked, time(23, 59, 59)))
        account = xml.add(notification, "Acct")
        xml.add(account, "Id/IBAN", iban)
        xml.add(account, "Ccy", listed[0].debit.currency)
        xml.add(account, "Ownr/Nm", listed[0].block.creditor_name)
        summary = xml.add(notification, "TxsSummry")
        total = format_amount(sum(r.amount for r in listed))
        for tag in ("TtlNtries", "TtlDbtNtries"):
            totals = xml.add(summary, tag)
            xml.add(totals, "NbOfNtries", str(len(listed)))
            xml.add(totals, "Sum", total)
        for index, returned in enumerate(listed, start=1):
            reference = derived_id(f"R{number}-{index:05d}", file.msg_id)
            add_return_entry(xml, notification, file, returned, reference)
    return xml.tobytes()
