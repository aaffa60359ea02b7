"""A simulated bank: read a pain.008, answer with the pain.002 / camt.054 / camt.053 it would send.

A test and demo tool (``sepa-batch bank simulate``), kept apart from the product's core. For
each debit of the submitted file one seeded draw decides its fate, following the SEPA Direct
Debit R-transactions (EPC SDD Core rulebook; ISO 20022 reason codes):

* **rejected** before settlement, with probability ``reject_rate`` — reported in a
  pain.002.001.10 dated the TARGET2 business day before the collection date;
* **returned** after settlement, with probability ``return_rate`` — booked 2 to 5 TARGET2
  business days after the collection date in a camt.054.001.02; with probability
  ``charge_rate`` the bank adds its charge, so the entry is the collected amount plus
  ``charge_cents`` (``Chrgs/Amt``) and ``AmtDtls/InstdAmt`` keeps the original amount;
* otherwise **settled**.

Every block is credited, less its rejected debits, in a camt.053.001.02 statement on its
collection date (next TARGET2 business day if closed). The draws use
``random.Random(f"{seed}:{MsgId}")``: the same file and seed give the same bytes, and two
files with the same seed still differ. No clock is read: dates come from the file's
``CreDtTm`` and ``ReqdColltnDt``.

The reason codes are drawn with the weights below (a realistic mix: insufficient funds
dominates both rejects and returns).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sepa_batch.bank._sim_camt053 import build_camt053
from sepa_batch.bank._sim_camt054 import build_camt054
from sepa_batch.bank._sim_input import SubmittedFile, read_pain008
from sepa_batch.bank._sim_model import (
    Rejection,
    Return,
    answer_time,
    derived_id,
    reject_report_day,
    settled_on,
)
from sepa_batch.bank._sim_pain002 import build_pain002
from sepa_batch.domain.calendar import add_business_days
from sepa_batch.errors import InvalidInput

# Rejects, before settlement (pain.002 StsRsnInf/Rsn/Cd): code, weight (%), text.
REJECT_REASONS: tuple[tuple[str, int, str], ...] = (
    ("AM04", 40, "Insufficient funds"),
    ("AC04", 14, "Account closed"),
    ("MD01", 12, "No valid mandate"),
    ("AC01", 10, "Incorrect account number"),
    ("MS03", 8, "Reason not specified"),
    ("AC06", 6, "Account blocked"),
    ("MS02", 4, "Refused by the debtor"),
    ("AG01", 3, "Transaction forbidden on this account"),
    ("MD07", 2, "Debtor deceased"),
    ("SL01", 1, "Specific service offered by the debtor bank"),
)

# Returns and refunds, after settlement (camt.054 RtrInf/Rsn/Cd): code, weight (%), text.
RETURN_REASONS: tuple[tuple[str, int, str], ...] = (
    ("AM04", 42, "Insufficient funds"),
    ("MD06", 20, "Refund requested by the debtor"),
    ("AC04", 10, "Account closed"),
    ("MS02", 9, "Refused by the debtor"),
    ("MD01", 6, "No valid mandate"),
    ("MS03", 5, "Reason not specified"),
    ("AC06", 4, "Account blocked"),
    ("AC01", 2, "Incorrect account number"),
    ("MD07", 2, "Debtor deceased"),
)

RETURN_DELAY_DAYS = (2, 5)  # TARGET2 business days after settlement, inclusive
REJECT_REPORT_HOUR = 7
NOTIFICATION_HOUR = 21
OPENING_BALANCE_CENTS = (0, 5_000_000)  # drawn per creditor account, inclusive


@dataclass(frozen=True, slots=True)
class BankAnswer:
    """The files a bank sends back for one pain.008."""

    pain002: bytes | None  # pain.002.001.10: rejected debits (None when nothing rejected)
    camt054: bytes | None  # camt.054.001.02: returns after settlement (None when none)
    camt053: bytes  # camt.053.001.02: one CRDT entry per PmtInf crediting the batch
    rejected: tuple[str, ...]  # end-to-end ids rejected
    returned: tuple[str, ...]  # end-to-end ids returned / refunded


def simulate(
    pain008: bytes,
    *,
    reject_rate: float = 0.03,
    return_rate: float = 0.02,
    seed: int = 0,
    charge_cents: int = 300,
    charge_rate: float = 0.5,
) -> BankAnswer:
    """Decide the fate of every debit of ``pain008`` and write the bank's answer files."""
    _check_options(reject_rate, return_rate, charge_cents, charge_rate)
    file = read_pain008(pain008)
    rng = random.Random(f"{seed}:{file.msg_id}")
    rejections: list[Rejection] = []
    returns: list[Return] = []
    for block in file.blocks:
        for debit in block.debits:
            draw = rng.random()
            if draw < reject_rate:
                code, text = _reason(rng, REJECT_REASONS)
                rejections.append(Rejection(block, debit, code, text))
            elif draw < reject_rate + return_rate:
                code, text = _reason(rng, RETURN_REASONS)
                booked = add_business_days(settled_on(block), rng.randint(*RETURN_DELAY_DAYS))
                charge = charge_cents if rng.random() < charge_rate else 0
                returns.append(Return(block, debit, code, text, booked, charge))
    accounts = dict.fromkeys(block.creditor_iban for block in file.blocks)
    opening = {iban: rng.randint(*OPENING_BALANCE_CENTS) for iban in accounts}
    return BankAnswer(
        pain002=_pain002(file, tuple(rejections)),
        camt054=_camt054(file, tuple(returns)),
        camt053=build_camt053(
            file,
            tuple(rejections),
            tuple(returns),
            msg_id=derived_id("STMT", file.msg_id),
            opening=opening,
        ),
        rejected=tuple(r.debit.end_to_end_id for r in rejections),
        returned=tuple(r.debit.end_to_end_id for r in returns),
    )


