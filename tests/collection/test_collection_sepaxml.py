"""Cross-check with an independent writer: for the payments of the fixture club's first
collection, read back from the database, sepaxml (``SepaDD``) and our files carry the same
debtors, IBANs, amounts, mandates, signature dates, collection dates and sequence types.

sepaxml transliterates with ``unidecode`` and keeps ``&``, which the EPC conversion (ours)
turns into ``+``: the one difference, normalised before comparing.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from collection.collect_cases import collect, instalment, read_transactions, subscribe
from lxml import etree
from sepaxml import SepaDD
from sqlalchemy import select

from sepa_batch.db.schema import Customer, LedgerLine, Mandate, PaymentBatch
from sepa_batch.money import parse_amount


def collected_payments(db) -> list[dict]:
    """What was collected, from the database: sepaxml's payment dicts."""
    query = (
        select(Customer.name, Mandate.iban, Mandate.bic, LedgerLine.amount_cents,
               PaymentBatch.sequence_type, PaymentBatch.collection_date, Mandate.reference,
               Mandate.signed_on, LedgerLine.label, LedgerLine.end_to_end_id)
        .join(PaymentBatch, PaymentBatch.id == LedgerLine.batch_id)
        .join(Mandate, Mandate.id == LedgerLine.mandate_id)
        .join(Customer, Customer.id == LedgerLine.customer_id)
        .order_by(LedgerLine.id)
    )  # fmt: skip
    with db.reader() as session:
        rows = session.execute(query).all()
    payments = []
    for name, iban, bic, cents, seq, day, mandate, signed, label, e2e in rows:
        payment = {"name": name, "IBAN": iban, "amount": cents, "type": seq,
                   "collection_date": day, "mandate_id": mandate, "mandate_date": signed,
                   "description": label, "endtoend_id": e2e}  # fmt: skip
        if bic:
            payment["BIC"] = bic
        payments.append(payment)
    return payments


def sepaxml_transactions(config, payments: list[dict], version: str) -> set[tuple]:
    creditor = config.creditor
    sepa = SepaDD(
        {"name": creditor.name, "IBAN": creditor.iban, "BIC": creditor.bic, "batch": True,
         "creditor_id": creditor.creditor_id, "currency": "EUR", "instrument": "CORE"},
        schema=version,
        clean=True,
    )  # fmt: skip
    for payment in payments:
        sepa.add_payment(dict(payment))
    root = etree.fromstring(sepa.export(validate=True))

    def text(node, path):
        steps = "/".join(f"*[local-name()='{step}']" for step in path.split("/"))
        return node.xpath(f"string({steps})")

    found = set()
    for block in root.xpath("//*[local-name()='PmtInf']"):
        for tx in block.xpath("*[local-name()='DrctDbtTxInf']"):
            found.add(
                (
                    text(tx, "Dbtr/Nm").replace("&", "+"),
                    text(tx, "DbtrAcct/Id/IBAN"),
                    parse_amount(text(tx, "InstdAmt")),
                    text(tx, "DrctDbtTx/MndtRltdInf/MndtId"),
                    text(tx, "DrctDbtTx/MndtRltdInf/DtOfSgntr"),
                    text(block, "ReqdColltnDt"),
                    text(block, "PmtTpInf/SeqTp"),
                    text(tx, "PmtId/EndToEndId"),
                )
            )
    return found


@pytest.mark.parametrize("version", ["pain.008.001.08", "pain.008.001.02"])
def test_same_collections_as_sepaxml(make_club, version):
    config, db = make_club("[bank]\nmax_transactions_per_file = 4\n")
    for code in ("C001", "C002", "C003", "C004", "C006", "C007", "C009", "C011"):
        subscribe(db, code)
    subscribe(db, "C005", day=10, article="SUB_YOUTH")
    instalment(db, "C013", 4250, date(2010, 7, 5), "Licence")
    result = collect(db, config, datetime(2010, 7, 1, 9, 0), date(2010, 7, 10), version=version)
    ours = {
        (tx.name, tx.iban, tx.cents, tx.mandate, tx.signed, tx.collection_date, tx.sequence,
         tx.end_to_end_id)
        for written in result.files
        for tx in read_transactions(written.path)
    }  # fmt: skip
    theirs = sepaxml_transactions(config, collected_payments(db), version)
    assert len(ours) == result.collected == 10
    assert ours == theirs
    assert (
        "Jerome + Anais Garcon", "FR7618206000026543210018754", 5000, "CLUB-C004-2010",
        "2010-06-21", "2010-07-05", "FRST", "SB-L14-1",
    ) in ours  # fmt: skip
    assert {seq for *_, seq, _ in ours} == {"FRST", "OOFF"}
