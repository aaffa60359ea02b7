"""The spool: each collected transaction, as the writer needs it, on disk for the writers.

The plan dumps the transactions of each block, in chunks of ``DUMP_CHUNK``, with ``marshal``
(which, unlike pickle, builds nothing but values: a tampered dump cannot run code) into
``outbox/.partial/<run>-<date>-<sequence>.rows``; a writer, in this process or another, reads
its file's share of a block back (a :class:`Segment`). The rows are plain tuples, built by
:func:`spooled` and read by :func:`debit` only.
"""

from __future__ import annotations

import marshal
import os
from collections.abc import Callable, Iterator
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, NamedTuple

from sepa_batch.collection.eligibility import NON_EEA_SEPA
from sepa_batch.sepa import pain008
from sepa_batch.sepa.charset import to_sepa_text

if TYPE_CHECKING:
    from sepa_batch.collection.candidates import Candidate
    from sepa_batch.collection.plan import Block

DUMP_CHUNK = 2_000  # transactions per chunk of a block's dump


class Segment(NamedTuple):
    """A file's share of a block in the dump: the chunk holding its first line begins at byte
    ``offset``, its first ``skip`` lines belong to an earlier file, then ``count`` lines."""

    dump: str
    offset: int
    skip: int
    count: int


@lru_cache(maxsize=4096)
def _remittance(label: str) -> str:
    """Labels repeat from line to line ("Cotisation 12/2026"): transliterated once each.
    The writer's own transliteration leaves a SEPA text as it is."""
    return to_sepa_text(label or "", 140)


def spooled(e2e: str, row: Candidate) -> tuple:
    """What the writer needs of one transaction: plain values, dates as ordinals (read back by
    :func:`debit`; the end-to-end id first, see :func:`end_to_end`)."""
    address = None
    if row.iban[:2] in NON_EEA_SEPA:
        address = (row.town, row.country, row.street, row.building_number, row.postcode)
    amendment = None
    if row.amended:
        # EPC: the original account is given only for a change within the same bank
        original_iban = None if row.new_bank else row.original_iban
        amendment = (row.original_reference, original_iban, bool(row.new_bank))
    return (e2e, row.amount, _remittance(row.label), row.reference, row.signed_on.toordinal(),
            row.iban, row.bic, row.name, address, amendment)  # fmt: skip


def end_to_end(spooled_row: tuple) -> str:
    return spooled_row[0]


def debit(spooled_row: tuple) -> pain008.DirectDebit:
    (e2e, amount, label, reference, signed_on, iban, bic, name, address,
     amendment) = spooled_row  # fmt: skip
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


class Spool:
    """The open dumps of a run's blocks, each with its rows not yet written."""

    def __init__(self) -> None:
        self._open: dict[str, tuple[BinaryIO, list]] = {}

    def open(self, block: Block) -> None:
        self._open[block.dump] = (open(block.dump, "wb"), [])  # noqa: SIM115

    def add(self, block: Block, row: tuple) -> None:
        buffer = self._open[block.dump][1]
        buffer.append(row)
        if len(buffer) == DUMP_CHUNK:
            self.flush(block)

    def flush(self, block: Block) -> None:
        """The lines buffered as one more chunk, on disk for the writers."""
        if block.dump is None:
            return
        out, buffer = self._open[block.dump]
        if buffer:
            block.starts.append(len(block.lines) - len(buffer))
            block.offsets.append(out.tell())
            marshal.dump(buffer, out)
            buffer.clear()
            out.flush()

    def close(self) -> None:
        for out, _ in self._open.values():
            out.close()
        self._open.clear()


def discard(dumps: list[str]) -> None:
    for dump in dumps:
        Path(dump).unlink(missing_ok=True)


def read(
    segment: Segment,
    parent_pid: int,
    progress: Callable[[int], None] | None,
    excluded: frozenset[str] = frozenset(),
) -> Iterator[pain008.DirectDebit]:
    """The transactions of one block (part) from its dump, but the ``excluded`` ones."""
    skip, count = segment.skip, segment.count
    with open(segment.dump, "rb") as source:
        source.seek(segment.offset)
        while count > 0:
            if os.getpid() != parent_pid and os.getppid() != parent_pid:
                raise SystemExit("the collection that started this writer is gone")
            chunk = marshal.load(source)[skip : skip + count]
            skip, count = 0, count - len(chunk)
            if excluded:
                chunk = [row for row in chunk if end_to_end(row) not in excluded]
            yield from map(debit, chunk)
            if progress:
                progress(len(chunk))
