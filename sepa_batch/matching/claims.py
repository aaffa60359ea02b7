"""The guards of a file's returns (``applied_returns``): a return is applied once.

Looked up by chunk, claimed in memory, written with the chunk. The table's primary key
(end-to-end id or batch/file key, kind) remains the backstop when two imports run at once.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from sepa_batch.db.bulk import insert_rows
from sepa_batch.db.schema import AppliedReturn
from sepa_batch.unpaid.cases import slices


class Claims:
    """The returns of one file claimed so far, and those applied before it."""

    def __init__(self, session: Session):
        self.session = session
        self.known: set[str] = set()  # keys looked up
        self.taken: set[tuple[str, str]] = set()
        self.new: list[dict] = []

    def look_up(self, keys: set[str]) -> None:
        for part in slices(sorted(keys - self.known)):
            rows = self.session.execute(
                select(AppliedReturn.end_to_end_id, AppliedReturn.kind).where(
                    AppliedReturn.end_to_end_id.in_(part)
                )
            )
            self.taken.update((row.end_to_end_id, row.kind) for row in rows)
            self.known.update(part)

    def claim(self, key: str, kind: str) -> bool:
        """Claim (key, kind) for good; False when it was applied before."""
        self.look_up({key})
        if (key, kind) in self.taken:
            return False
        self.taken.add((key, kind))
        self.new.append({"end_to_end_id": key, "kind": kind})
        return True

    def write(self) -> None:
        insert_rows(self.session, AppliedReturn.__table__, self.new)
        self.known.clear()
        self.taken.clear()
        self.new = []
