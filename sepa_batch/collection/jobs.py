"""A file to write: its number, its header and blocks, where its transactions are spooled."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from sepa_batch.collection.plan import Block
from sepa_batch.collection.spool import Segment
from sepa_batch.config import Config
from sepa_batch.db.session import next_counter
from sepa_batch.sepa import pain008

PARTIAL = ".partial"


@dataclass(frozen=True, slots=True)
class FileJob:
    """Everything a writer needs to write and validate one file (picklable for a worker)."""

    message_id: str
    path: str
    partial: str
    version: str
    header: pain008.MessageHeader
    creditor: pain008.Party
    blocks: tuple[pain008.PaymentBlock, ...]
    segments: tuple[Segment, ...]  # per block
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


def number_file(
    session: Session, config: Config, blocks: list[Block], created_at: datetime, version: str
) -> FileJob:
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
    return FileJob(
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
