"""A fixed collection for the pain.008 tests: every case the writer must handle, once.

- four blocks: FRST and RCUR on the same date, RCUR on a later date, OOFF;
- one amendment of each kind: new bank (SMNDA), new reference (OrgnlMndtId), new IBAN at
  the same bank (OrgnlDbtrAcct);
- a Swiss debtor with a hybrid address, a British one with a structured address;
- names full of accents and ``&``, debtors without BIC, a mandate reference with slashes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sepa_batch.sepa.pain008 import (
    Amendment,
    DirectDebit,
    MessageHeader,
    Party,
    PaymentBlock,
    PostalAddress,
    write_pain008,
)

CREATED_AT = datetime(2026, 11, 20, 9, 30, 5, tzinfo=timezone(timedelta(hours=1)))

CREDITOR = Party(
    name="Association Sportive & Culturelle de Lyon",
    iban="FR76 3000 6000 0112 3456 7890 189",
    bic="AGRIFRPP",
    creditor_id="FR72ZZZ123456",
    address=PostalAddress("Lyon", "FR", "Rue de la République", "12", "69002"),
)


def _debit(number: int, cents: int, mandate: str, name: str, iban: str, bic: str | None, **kw):
    return DirectDebit(
        end_to_end_id=f"SB-2026-12-{number:04d}",
        amount_cents=cents,
        mandate_id=mandate,
        mandate_signed_on=date(2025, 9, number),
        debtor_name=name,
        debtor_iban=iban,
        debtor_bic=bic,
        remittance=kw.pop("remittance", "Cotisation décembre 2026"),
        **kw,
    )


BLOCKS: list[tuple[str, str, date, list[DirectDebit]]] = [
    (
        "SB-20261120-FRST-20261204",
        "FRST",
        date(2026, 12, 4),
        [
            _debit(
                1,
                4500,
                "ABO-2026-0001",
                "Société Générale & Fils — Müller-Lüdenscheidt",
                "FR1420041010050500013M02606",
                "PSSTFRPPLYO",
                remittance="Cotisation décembre 2026 – licence n° 42",
            ),
            # debtor without BIC, who changed bank: SMNDA
            _debit(
                2,
                3000,
                "ABO-2026-0002",
                "Jan de Vries",
                "NL91ABNA0417164300",
                None,
                amendment=Amendment(new_bank=True),
            ),
        ],
    ),
    (
        "SB-20261120-RCUR-20261204",
        "RCUR",
        date(2026, 12, 4),
        [
            # Swiss debtor (SEPA, outside the EEA): address required, hybrid here
            _debit(
                3,
                2550,
                "ABO-2025-0107",
                "Hans Grüninger",
                "CH9300762011623852957",
                "UBSWCHZH80A",
                debtor_address=PostalAddress(
                    "Zürich", "CH", postcode="8001", lines=("Bahnhofstrasse 45", "c/o Grüninger AG")
                ),
                amendment=Amendment(original_mandate_id="CLUB/2019/107"),
            ),
            # IBAN changed at the same bank
            _debit(
                4,
                6000,
                "ABO-2024-0033",
                "Åsa Øberg-Ærø",
                "DE89370400440532013000",
                "COBADEFFXXX",
                amendment=Amendment(original_iban="DE62370400440532013001"),
            ),
        ],
    ),
    (
        "SB-20261120-RCUR-20261207",
        "RCUR",
        date(2026, 12, 7),
        [
            # British debtor with a fully structured address
            _debit(
                5,
                12000,
                "ABO-2023-0008",
                "Oliver O'Brien",
                "GB29NWBK60161331926819",
                "NWBKGB2L",
                debtor_address=PostalAddress("London", "GB", "Baker Street", "221B", "NW1 6XE"),
            ),
            _debit(
                6,
                1999,
                "//ABO//2023/0009/",
                "Zoë & Chloé Dupont",
                "BE68539007547034",
                None,
                remittance="Stage d'été ☀️ 🎾 (tennis)",
            ),
        ],
    ),
    (
        "SB-20261120-OOFF-20261210",
        "OOFF",
        date(2026, 12, 10),
        [
            _debit(
                7,
                25000,
                "EVT-2026-0412",
                "Conseil Général de l'Hérault",
                "ES9121000418450200051332",
                "CAIXESBBXXX",
                remittance="Inscription tournoi régional",
            ),
        ],
    ),
]


@dataclass(frozen=True)
class Collection:
    header: MessageHeader
    creditor: Party
    blocks: list[tuple[PaymentBlock, list[DirectDebit]]]

    def write(self, version: str) -> bytes:
        out = io.BytesIO()
        write_pain008(out, self.header, self.creditor, self.blocks, version=version)
        return out.getvalue()


def make_collection() -> Collection:
    blocks = [
        (
            PaymentBlock(pmt_id, seq, day, len(debits), sum(d.amount_cents for d in debits)),
            debits,
        )
        for pmt_id, seq, day, debits in BLOCKS
    ]
    header = MessageHeader(
        "SB-20261120-0001",
        CREATED_AT,
        sum(b.transactions for b, _ in blocks),
        sum(b.control_sum_cents for b, _ in blocks),
    )
    return Collection(header, CREDITOR, blocks)
