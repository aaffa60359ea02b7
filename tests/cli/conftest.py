"""What the failure tests share: a snapshot of the database and of the folders, to show that a
refused command changed nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

#: written on purpose by a failing command: the log (where the traceback goes), and SQLite's
#: own companions of an opened database
_IGNORED = ("logs", "-wal", "-shm")


def _files(root: Path) -> dict[str, object]:
    tree = {}
    for path in sorted(root.rglob("*")):
        name = str(path.relative_to(root))
        if any(part in name for part in _IGNORED):
            continue
        if path.is_dir():
            tree[name] = "folder"
        elif path.suffix == ".db":
            tree[name] = "database"  # compared by its rows below
        else:
            tree[name] = path.read_bytes()
    return tree


def _rows(url: str | None) -> dict[str, list]:
    if url is None:
        return {}
    if url.startswith("sqlite:///") and not Path(url.split("///", 1)[1]).exists():
        return {}
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            tables = sorted(inspect(connection).get_table_names())
            return {
                table: sorted(map(repr, connection.execute(text(f"SELECT * FROM {table}")).all()))
                for table in tables
            }
    finally:
        engine.dispose()


class Snapshot:
    """The folders under ``root`` and every row of the database at ``url``."""

    def __init__(self, root: Path, url: str | None):
        self.root, self.url = root, url
        self.files = _files(root)
        self.rows = _rows(url)

    def assert_unchanged(self) -> None:
        after = Snapshot(self.root, self.url)
        assert sorted(after.files) == sorted(self.files), "files or folders were created/removed"
        assert after.files == self.files, "a file was changed"
        assert after.rows == self.rows, "the database was changed"


@pytest.fixture
def snapshot():
    return Snapshot
