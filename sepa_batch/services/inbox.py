"""The returns inbox: bank files dropped in a folder, imported one by one (PRODUCT §5).

Each file is claimed by this process (an atomic rename into ``.processing/<host>-<pid>``), so
that two importers never apply the same file; a claim left by a process that stopped goes
back to the inbox. An applied file goes to the archive; a file that cannot be read safely, or
fails while applied, changes nothing and goes to ``failed/`` with a ``.error.txt`` beside it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import socket
from datetime import date
from pathlib import Path

from sepa_batch import notices
from sepa_batch.config import Config
from sepa_batch.db.session import Database
from sepa_batch.errors import SepaBatchError
from sepa_batch.matching.apply import FileOutcome, apply_file

log = logging.getLogger("sepa_batch.returns")


def _move(path: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    counter = 1
    while target.exists():
        target = folder / f"{path.stem}.{counter}{path.suffix}"
        counter += 1
    shutil.move(str(path), target)
    return target


#: Inbox files being imported, in one folder per process (``<host>-<pid>``).
PROCESSING = ".processing"


def _claim_folder(config: Config) -> Path:
    return config.folders.inbox / PROCESSING / f"{socket.gethostname()}-{os.getpid()}"


def _claim(path: Path, config: Config) -> Path | None:
    """Take an inbox file for this process: one atomic rename into its own folder. None when
    another process took it first (the rename finds no file)."""
    folder = _claim_folder(config)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    try:
        os.rename(path, target)
    except FileNotFoundError:
        return None
    return target


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _recover_claims(config: Config) -> None:
    """Files claimed by a process of this host that is gone go back to the inbox."""
    processing = config.folders.inbox / PROCESSING
    if not processing.is_dir():
        return
    host = socket.gethostname()
    for folder in processing.iterdir():
        name, _, pid = folder.name.rpartition("-")
        if name != host or not pid.isdigit() or int(pid) == os.getpid() or _alive(int(pid)):
            continue
        for path in folder.iterdir():
            try:
                os.rename(path, config.folders.inbox / path.name)
            except FileNotFoundError:  # another process recovered it first
                continue
            log.warning("returns: %s taken back from a stopped import", path.name)
        with contextlib.suppress(OSError):
            folder.rmdir()


def _failure(path: Path, exc: Exception) -> str:
    if isinstance(exc, SepaBatchError):
        return str(exc)
    log.error("returns: %s failed", path.name, exc_info=exc)
    return f"{path.name}: {type(exc).__name__}: {exc}"


def import_returns(
    db: Database, config: Config, paths: list[Path], today: date, *, move: bool = False
) -> list[FileOutcome]:
    """Import files one by one; with ``move`` (the inbox), each file is first claimed by this
    process (a file another process took is skipped), applied files go to the archive, and a
    file that fails — unreadable, refused, or any error while applying it — goes to ``failed/``
    with the reason beside it, and the next file is imported."""
    outcomes = []
    for path in paths:
        work = _claim(path, config) if move else path
        if work is None:
            continue
        try:
            outcome = apply_file(db, config, work, today)
        except Exception as exc:
            if not move and not isinstance(exc, SepaBatchError):
                raise
            outcome = FileOutcome(str(path), error=_failure(path, exc))
            if move:
                target = _move(work, config.folders.failed)
                target.with_name(target.name + ".error.txt").write_text(
                    f"{outcome.error}\n", encoding="utf-8"
                )
                outcome.moved_to = str(target)
        else:
            outcome.path = str(path)
            if move:
                outcome.moved_to = str(_move(work, config.folders.archive))
        outcomes.append(outcome)
    if move:
        with contextlib.suppress(OSError):
            _claim_folder(config).rmdir()
    notices.write_pending(db)
    return outcomes


def inbox_files(config: Config) -> list[Path]:
    inbox = config.folders.inbox
    if not inbox.is_dir():
        return []
    _recover_claims(config)
    return sorted(p for p in inbox.iterdir() if p.is_file() and not p.name.startswith("."))
