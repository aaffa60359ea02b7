"""The plan: which candidates are collected, in which block (collection date, sequence type),
in which file."""

from __future__ import annotations

import uuid
from array import array
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import NamedTuple

from sepa_batch.collection import spool
from sepa_batch.collection.candidates import Candidate
from sepa_batch.collection.eligibility import ONE_OFF_USED, Skipped, problem
from sepa_batch.config import Config
from sepa_batch.domain.calendar import add_months, collection_date
from sepa_batch.domain.sequence import sequence_type


def end_to_end_id(prefix: str, line: int, presentation: int) -> str:
    """Unique forever: a line is presented at most once per number.

    >>> end_to_end_id("SB", 42, 2)
    'SB-L42-2'
    """
    return f"{prefix}-L{line}-{presentation}"


class CarriedAmendment(NamedTuple):
    """What a file carries of a mandate with an amendment: cleared after the collection only
    if the mandate still holds it (see ``marking.clear_amendments``)."""

    reference: str
    iban: str
    original_reference: str | None
    original_iban: str | None
    new_bank: bool


@dataclass(slots=True)
class Block:
    """Lines collected under one (collection date, sequence type), in the order planned.

    Their transactions, as the writer needs them, are spooled in chunks into ``dump``:
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

    def part(self, start: int, stop: int) -> Block:
        return Block(
            self.when, self.sequence, self.dump, self.lines[start:stop],
            self.mandates[start:stop], self.amounts[start:stop],
            self.presentations[start:stop], self.starts, self.offsets, self.start + start,
        )  # fmt: skip

    def segment(self) -> spool.Segment:
        """Where this part's transactions are in the dump."""
        if not self.starts:  # a dry run: no dump
            return spool.Segment("", 0, 0, len(self.lines))
        chunk = bisect_right(self.starts, self.start) - 1
        return spool.Segment(self.dump or "", self.offsets[chunk], self.start - self.starts[chunk],
                             len(self.lines))  # fmt: skip


class Planner:
    """Decides, line by line, skipped (with the reason) or collected (in which block), and
    spools each collected transaction for the writer (not in a dry run: ``dump_dir`` None).

    As soon as a block holds ``limit`` lines more, they make a full file: ``on_file`` gets
    that part at once, so that it can be written while the plan goes on."""

    def __init__(
        self,
        config: Config,
        created_on: date,
        dump_dir: Path | None,
        on_file: Callable[[list[Block], int], None],
    ):
        self.config = config
        self.created_on = created_on
        self.dump_dir = dump_dir
        self.limit = config.bank.max_transactions_per_file
        self.prefix = config.bank.message_prefix
        self.on_file = on_file
        self.blocks: dict[tuple[date, str], Block] = {}
        self.skipped: list[Skipped] = []
        self.collected = 0
        self.started: set[int] = set()  # mandates given their FRST / OOFF in this run
        #: mandate → what the file carries of it when it carries an amendment
        self.amendments: dict[int, CarriedAmendment] = {}
        self._dates: dict[date, tuple[date, date]] = {}
        self._spool = spool.Spool()
        self.run = uuid.uuid4().hex[:12]

    def _dates_for(self, due: date) -> tuple[date, date]:
        """(requested collection date, last presentation that voids a mandate on it)."""
        found = self._dates.get(due)
        if found is None:
            when = collection_date(due, self.created_on, self.config.bank.cutoff_business_days)
            found = self._dates[due] = (when, add_months(when, -self.config.mandate_void_months))
        return found

    def consider(self, row: Candidate) -> None:
        when, void_before = self._dates_for(row.due)
        mandate = row.mandate
        reason = problem(row, when, void_before, self.config.mandate_void_months)
        if reason is None and row.one_off and mandate in self.started:
            reason = ONE_OFF_USED
        if reason is not None:
            self.skipped.append(Skipped(row.line, row.code, reason))
            return
        sequence = sequence_type(
            one_off=row.one_off,
            first_used=(row.first_used and not row.new_bank) or mandate in self.started,
            bank_wants_frst=self.config.bank.want_frst,
        ).value
        if sequence != "RCUR":
            self.started.add(mandate)
        self._collect(row, when, sequence)

    def _collect(self, row: Candidate, when: date, sequence: str) -> None:
        block = self.blocks.get((when, sequence))
        if block is None:
            block = self.blocks[(when, sequence)] = self._new_block(when, sequence)
        presentation = row.presentations + 1
        block.lines.append(row.line)
        block.mandates.append(row.mandate)
        block.amounts.append(row.amount)
        block.presentations.append(presentation)
        self.collected += 1
        if row.amended:
            self.amendments[row.mandate] = CarriedAmendment(
                row.reference, row.iban, row.original_reference, row.original_iban,
                bool(row.new_bank),
            )  # fmt: skip
        if block.dump is not None:
            e2e = end_to_end_id(self.prefix, row.line, presentation)
            self._spool.add(block, spool.spooled(e2e, row))
        if len(block.lines) - block.cut == self.limit:
            self._spool.flush(block)
            self.on_file([block.part(block.cut, len(block.lines))], self.collected)
            block.cut = len(block.lines)

    def _new_block(self, when: date, sequence: str) -> Block:
        if self.dump_dir is None:
            return Block(when, sequence)
        name = f"{self.run}-{when:%Y%m%d}-{sequence}.rows"  # never another run's
        block = Block(when, sequence, str(self.dump_dir / name))
        self._spool.open(block)
        return block

    def finish(self) -> list[Block]:
        """What was not handed out as full files, by date then sequence type; dumps closed."""
        for key in sorted(self.blocks):
            self._spool.flush(self.blocks[key])
        self._spool.close()
        rest = []
        for key in sorted(self.blocks):
            block = self.blocks[key]
            if len(block.lines) > block.cut:
                rest.append(block.part(block.cut, len(block.lines)))
            self.blocks[key] = Block(block.when, block.sequence, block.dump)  # frees the arrays
        return rest

    def discard(self) -> None:
        self._spool.close()
        spool.discard([block.dump for block in self.blocks.values() if block.dump])


def split(blocks: list[Block], limit: int) -> list[list[Block]]:
    """Fill files with blocks in order; a block larger than the room left is cut."""
    files: list[list[Block]] = [[]]
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
