"""The monthly collection: due direct-debit instalments → XSD-valid pain.008 files (PRODUCT §3).

``collect_due`` owns one database transaction, under the ``collect`` job lock:

1. finish what a crashed run left in ``outbox/.partial/`` (``recover_outbox``);
2. plan: stream every SCHEDULED direct-debit line due by the horizon with its customer and
   the mandate it is collected under (one query, plain columns, by due date then id) and
   decide for each: skipped with a reason, or collected under a sequence type on a requested
   collection date, in the block of that (date, sequence type). Each collected transaction is
   dumped, as the writer will need it, into ``.partial/`` (marshalled chunks, one dump per
   block). Each time a block has gathered the bank profile's transactions per file, those
   make a file, numbered from a counter unique forever and handed to the writers at once;
   when the stream ends, what is left of the blocks is packed into files by date and
   sequence type;
3. per file: the bank file and payment batch records, the lines SUBMITTED (executemany by
   id) with their mandate and the end-to-end id ``{prefix}-L{line id}-{presentation n}``
   that the dump carries too, then the counts and sums checked from the database;
4. the mandates' last presentation noted, FRST / OOFF used up, the amendments carried
   cleared (the dumps already hold them);
5. the files written from the dumps into ``.partial/`` by the streaming writer and validated
   against the official XSD (streaming): in this process after 4 — or, for large runs, in
   worker processes from the moment a file is planned, while this process plans, marks and
   notes; then commit, and the files renamed into the outbox.

A crash before the commit leaves only partial files, which the next run deletes: nothing was
collected. A crash after it leaves committed bank files whose partial files the next run
renames into the outbox. A line is SUBMITTED in the same transaction that records its file,
so no line is ever collected twice.
"""

from __future__ import annotations

import contextlib
import ctypes
import marshal
import os
import re
import signal
import uuid
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor
from concurrent.futures import wait as futures_wait
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import cache, lru_cache
from multiprocessing import get_context
from pathlib import Path
from typing import BinaryIO

from lxml import etree
from schwifty import registry
from schwifty.exceptions import SchwiftyException
from sqlalchemy import and_, bindparam, case, delete, func, literal_column, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from sepa_batch.config import Config
from sepa_batch.db.queries import current_mandate_id
from sepa_batch.db.schema import BankFile, Customer, LedgerLine, Mandate, PaymentBatch
from sepa_batch.db.session import Database, lock_job, next_counter
from sepa_batch.domain.calendar import collection_date, is_business_day, next_collection_day
from sepa_batch.domain.model import LineKind, MandateStatus, Mode, SequenceType, Status
from sepa_batch.domain.sequence import sequence_type
from sepa_batch.errors import InvalidInput
from sepa_batch.identifiers import BIC_FORM, is_sepa_identifier
from sepa_batch.money import format_amount
from sepa_batch.sepa import pain008, xsd
from sepa_batch.sepa.charset import to_sepa_text

#: SEPA countries outside the EEA: their debtors' addresses are required (EPC, Nov 2025).
NON_EEA_SEPA = frozenset(
    {"CH", "GB", "SM", "VA", "MC", "AD", "GI", "JE", "GG", "IM", "AL", "MD", "ME", "MK", "RS"}
)
PARTIAL = ".partial"
SELECT_CHUNK = 20_000  # candidate rows fetched at a time
UPDATE_CHUNK = 20_000  # lines marked SUBMITTED per executemany
DUMP_CHUNK = 2_000  # transactions per chunk of a block's dump
#: Runs with fewer transactions are written in this process.
PARALLEL_MIN_TRANSACTIONS = 20_000
MAX_WRITERS = 4
MAX_AMOUNT_CENTS = pain008.MAX_AMOUNT_CENTS

# Why a due line is not collected (CLI ``collect --json``: ``skipped[].reason``).
NO_MANDATE = "no mandate"
MANDATE_REVOKED = "mandate revoked"
MANDATE_FLAGGED = "mandate flagged: debtor data to correct"
AMOUNT_NOT_POSITIVE = "amount is not positive"
AMOUNT_TOO_LARGE = "amount above 999999999.99"
SIGNED_AFTER = "mandate signed after the collection date"
ONE_OFF_USED = "one-off mandate already used"
INVALID_IBAN = "invalid IBAN"
OUTSIDE_SEPA = "IBAN outside the SEPA zone"
INVALID_BIC = "invalid BIC"
BAD_REFERENCE = "mandate reference is not a SEPA identifier"
NAME_NOT_SEPA = "debtor name has no character of the SEPA set"
NO_ADDRESS = "debtor address needs a town and a country (account outside the EEA)"


def mandate_expired(months: int) -> str:
    return f"mandate expired: no collection for {months} months"


