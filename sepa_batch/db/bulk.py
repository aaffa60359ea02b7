"""Set-based writes shared by the services: many rows changed by id in few statements."""

from __future__ import annotations

from sqlalchemy import bindparam, update
from sqlalchemy.orm import Session


def update_by_id(session: Session, model: type, rows: list[dict]) -> None:
    """``UPDATE ... WHERE id = :_id`` for each row (``_id`` plus the columns to set), one
    executemany per set of columns."""
    shapes: dict[tuple[str, ...], list[dict]] = {}
    for row in rows:
        shapes.setdefault(tuple(sorted(row)), []).append(row)
    table = model.__table__
    for params in shapes.values():
        session.execute(update(table).where(table.c.id == bindparam("_id")), params)
