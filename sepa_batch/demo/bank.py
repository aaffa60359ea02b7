"""The demo's bank: the simulated bank answers every file the club writes, and its answers
wait until the day the bank would send them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import NamedTuple

from lxml import etree

from sepa_batch.bank.simulator import simulate


class Answer(NamedTuple):
    """One file of the bank's answer, and the day the bank sends it."""

    day: date
    name: str
    data: bytes


@dataclass(slots=True)
class DemoBank:
    """Holds the simulated bank's answers until the day the bank would send them."""

    inbox: Path
    seed: int
    pending: list[Answer] = field(default_factory=list)
    answered: set[str] = field(default_factory=set)

    def answer(self, outbox: Path) -> None:
        for path in sorted(outbox.glob("*.xml")):
            if path.name in self.answered:
                continue
            self.answered.add(path.name)
            reply = simulate(path.read_bytes(), reject_rate=0.04, return_rate=0.03, seed=self.seed)
            for suffix, data in (
                ("pain002", reply.pain002),
                ("camt054", reply.camt054),
                ("camt053", reply.camt053),
            ):
                if data:
                    self.pending.append(
                        Answer(_created_on(data), f"{path.stem}.{suffix}.xml", data)
                    )

    def deliver(self, day: date) -> int:
        due = [a for a in self.pending if a.day <= day]
        self.pending = [a for a in self.pending if a.day > day]
        for answer in due:
            (self.inbox / answer.name).write_bytes(answer.data)
        return len(due)


def _created_on(data: bytes) -> date:
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    stamp = root.xpath("//*[local-name()='GrpHdr']/*[local-name()='CreDtTm']/text()")[0]
    return datetime.fromisoformat(stamp[:19]).date()