def write_answer(pain008_path: str | Path, out_dir: str | Path, **options: Any) -> list[Path]:
    """Simulate the answer to the file at ``pain008_path``; write the files that exist.

    They are named after the submitted file: ``<stem>.pain002.xml``, ``<stem>.camt054.xml``,
    ``<stem>.camt053.xml`` in ``out_dir`` (created if needed). ``options`` are those of
    ``simulate``. Returns the paths written, in that order.
    """
    source = Path(pain008_path)
    answer = simulate(source.read_bytes(), **options)
    target = Path(out_dir)
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for suffix, content in (
        ("pain002", answer.pain002),
        ("camt054", answer.camt054),
        ("camt053", answer.camt053),
    ):
        if content is not None:
            path = target / f"{source.stem}.{suffix}.xml"
            path.write_bytes(content)
            written.append(path)
    return written


def _pain002(file: SubmittedFile, rejections: tuple[Rejection, ...]) -> bytes | None:
    if not rejections:
        return None
    created = answer_time(file, reject_report_day(file), REJECT_REPORT_HOUR)
    return build_pain002(file, rejections, msg_id=derived_id("PSR", file.msg_id), created=created)


def _camt054(file: SubmittedFile, returns: tuple[Return, ...]) -> bytes | None:
    if not returns:
        return None
    created = answer_time(file, max(r.booked for r in returns), NOTIFICATION_HOUR)
    return build_camt054(file, returns, msg_id=derived_id("NTF", file.msg_id), created=created)


def _reason(rng: random.Random, table: tuple[tuple[str, int, str], ...]) -> tuple[str, str]:
    code, _, text = rng.choices(table, weights=[weight for _, weight, _ in table])[0]
    return code, text


def _check_options(
    reject_rate: float, return_rate: float, charge_cents: int, charge_rate: float
) -> None:
    for name, rate in (
        ("reject_rate", reject_rate),
        ("return_rate", return_rate),
        ("charge_rate", charge_rate),
    ):
        if not 0 <= rate <= 1:
            raise InvalidInput("bank simulate", name, f"{rate!r} is not between 0 and 1")
    if reject_rate + return_rate > 1:
        raise InvalidInput(
            "bank simulate", "return_rate", "reject_rate + return_rate must not exceed 1"
        )
    if not isinstance(charge_cents, int) or charge_cents < 0:
        raise InvalidInput("bank simulate", "charge_cents", f"{charge_cents!r} is not cents >= 0")