@dataclass(frozen=True, slots=True)
class Skipped:
    line: int
    customer: str
    reason: str

    def document(self) -> dict:
        return {"line": self.line, "customer": self.customer, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class WrittenFile:
    path: str
    message_id: str
    transactions: int
    control_sum_cents: int

    def document(self) -> dict:
        return {
            "path": self.path,
            "message_id": self.message_id,
            "transactions": self.transactions,
            "control_sum": format_amount(self.control_sum_cents),
        }


@dataclass(frozen=True, slots=True)
class BlockSummary:
    """One PmtInf block written (or, in a dry run, that would be written)."""

    pmtinf_id: str
    sequence_type: str
    collection_date: date
    transactions: int
    control_sum_cents: int


@dataclass(slots=True)
class CollectionResult:
    files: list[WrittenFile] = field(default_factory=list)
    collected: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    blocks: list[BlockSummary] = field(default_factory=list)
    dry_run: bool = False
    recovery: Recovery | None = None

    def document(self) -> dict:
        document = {
            "files": [f.document() for f in self.files],
            "collected": self.collected,
            "skipped": [s.document() for s in self.skipped],
        }
        recovered = self.recovery.describe() if self.recovery else None
        if recovered:
            document["recovered"] = recovered
        return document


def default_horizon(config: Config, today: date) -> date:
    """By default a run collects what is due by the next collection day."""
    return next_collection_day(today, config.collection_day)


# --- checks on one candidate ------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it has no such day.

    >>> add_months(date(2010, 8, 31), 36), add_months(date(2012, 2, 29), 12)
    (datetime.date(2013, 8, 31), datetime.date(2013, 2, 28))
    """
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    for last in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError(day)


_IBAN_FORM = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}")
_AS_DIGITS = str.maketrans({chr(code): str(code - 55) for code in range(65, 91)})


@cache
def _iban_spec(country: str):
    try:
        return registry.get_iban_spec(country)
    except SchwiftyException:
        return None


def iban_problem(iban: str) -> str | None:
    """Why ``iban`` (compact) cannot be debited, or None.

    The checks of ``schwifty.IBAN(iban)`` — characters, the country's length and BBAN
    structure, ISO 7064 MOD 97-10 check digits (02 to 98) — with the country's rules looked up
    once per country (schwifty's own object costs 8 µs an IBAN, a million in a run), plus
    the SEPA zone.

    >>> iban_problem("DE89370400440532013000") is None
    True
    >>> iban_problem("DE88370400440532013000"), iban_problem("BR1800360305000010009795493C1")
    ('invalid IBAN', 'IBAN outside the SEPA zone')
    """
    spec = _iban_spec(iban[:2]) if _IBAN_FORM.fullmatch(iban) else None
    if (
        spec is None
        or len(iban) != spec.iban_length
        or not spec.regex.match(iban[4:])
        or not "02" <= iban[2:4] <= "98"
        or int((iban[4:] + iban[:4]).translate(_AS_DIGITS)) % 97 != 1
    ):
        return INVALID_IBAN
    return None if spec.in_sepa_zone else OUTSIDE_SEPA


# the rules of identifiers live in ``sepa_batch.identifiers``, as the imports check them
_BIC_FORM = BIC_FORM


_COUNTRY = re.compile(r"[A-Z]{2}")
#: A name with one of these keeps it through transliteration: never empty in the file.
_KEPT = re.compile(r"[A-Za-z0-9]")


# --- the plan: which lines, in which block ------------------------------------------------


def end_to_end_id(prefix: str, line: int, presentation: int) -> str:
    """Unique forever: a line is presented at most once per number.

    >>> end_to_end_id("SB", 42, 2)
    'SB-L42-2'
    """
    return f"{prefix}-L{line}-{presentation}"


@dataclass(slots=True)
class _Block:
    """Lines collected under one (collection date, sequence type), in the order planned.

    Their transactions, as the writer needs them, are marshalled in chunks into ``dump``:
    chunk ``i`` holds the lines from ``starts[i]`` on and begins at byte ``offsets[i]``. A part
    of a block (a file's share of it) starts at line ``start`` of its block; ``cut``: the
    lines already handed out as full files."""

    when: date
    sequence: str
    dump: str | None = None
    lines: array = field(default_factory=lambda: array("q"))
    mandates: array = field(default_factory=lambda: array("q"))
    amounts: array = field(default_factory=lambda: array("q"))
    presentations: array = field(default_factory=lambda: array("q"))
    starts: list[int] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)
    start: int = 0
    cut: int = 0

    def part(self, start: int, stop: int) -> _Block:
        return _Block(
            self.when, self.sequence, self.dump, self.lines[start:stop],
            self.mandates[start:stop], self.amounts[start:stop],
            self.presentations[start:stop], self.starts, self.offsets, self.start + start,
        )  # fmt: skip

    def segment(self) -> tuple[str, int, int, int]:
        """(dump, byte offset of the chunk holding the first line, lines to skip, lines)."""
        if not self.starts:  # a dry run: no dump
            return ("", 0, 0, len(self.lines))
        chunk = bisect_right(self.starts, self.start) - 1
        return (self.dump or "", self.offsets[chunk], self.start - self.starts[chunk],
                len(self.lines))  # fmt: skip


#: What the plan reads of each candidate line, in this order (see _Planner, _dump_row).
_CANDIDATE_COLUMNS = (
    LedgerLine.id, LedgerLine.amount_cents, LedgerLine.due_date, LedgerLine.presentations,
    LedgerLine.label, Customer.code, Customer.name, Customer.street, Customer.building_number,
    Customer.postcode, Customer.town, Customer.country, Mandate.id, Mandate.status,
    Mandate.one_off, Mandate.first_used, Mandate.last_presented_on, Mandate.signed_on,
    Mandate.iban, Mandate.bic, Mandate.reference, Mandate.amend_original_reference,
    Mandate.amend_original_iban, Mandate.amend_new_bank,
)  # fmt: skip


def _candidates(session: Session, until: date) -> Iterator:
    """SCHEDULED direct-debit lines due by ``until``, with the customer and the mandate it is
    collected under (its current mandate, :func:`sepa_batch.db.queries.current_mandate_id`),
    by due date then id, so the first line met of a
    mandate is its earliest."""
    query = (
        select(*_CANDIDATE_COLUMNS)
        .join(Customer, Customer.id == LedgerLine.customer_id)
        .outerjoin(Mandate, Mandate.id == current_mandate_id(LedgerLine.customer_id))
        .where(
            LedgerLine.status == Status.SCHEDULED,
            LedgerLine.mode == Mode.DIRECT_DEBIT,
            LedgerLine.due_date <= until,
            LedgerLine.kind == LineKind.PAYMENT,
            LedgerLine.held_by_return_id.is_(None),  # waiting for a person's review
        )
        .order_by(LedgerLine.due_date, LedgerLine.id)
        .execution_options(yield_per=SELECT_CHUNK)
    )
    return session.connection().execute(query)


@lru_cache(maxsize=4096)
def _remittance(label: str) -> str:
    """Labels repeat from line to line ("Cotisation 12/2026"): transliterated once each.
    The writer's own transliteration leaves a SEPA text as it is."""
    return to_sepa_text(label or "", 140)


class _Planner:
    """Decides, line by line, skipped (with the reason) or collected (in which block), and
    dumps each collected transaction for the writer (not in a dry run: ``dump_dir`` None).

    As soon as a block holds ``limit`` lines more, they make a full file: ``on_file`` gets
    that part at once, so that it can be written while the plan goes on."""

    def __init__(self, config: Config, created_on: date, dump_dir: Path | None, on_file):
        self.config = config
        self.created_on = created_on
        self.dump_dir = dump_dir
        self.limit = config.bank.max_transactions_per_file
        self.on_file = on_file
        self.blocks: dict[tuple[date, str], _Block] = {}
        self.skipped: list[Skipped] = []
        self.collected = 0
        self.started: set[int] = set()  # mandates given their FRST / OOFF in this run
        #: mandate → what the file carries of it when it carries an amendment: (reference,
        #: IBAN, original reference, original IBAN, new bank), cleared only if still so
        self.amendments: dict[int, tuple] = {}
        self._dates: dict[date, tuple[date, date]] = {}
        self._dumps: dict[tuple[date, str], tuple[BinaryIO, list]] = {}
        self.run = uuid.uuid4().hex[:12]

    def _dates_for(self, due: date) -> tuple[date, date]:
        """(requested collection date, last presentation that voids a mandate on it)."""
        found = self._dates.get(due)
        if found is None:
            when = collection_date(due, self.created_on, self.config.bank.cutoff_business_days)
            found = self._dates[due] = (when, add_months(when, -self.config.mandate_void_months))
        return found

    def consider(self, row) -> None:
        line, amount, due, presentations, _, code = row[:6]
        mandate, one_off, first_used, new_bank = row[12], row[14], row[15], row[23]
        when, void_before = self._dates_for(due)
        reason = self._problem(row, when, void_before)
        if reason is None and one_off and mandate in self.started:
            reason = ONE_OFF_USED
        if reason is not None:
            self.skipped.append(Skipped(line, code, reason))
            return
        sequence = sequence_type(
            one_off=one_off,
            first_used=(first_used and not new_bank) or mandate in self.started,
            bank_wants_frst=self.config.bank.want_frst,
        ).value
        if sequence != "RCUR":
            self.started.add(mandate)
        block = self.blocks.get((when, sequence))
        if block is None:
            block = self.blocks[(when, sequence)] = self._new_block(when, sequence)
        block.lines.append(line)
        block.mandates.append(mandate)
        block.amounts.append(amount)
        block.presentations.append(presentations + 1)
        self.collected += 1
        if row[21] or row[22] or row[23]:
            self.amendments[mandate] = (row[20], row[18], row[21], row[22], bool(row[23]))
        if block.dump is not None:
            prefix = self.config.bank.message_prefix
            self._dump(block, _dump_row(end_to_end_id(prefix, line, presentations + 1), row))
        if len(block.lines) - block.cut == self.limit:
            self._flush(block)
            self.on_file([block.part(block.cut, len(block.lines))], self.collected)
            block.cut = len(block.lines)

    def _problem(self, row, when: date, void_before: date) -> str | None:
        amount, name, town, country = row[1], row[6], row[10], row[11]
        (mandate, status, one_off, first_used, last_presented, signed_on, iban, bic,
         reference) = row[12:21]  # fmt: skip
        if mandate is None:
            return NO_MANDATE
        if status == MandateStatus.REVOKED:
            return MANDATE_REVOKED
        if status == MandateStatus.FLAGGED:
            return MANDATE_FLAGGED
        if amount <= 0:
            return AMOUNT_NOT_POSITIVE
        if amount > MAX_AMOUNT_CENTS:
            return AMOUNT_TOO_LARGE
        if signed_on > when:
            return SIGNED_AFTER
        if (last_presented or signed_on) <= void_before:
            return mandate_expired(self.config.mandate_void_months)
        if one_off and first_used:
            return ONE_OFF_USED
        problem = iban_problem(iban)
        if problem:
            return problem
        if bic and not _BIC_FORM.fullmatch("".join(bic.split()).upper()):
            return INVALID_BIC
        if not is_sepa_identifier(reference) or not is_sepa_identifier(row[21] or "-"):
            return BAD_REFERENCE
        if not (_KEPT.search(name) or to_sepa_text(name, 70)):
            return NAME_NOT_SEPA
        if iban[:2] in NON_EEA_SEPA and not (
            to_sepa_text(town or "", 35) and _COUNTRY.fullmatch(country or "")
        ):
            return NO_ADDRESS
        return None

    def _new_block(self, when: date, sequence: str) -> _Block:
        if self.dump_dir is None:
            return _Block(when, sequence)
        name = f"{self.run}-{when:%Y%m%d}-{sequence}.rows"  # never another run's
        block = _Block(when, sequence, str(self.dump_dir / name))
        self._dumps[(when, sequence)] = (open(block.dump, "wb"), [])  # noqa: SIM115
        return block

    def _dump(self, block: _Block, row: tuple) -> None:
        buffer = self._dumps[(block.when, block.sequence)][1]
        buffer.append(row)
        if len(buffer) == DUMP_CHUNK:
            self._flush(block)

    def _flush(self, block: _Block) -> None:
        """The lines buffered as one more chunk, on disk for the writers."""
        if block.dump is None:
            return
        out, buffer = self._dumps[(block.when, block.sequence)]
        if buffer:
            block.starts.append(len(block.lines) - len(buffer))
            block.offsets.append(out.tell())
            marshal.dump(buffer, out)
            buffer.clear()
            out.flush()

    def finish(self) -> list[_Block]:
        """What was not handed out as full files, by date then sequence type; dumps closed."""
        for key in sorted(self.blocks):
            self._flush(self.blocks[key])
        for out, _ in self._dumps.values():
            out.close()
        self._dumps.clear()
        rest = []
        for key in sorted(self.blocks):
            block = self.blocks[key]
            if len(block.lines) > block.cut:
                rest.append(block.part(block.cut, len(block.lines)))
            self.blocks[key] = _Block(block.when, block.sequence, block.dump)  # frees the arrays
        return rest

    def discard(self) -> None:
        for out, _ in self._dumps.values():
            out.close()
        for block in self.blocks.values():
            if block.dump:
                Path(block.dump).unlink(missing_ok=True)


def _dump_row(e2e: str, row) -> tuple:
    """What the writer needs of one transaction: plain values for ``marshal`` (which, unlike
    pickle, builds nothing but values: a tampered dump cannot run code), dates as ordinals."""
    (_, amount, _, _, label, _, name, street, building_number, postcode, town, country,
     _, _, _, _, _, signed_on, iban, bic, reference, original_reference, original_iban,
     new_bank) = row  # fmt: skip
    address = None
    if iban[:2] in NON_EEA_SEPA:
        address = (town, country, street, building_number, postcode)
    amendment = None
    if original_reference or original_iban or new_bank:
        # EPC: the original account is given only for a change within the same bank
        amendment = (original_reference, None if new_bank else original_iban, bool(new_bank))
    return (e2e, amount, _remittance(label), reference, signed_on.toordinal(), iban, bic, name,
            address, amendment)  # fmt: skip


def _split(blocks: list[_Block], limit: int) -> list[list[_Block]]:
    """Fill files with blocks in order; a block larger than the room left is cut."""
    files: list[list[_Block]] = [[]]
    room = limit
    for block in blocks:
        start = 0
        while start < len(block.lines):
            if room == 0:
                files.append([])
                room = limit
            stop = min(start + room, len(block.lines))
            files[-1].append(block.part(start, stop))
            room -= stop - start
            start = stop
    return [f for f in files if f]


# --- one file: its records and its lines --------------------------------------------------


@dataclass(frozen=True, slots=True)
class _FileJob:
    """Everything a writer needs to write and validate one file (picklable for a worker)."""

    message_id: str
    path: str
    partial: str
    version: str
    header: pain008.MessageHeader
    creditor: pain008.Party
    blocks: tuple[pain008.PaymentBlock, ...]
    segments: tuple[tuple[str, int, int, int], ...]  # per block: see _Block.segment
    parent_pid: int
    #: end-to-end ids left out: lines changed while being collected (their dump rows stay)
    excluded: frozenset[str] = frozenset()


def creditor_party(config: Config) -> pain008.Party:
    c = config.creditor
    return pain008.Party(
        name=c.name,
        iban=c.iban,
        bic=c.bic,
        creditor_id=c.creditor_id,
        address=pain008.PostalAddress(
            town=c.address.town,
            country=c.address.country,
            street=c.address.street,
            building_number=c.address.building_number,
            postcode=c.address.postcode,
        ),
    )


def _number_file(
    session: Session, config: Config, blocks: list[_Block], created_at: datetime, version: str
) -> _FileJob:
    """The file's message id from a counter unique forever; its blocks' PmtInfIds and totals."""
    number = next_counter(session, "message")
    message_id = f"{config.bank.message_prefix}-{created_at:%Y%m%d}-{number:06d}"
    described = tuple(
        pain008.PaymentBlock(
            payment_information_id=f"{message_id}-{index:03d}",
            sequence_type=block.sequence,
            collection_date=block.when,
            transactions=len(block.lines),
            control_sum_cents=sum(block.amounts),
        )
        for index, block in enumerate(blocks, start=1)
    )
    return _FileJob(
        message_id=message_id,
        path=str(config.folders.outbox / f"{message_id}.xml"),
        partial=str(config.folders.outbox / PARTIAL / f"{message_id}.xml"),
        version=version,
        header=pain008.MessageHeader(
            message_id=message_id,
            created_at=created_at,
            transactions=sum(b.transactions for b in described),
            control_sum_cents=sum(b.control_sum_cents for b in described),
        ),
        creditor=creditor_party(config),
        blocks=described,
        segments=tuple(block.segment() for block in blocks),
        parent_pid=os.getpid(),
    )


def _record_file(
    session: Session, prefix: str, job: _FileJob, blocks: list[_Block]
) -> tuple[list[tuple[int, pain008.PaymentBlock]], _FileJob | None, list[Skipped]]:
    """The bank file and its payment batches; their lines SUBMITTED. Returns the (batch id,
    block)s, the job (``None``: no line left to write) and the lines skipped because they
    changed while being collected (paid at the desk, say): they are left out of the file."""
    bank_file = BankFile(
        message_id=job.message_id,
        path=job.path,
        format=job.version,
        created_at=job.header.created_at,
        transactions=job.header.transactions,
        control_sum_cents=job.header.control_sum_cents,
    )
    session.add(bank_file)
    session.flush()
    batches = []
    kept: list[tuple[pain008.PaymentBlock, tuple]] = []
    skipped: list[Skipped] = []
    excluded: set[str] = set()
    for block, described, segment in zip(blocks, job.blocks, job.segments, strict=True):
        batch = PaymentBatch(
            bank_file_id=bank_file.id,
            pmtinf_id=described.payment_information_id,
            sequence_type=described.sequence_type,
            collection_date=described.collection_date,
            transactions=described.transactions,
            control_sum_cents=described.control_sum_cents,
        )
        session.add(batch)
        session.flush()
        _mark_submitted(session, prefix, block, batch.id)
        if not _marked_as_planned(session, described, batch.id):
            described, changed = _leave_out_changed(session, prefix, block, described, batch)
            skipped += changed
            excluded.update(e2e for e2e, _ in changed_ids(prefix, block, changed))
            if described.transactions == 0:
                session.delete(batch)
                session.flush()
                continue
        _check_marked(session, described, batch.id)
        batches.append((batch.id, described))
        kept.append((described, segment))
    if not excluded:
        return batches, job, skipped
    if not kept:
        session.delete(bank_file)
        session.flush()
        return batches, None, skipped
    header = replace(
        job.header,
        transactions=sum(b.transactions for b, _ in kept),
        control_sum_cents=sum(b.control_sum_cents for b, _ in kept),
    )
    bank_file.transactions = header.transactions
    bank_file.control_sum_cents = header.control_sum_cents
    session.flush()
    job = replace(
        job,
        header=header,
        blocks=tuple(b for b, _ in kept),
        segments=tuple(segment for _, segment in kept),
        excluded=frozenset(excluded),
    )
    return batches, job, skipped


CHANGED_MEANWHILE = "changed while being collected (left for the next run)"


def _marked_as_planned(session: Session, block: pain008.PaymentBlock, batch_id: int) -> bool:
    count, total = session.execute(
        select(func.count(), func.coalesce(func.sum(LedgerLine.amount_cents), 0)).where(
            LedgerLine.batch_id == batch_id
        )
    ).one()
    return (count, int(total)) == (block.transactions, block.control_sum_cents)


def changed_ids(prefix: str, block: _Block, changed: list[Skipped]) -> list[tuple[str, int]]:
    """(end-to-end id, position in the block) of the lines skipped."""
    lines = {skip.line for skip in changed}
    return [
        (end_to_end_id(prefix, line, n), index)
        for index, (line, n) in enumerate(zip(block.lines, block.presentations, strict=True))
        if line in lines
    ]


def _leave_out_changed(
    session: Session, prefix: str, block: _Block, described: pain008.PaymentBlock, batch
) -> tuple[pain008.PaymentBlock, list[Skipped]]:
    """The lines of the block that were not marked (changed after the plan read them): skipped,
    and the block's totals without them."""
    marked = set(
        session.execute(select(LedgerLine.id).where(LedgerLine.batch_id == batch.id)).scalars()
    )
    missing = [line for line in block.lines if line not in marked]
    codes = dict(
        session.execute(
            select(LedgerLine.id, Customer.code)
            .join(Customer, Customer.id == LedgerLine.customer_id)
            .where(LedgerLine.id.in_(missing))
        ).all()
    )
    changed = [Skipped(line, codes.get(line, "?"), CHANGED_MEANWHILE) for line in missing]
    gone = {index for _, index in changed_ids(prefix, block, changed)}
    cents = sum(amount for index, amount in enumerate(block.amounts) if index in gone)
    described = replace(
        described,
        transactions=described.transactions - len(gone),
        control_sum_cents=described.control_sum_cents - cents,
    )
    batch.transactions = described.transactions
    batch.control_sum_cents = described.control_sum_cents
    return described, changed


def _mark_submitted(session: Session, prefix: str, block: _Block, batch_id: int) -> None:
    """Lines → SUBMITTED in their block, under their mandate, with their end-to-end id (the
    one written in the file). The block's constants are written into the statement, so each
    row binds only its line, mandate and end-to-end id."""
    lines = LedgerLine.__table__

    def constant(value: str | int):
        """A value of ours (a status, an id, an ISO date), inline."""
        return literal_column(f"'{value}'" if isinstance(value, str) else str(int(value)))

    statement = (
        update(lines)
        .where(
            lines.c.id == bindparam("line"),
            lines.c.status == constant(Status.SCHEDULED.value),
            lines.c.amount_cents == bindparam("amount"),
        )
        .values(
            status=constant(Status.SUBMITTED.value),
            batch_id=constant(batch_id),
            collection_date=constant(block.when.isoformat()),
            mandate_id=bindparam("mandate"),
            end_to_end_id=bindparam("e2e"),
            presentations=lines.c.presentations + constant(1),
        )
    )
    for start in range(0, len(block.lines), UPDATE_CHUNK):
        stop = start + UPDATE_CHUNK
        rows = zip(
            block.lines[start:stop],
            block.mandates[start:stop],
            block.presentations[start:stop],
            block.amounts[start:stop],
            strict=True,
        )
        _executemany(
            session,
            statement,
            [
                {
                    "line": line,
                    "mandate": mandate,
                    "e2e": end_to_end_id(prefix, line, n),
                    "amount": amount,
                }
                for line, mandate, n, amount in rows
            ],
        )


def _executemany(session: Session, statement, rows: list[dict]) -> None:
    """``statement`` once per row, through the driver's executemany: the parameters are plain
    ints and strings, so SQLAlchemy's per-row processing (a third of the time) is skipped."""
    connection = session.connection()
    compiled = statement.compile(dialect=connection.dialect)
    names = compiled.positiontup
    if names is not None:  # positional paramstyle (SQLite's qmark)
        rows = [tuple(row[name] for name in names) for row in rows]
    connection.exec_driver_sql(compiled.string, rows)


def _check_marked(session: Session, block: pain008.PaymentBlock, batch_id: int) -> None:
    """The database must hold exactly the block planned: a line changed meanwhile (paid at the
    desk, say) fails the whole run rather than a file that lies."""
    count, total = session.execute(
        select(func.count(), func.coalesce(func.sum(LedgerLine.amount_cents), 0)).where(
            LedgerLine.batch_id == batch_id
        )
    ).one()
    if (count, int(total)) != (block.transactions, block.control_sum_cents):
        raise RuntimeError(
            f"block {block.payment_information_id}: planned {block.transactions} lines for "
            f"{format_amount(block.control_sum_cents)}, the database holds {count} for "
            f"{format_amount(int(total))}; lines changed while being collected, nothing was "
            "collected"
        )


# --- writing a file (in this process or in a worker) --------------------------------------


def _debit(row: tuple) -> pain008.DirectDebit:
    (e2e, amount, label, reference, signed_on, iban, bic, name, address,
     amendment) = row  # fmt: skip
    return pain008.DirectDebit(
        end_to_end_id=e2e,
        amount_cents=amount,
        mandate_id=reference,
        mandate_signed_on=date.fromordinal(signed_on),
        debtor_name=name,
        debtor_iban=iban,
        debtor_bic=bic,
        remittance=label,
        debtor_address=pain008.PostalAddress(*address) if address else None,
        amendment=pain008.Amendment(*amendment) if amendment else None,
    )


def _debits(
    segment: tuple[str, int, int, int],
    parent_pid: int,
    progress: Callable[[int], None] | None,
    excluded: frozenset[str] = frozenset(),
) -> Iterator[pain008.DirectDebit]:
    """The transactions of one block (part) from its dump, but the ``excluded`` ones."""
    path, offset, skip, count = segment
    with open(path, "rb") as source:
        source.seek(offset)
        while count > 0:
            if os.getpid() != parent_pid and os.getppid() != parent_pid:
                raise SystemExit("the collection that started this writer is gone")
            chunk = marshal.load(source)[skip : skip + count]
            skip, count = 0, count - len(chunk)
            if excluded:
                chunk = [row for row in chunk if row[0] not in excluded]
            yield from map(_debit, chunk)
            if progress:
                progress(len(chunk))


def write_file(job: _FileJob, progress: Callable[[int], None] | None = None) -> None:
    """Write one pain.008 file into the partial folder and validate it against the XSD.
    Worker processes run this too: it reads the plan's dumps and touches no database."""
    blocks = (
        (block, _debits(segment, job.parent_pid, progress, job.excluded))
        for block, segment in zip(job.blocks, job.segments, strict=True)
    )
    with open(job.partial, "wb") as out:
        pain008.write_pain008(out, job.header, job.creditor, blocks, version=job.version)
    xsd.validate_file(job.partial, job.version)


#: In a worker process: the count of transactions written, shared with the collection.
_written = None


def _writer_started(parent_pid: int, written) -> None:
    """In a worker: die with the collection that started it (Linux's parent-death signal),
    so that no orphan goes on writing a partial file after a crash; count into ``written``."""
    global _written
    _written = written
    with contextlib.suppress(OSError, AttributeError):
        os.nice(10)  # the collection itself (plan, marks) is the critical path: it goes first
    with contextlib.suppress(OSError, AttributeError):  # not Linux: checked between chunks
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent_pid:  # the collection died before prctl took effect
        os._exit(1)


def _count_written(transactions: int) -> None:
    with _written.get_lock():
        _written.value += transactions


class _Writers:
    """Writes the files: in this process once the lines are marked, or — for a large run — in
    worker processes, one file each, as soon as a file is planned: the writer is pure Python,
    so this is how the other cores help while this process plans and marks."""

    def __init__(self, workers: int | None):
        self.workers = workers
        self.pool = None
        self.jobs: list[_FileJob] = []
        self.futures = []
        self.written = None
        self.done = 0

    def __enter__(self) -> _Writers:
        return self

    def __exit__(self, *exc_info) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def add(self, job: _FileJob, planned: int) -> None:
        """One more file to write; ``planned``: the lines collected so far."""
        self.jobs.append(job)
        if self.pool is None and self._workers(planned) > 1:
            self._start(self._workers(planned))
            self.futures = [self.pool.submit(write_file, j, _count_written) for j in self.jobs]
        elif self.pool is not None:
            self.futures.append(self.pool.submit(write_file, job, _count_written))

    def _workers(self, planned: int) -> int:
        if self.workers is not None:
            return self.workers
        large = planned >= PARALLEL_MIN_TRANSACTIONS
        return min(os.cpu_count() or 1, MAX_WRITERS) if large else 1

    def _start(self, workers: int) -> None:
        context = get_context("spawn")
        self.written = context.Value("q", 0)
        self.pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=_writer_started,
            initargs=(os.getpid(), self.written),
        )

    def wait(self, progress) -> None:
        """Every file written and valid, else the first error raised."""
        total = sum(job.header.transactions for job in self.jobs)

        def count(transactions: int) -> None:
            self.done += transactions
            if progress and transactions:
                progress(self.done, total)

        if self.pool is None:
            for job in self.jobs:
                write_file(job, count if progress else None)
            return
        pending = set(self.futures)
        while pending:
            finished, pending = futures_wait(pending, timeout=0.25, return_when=FIRST_EXCEPTION)
            for future in finished:
                future.result()
            count(self.written.value - self.done)


# --- after writing: the mandates ----------------------------------------------------------


def _update_mandates(
    session: Session, batches: list[tuple[int, pain008.PaymentBlock]], amendments: dict[int, tuple]
) -> None:
    """Last presentation (the 36-month rule; never moved back), FRST / OOFF used up; the
    amendments this collection carried cleared (see ``_clear_amendments``)."""
    for batch_id, block in batches:
        when = block.collection_date
        values: dict = {
            "last_presented_on": case(
                (Mandate.last_presented_on > when, Mandate.last_presented_on), else_=when
            ),
        }
        if block.sequence_type in (SequenceType.FRST, SequenceType.OOFF):
            values["first_used"] = True
        used = select(LedgerLine.mandate_id).where(LedgerLine.batch_id == batch_id)
        session.execute(
            update(Mandate)
            .where(Mandate.id.in_(used))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    _clear_amendments(session, amendments)


def _clear_amendments(session: Session, amendments: dict[int, tuple]) -> None:
    """Compare and clear, part by part: the original reference is cleared only if the mandate
    still has the reference and original reference the file carries, the account parts only if
    it still has the IBAN and the account amendment the file carries. What was amended
    meanwhile (at the desk, while this collection ran) stays for the next collection."""

    def same(column, value):
        return column.is_(None) if value is None else column == value

    for mandate_id, carried in sorted(amendments.items()):
        reference, iban, original_reference, original_iban, new_bank = carried
        reference_kept = and_(
            same(Mandate.reference, reference),
            same(Mandate.amend_original_reference, original_reference),
        )
        account_kept = and_(
            same(Mandate.iban, iban),
            same(Mandate.amend_original_iban, original_iban),
            Mandate.amend_new_bank == new_bank,
        )
        session.execute(
            update(Mandate)
            .where(Mandate.id == mandate_id)
            .values(
                amend_original_reference=case(
                    (reference_kept, None), else_=Mandate.amend_original_reference
                ),
                amend_original_iban=case((account_kept, None), else_=Mandate.amend_original_iban),
                amend_new_bank=case((account_kept, False), else_=Mandate.amend_new_bank),
            )
            .execution_options(synchronize_session=False)
        )


# --- the outbox -----------------------------------------------------------------------------


@dataclass(slots=True)
class Recovery:
    """What a recovery found: files published late, files discarded (their lines back to
    SCHEDULED: their requested collection date can no longer be met), orphans deleted."""

    published: list[Path] = field(default_factory=list)
    discarded: list[str] = field(default_factory=list)  # message ids
    rescheduled: int = 0

    def describe(self) -> str | None:
        """One line for the output / the log, or None when there was nothing to do."""
        parts = []
        if self.published:
            parts.append(f"published {len(self.published)} file(s) a crash left unpublished")
        if self.discarded:
            parts.append(
                f"discarded {', '.join(self.discarded)} (collection date can no longer be met): "
                f"{self.rescheduled} line(s) back to SCHEDULED"
            )
        return "; ".join(parts) or None


def recover_outbox(db: Database, config: Config, today: date, now: datetime) -> Recovery:
    """Finish or undo what a crash interrupted (before any job or write command): a written
    file not yet published is renamed into the outbox while its requested collection dates can
    still be met on ``today``, else discarded with its lines back to SCHEDULED; partial files
    of runs that never committed are deleted."""
    with db.transaction() as session:
        lock_job(session, "collect")
        return _recover(session, config, today, now)


def _recover(session: Session, config: Config, today: date, now: datetime) -> Recovery:
    """Under the job lock: no other run is writing, so an uncommitted partial is an orphan."""
    found = Recovery()
    partial_dir = config.folders.outbox / PARTIAL
    if partial_dir.is_dir():
        for dump in partial_dir.glob("*.rows"):
            dump.unlink()
    unpublished = session.execute(
        select(BankFile).where(BankFile.published_at.is_(None)).order_by(BankFile.id)
    ).scalars()
    earliest = collection_date(today, today, config.bank.cutoff_business_days)
    for bank_file in list(unpublished):
        partial = partial_dir / f"{bank_file.message_id}.xml"
        path = Path(bank_file.path)
        dates = session.execute(
            select(PaymentBatch.collection_date).where(PaymentBatch.bank_file_id == bank_file.id)
        ).scalars()
        meetable = all(is_business_day(day) and day >= earliest for day in dates)
        if path.exists() or (partial.exists() and meetable):
            _publish(partial, path)
            bank_file.published_at = now
            found.published.append(path)
        else:
            carried = _carried_amendments(partial) if partial.exists() else {}
            found.rescheduled += _discard_file(session, config, bank_file, today, carried)
            partial.unlink(missing_ok=True)
            found.discarded.append(bank_file.message_id)
    session.flush()
    if partial_dir.is_dir():
        known = set(session.execute(select(BankFile.message_id)).scalars())
        for partial in sorted(partial_dir.glob("*.xml")):
            if partial.stem not in known:
                partial.unlink()
    return found


def _carried_amendments(partial: Path) -> dict[str, tuple[str | None, str | None, bool]]:
    """End-to-end id → (original reference, original IBAN, new bank) of the transactions of a
    written file that carry a mandate amendment (read back from the file itself)."""
    found = {}
    for _, tx in etree.iterparse(str(partial), tag="{*}DrctDbtTxInf", resolve_entities=False):
        details = tx.find(".//{*}AmdmntInfDtls")
        if details is not None:
            agent = details.findtext(".//{*}OrgnlDbtrAgt//{*}Id")
            found[tx.findtext(".//{*}EndToEndId")] = (
                details.findtext("{*}OrgnlMndtId"),
                details.findtext("{*}OrgnlDbtrAcct/{*}Id/{*}IBAN"),
                agent == "SMNDA",
            )
        tx.clear()
    return found


def _discard_file(
    session: Session,
    config: Config,
    bank_file: BankFile,
    today: date,
    carried: dict[str, tuple[str | None, str | None, bool]],
) -> int:
    """The lines of a file never published back to SCHEDULED (a first collection does not use
    up the FRST; the amendments it carried are pending again, unless the mandate was amended
    since), then its records deleted. Returns the lines rescheduled."""
    from sepa_batch.unpaid.batch import UnpaidBatch
    from sepa_batch.unpaid.cases import load_cases

    batch_ids = select(PaymentBatch.id).where(PaymentBatch.bank_file_id == bank_file.id)
    cases = load_cases(
        session, LedgerLine.batch_id.in_(batch_ids), LedgerLine.status == Status.SUBMITTED
    )
    work = UnpaidBatch(session, config, today)
    for found in cases:
        amendment = carried.get(found.end_to_end_id or "")
        if amendment is not None and found.mandate_id is not None:
            mandate = session.get(Mandate, found.mandate_id)
            mandate.amend_original_reference = mandate.amend_original_reference or amendment[0]
            mandate.amend_original_iban = mandate.amend_original_iban or amendment[1]
            mandate.amend_new_bank = mandate.amend_new_bank or amendment[2]
        work.reschedule(found, None)
    session.flush()
    work.write()
    still_used = select(LedgerLine.batch_id).where(LedgerLine.batch_id.in_(batch_ids))
    if session.execute(still_used.limit(1)).first() is None:
        session.execute(
            delete(PaymentBatch)
            .where(PaymentBatch.bank_file_id == bank_file.id)
            .execution_options(synchronize_session=False)
        )
        session.delete(bank_file)
    return len(cases)


def mark_published(db: Database, message_ids: list[str], now: datetime) -> None:
    """The files renamed into the outbox are published (a recovery may have done it first)."""
    if not message_ids:
        return
    with db.transaction() as session:
        session.execute(
            update(BankFile)
            .where(BankFile.message_id.in_(message_ids), BankFile.published_at.is_(None))
            .values(published_at=now)
            .execution_options(synchronize_session=False)
        )


def _publish(partial: Path, path: Path) -> None:
    """Rename into the outbox (atomic); another run's recovery may have done it already."""
    try:
        partial.replace(path)
    except FileNotFoundError:
        if not path.exists():
            raise


def _discard(jobs: list[_FileJob | None]) -> None:
    for job in jobs:
        if job is not None:
            Path(job.partial).unlink(missing_ok=True)


# --- the service ------------------------------------------------------------------------------


def collect_due(
    db: Database,
    config: Config,
    *,
    today: date,
    created_at: datetime,
    until: date | None = None,
    version: str | None = None,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
) -> CollectionResult:
    """Collect every due direct-debit instalment (see the module docstring).

    ``created_at`` is the files' creation time: collection dates are at least the bank
    profile's cut-off business days after its day. ``until`` defaults to the next collection
    day after ``today``. A dry run plans, numbers and reports the files it would write, then
    rolls back: no file written, nothing changed, the outbox left as it is.

    ``progress(done, total)`` is called as transactions are written. ``workers``: processes
    writing the files (default: one per core, up to 4, once the run has planned
    ``PARALLEL_MIN_TRANSACTIONS`` lines; 1 writes in this process). Workers are started with
    ``spawn``: a script calling this needs the usual ``if __name__ == "__main__":`` guard, as
    with any multiprocessing program.
    """
    version = version or config.bank.pain008_version
    until = until or default_horizon(config, today)
    result = CollectionResult(dry_run=dry_run)
    partial_dir = None if dry_run else config.folders.outbox / PARTIAL
    files: list[list[_Block]] = []
    jobs: list[_FileJob] = []
    planned: list[_FileJob] = []
    planner = None
    if not dry_run and db.is_sqlite:
        database = make_url(config.database_url).database
        if database and database != ":memory:":
            check_writable(Path(database).parent, "folders.data")
    try:
        with db.transaction() as session, _Writers(1 if dry_run else workers) as writers:
            lock_job(session, "collect")
            if partial_dir is not None:
                check_writable(config.folders.outbox, "folders.outbox")
                partial_dir.mkdir(parents=True, exist_ok=True)
                check_writable(partial_dir, "folders.outbox")
                result.recovery = _recover(session, config, today, created_at)

            def new_file(blocks: list[_Block], planned: int) -> None:
                files.append(blocks)
                jobs.append(_number_file(session, config, blocks, created_at, version))
                if not dry_run:
                    writers.add(jobs[-1], planned)

            planner = _Planner(config, created_at.date(), partial_dir, new_file)
            for row in _candidates(session, until):
                planner.consider(row)
            for blocks in _split(planner.finish(), config.bank.max_transactions_per_file):
                new_file(blocks, planner.collected)
            result.skipped = planner.skipped
            _summarise(jobs, result)
            if dry_run:
                session.rollback()
                return result
            planned = list(jobs)
            changed = _record_all(
                session, config.bank.message_prefix, files, jobs, db.is_sqlite, planner.amendments
            )
            writers.wait(progress)
            if changed:  # the files written without the lines changed meanwhile
                _discard([old for old, new in zip(planned, jobs, strict=True) if new is None])
                jobs[:] = [job for job in jobs if job is not None]
                for job in jobs:
                    if job.excluded:
                        write_file(job)
                result.skipped = planner.skipped + changed
                result.files, result.blocks, result.collected = [], [], 0
                _summarise(jobs, result)
    except BaseException:
        _discard(jobs + planned)
        raise
    finally:
        if planner is not None:
            planner.discard()
    for job in jobs:
        _publish(Path(job.partial), Path(job.path))
    mark_published(db, [job.message_id for job in jobs], created_at)
    return result


def check_writable(folder: Path, key: str) -> None:
    """Refuse, before anything is committed, a folder where no file can be created."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".probe-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise InvalidInput(
            f"config {key}", str(folder), f"cannot write there ({exc.strerror or exc})"
        ) from None


def _summarise(jobs: list[_FileJob], result: CollectionResult) -> None:
    for job in jobs:
        header = job.header
        result.files.append(
            WrittenFile(job.path, job.message_id, header.transactions, header.control_sum_cents)
        )
        result.collected += header.transactions
        result.blocks.extend(
            BlockSummary(b.payment_information_id, b.sequence_type, b.collection_date,
                         b.transactions, b.control_sum_cents)
            for b in job.blocks
        )  # fmt: skip


def _record_all(
    session: Session,
    prefix: str,
    files: list[list[_Block]],
    jobs: list[_FileJob],
    sqlite: bool,
    amendments: dict[int, tuple],
) -> list[Skipped]:
    """Record the files and mark their lines (while the workers write); then the mandates."""
    if sqlite:  # foreign keys checked once, at the commit: twice as fast to mark
        session.connection().exec_driver_sql("PRAGMA defer_foreign_keys=ON")
    batches: list[tuple[int, pain008.PaymentBlock]] = []
    skipped: list[Skipped] = []
    for index, (blocks, job) in enumerate(zip(files, jobs, strict=True)):
        recorded, jobs[index], changed = _record_file(session, prefix, job, blocks)
        batches += recorded
        skipped += changed
        blocks.clear()  # the plan's arrays are not needed any more
    _update_mandates(session, batches, amendments)
    return skipped
