"""Files the product writes: owner-only permissions, crash leftovers, spreadsheet-safe cells.

Every file the product writes holds personal data (names, IBANs, amounts), so the commands run
under a umask of 077: files are created 0600 and folders 0700 (``private_files``).

A crash can leave temporary files behind: the collection's spool rows (``outbox/.partial/
*.rows``, full IBANs), a notice or an export half written (``.*.tmp``, ``*.tmp``). The next job
to start removes them (``remove_leftovers``) unless they may still belong to a running process:
a name that carries a process id is a leftover once that process is gone, any other once it is
older than ``STALE_SECONDS``.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterable
from pathlib import Path

PRIVATE_UMASK = 0o077
STALE_SECONDS = 3600

#: ``.name.PID.tmp``: a notice being written by process PID
_PID = re.compile(r"^\.[^/]*\.(\d+)\.tmp$")


def private_files() -> int:
    """Files and folders created from now on by this process are its owner's only; returns the
    previous umask."""
    return os.umask(PRIVATE_UMASK)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def is_leftover(path: Path, now: float | None = None) -> bool:
    match = _PID.match(path.name)
    if match:
        return not _alive(int(match.group(1)))
    try:
        age = (now if now is not None else time.time()) - path.stat().st_mtime
    except FileNotFoundError:
        return False
    return age > STALE_SECONDS


def _candidates(folders) -> Iterable[Path]:
    outbox = Path(folders.outbox)
    yield from (outbox / ".partial").glob("*.rows")
    for folder in (Path(folders.notices), Path(folders.exports)):
        if folder.is_dir():
            yield from folder.rglob("*.tmp")


def remove_leftovers(folders, now: float | None = None) -> list[Path]:
    """Remove the temporary files a crashed job left (see the module docstring)."""
    removed = []
    for path in _candidates(folders):
        if path.is_file() and is_leftover(path, now):
            try:
                path.unlink()
            except FileNotFoundError:
                continue
            removed.append(path)
    return removed


#: A cell a spreadsheet would run as a formula (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")


def spreadsheet_cell(value):
    """Neutralise a text cell a spreadsheet would run as a formula by prefixing ``'``.

    A plain number (``-3.00``, ``+12``) stays as it is: it is read as a number, never run."""
    if not isinstance(value, str) or not value.startswith(_FORMULA_START):
        return value
    if _NUMBER.fullmatch(value):
        return value
    return "'" + value


def spreadsheet_row(row: Iterable) -> list:
    return [spreadsheet_cell(value) for value in row]
