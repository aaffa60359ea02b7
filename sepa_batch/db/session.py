"""Engine, unit of work and migrations.

``Database.transaction()`` is the unit of work: everything done inside it is committed
together or not at all. On SQLite a write transaction starts with ``BEGIN IMMEDIATE`` so that
two processes queue for the write lock instead of failing half-way; on PostgreSQL the jobs
take row locks (``lock_job``) to be single-flight.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, create_engine, event, inspect, select, text

if TYPE_CHECKING:  # the ORM and the schema are imported when a session is first opened: a
    # read-only command that reads through Core (``reading``) starts without them (issue 17)
    from sqlalchemy.orm import Session, sessionmaker

    from sepa_batch.db.schema import JobLock

#: How long an SQLite command waits for another process's write lock before giving up.
BUSY_TIMEOUT_SECONDS = 60


def _sqlite_setup(engine: Engine, begin: str) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - driver callback
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_SECONDS * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # pragma: no cover - driver callback
        conn.exec_driver_sql(begin)


class Database:
    """The engines are made when first used: a command that only reads opens one."""

    def __init__(self, url: str):
        self.url = url
        self.is_sqlite = url.startswith("sqlite")

    def _sqlite_engine(self, begin: str) -> Engine:
        engine = create_engine(
            self.url, connect_args={"timeout": BUSY_TIMEOUT_SECONDS}, hide_parameters=True
        )
        _sqlite_setup(engine, begin)
        return engine

    @cached_property
    def engine(self) -> Engine:
        if self.is_sqlite:
            return self._sqlite_engine("BEGIN IMMEDIATE")
        # an error never prints the values of a statement (IBANs, names)
        return create_engine(self.url, pool_pre_ping=True, hide_parameters=True)

    @cached_property
    def read_engine(self) -> Engine:
        if self.is_sqlite:
            # readers take no write lock: with WAL they see the last commit and block no one
            return self._sqlite_engine("BEGIN")
        return self.engine

    @cached_property
    def _sessions(self) -> sessionmaker:
        from sqlalchemy.orm import sessionmaker

        return sessionmaker(self.engine, expire_on_commit=False)

    @cached_property
    def _readers(self) -> sessionmaker:
        from sqlalchemy.orm import sessionmaker

        return sessionmaker(self.read_engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """All or nothing: commit on success, roll back on any exception."""
        with self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def reader(self) -> Iterator[Session]:
        """A session for reading: on SQLite it takes no write lock."""
        with self._readers() as session:
            yield session

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A Core connection for reading (no ORM), in one transaction; on SQLite it takes no
        write lock. For the read-only commands that must start fast (``sepa-batch ledger``)."""
        with self.read_engine.connect() as connection, connection.begin():
            yield connection

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite file, or None (another server, or an in-memory database)."""
        if not self.is_sqlite:
            return None
        path = self.engine.url.database
        return Path(path) if path and path != ":memory:" else None

    def stored_revision(self) -> str | None:
        """The migration the database is at, or None when it has no schema yet. Creates
        nothing: a missing SQLite file is not opened (opening would create it)."""
        path = self.sqlite_path
        if self.is_sqlite and path is not None and not path.is_file():
            return None
        with self.read_engine.connect() as connection:
            if not inspect(connection).has_table("alembic_version"):
                return None
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()

    # --- migrations -----------------------------------------------------------------
    def _alembic_config(self):
        from alembic.config import Config as AlembicConfig

        cfg = AlembicConfig()
        cfg.set_main_option("script_location", str(resources.files("sepa_batch") / "migrations"))
        return cfg

    def migrate(self) -> str:
        """Create or upgrade the schema to the newest migration; idempotent. Returns the head."""
        from alembic import command

        path = self.sqlite_path
        if path is not None:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            if not path.exists():  # personal data: readable by its owner only
                path.touch(mode=0o600)
        cfg = self._alembic_config()
        with self.engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "head")
        return self.current_revision() or ""

    def current_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def head_revision(self) -> str:
        from alembic.script import ScriptDirectory

        return ScriptDirectory.from_config(self._alembic_config()).get_current_head() or ""

    def dispose(self) -> None:
        for name in ("engine", "read_engine"):  # those made
            if name in self.__dict__:
                self.__dict__[name].dispose()


_REVISION = re.compile(r"""^(down_revision|revision)\s*(?::[^=]*)?=\s*(.+)$""", re.M)


def known_revisions() -> tuple[set[str], set[str]]:
    """Every migration's id, and the ids some migration follows, read from the files'
    ``revision``/``down_revision`` lines without importing Alembic (the start-up check of
    every command stays fast)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in (resources.files("sepa_batch") / "migrations" / "versions").iterdir():
        if not script.name.endswith(".py"):
            continue
        for key, value in _REVISION.findall(script.read_text(encoding="utf-8")):
            names = set(re.findall(r"""["']([^"']+)["']""", value))
            (revisions if key == "revision" else parents).update(names)
    return revisions, parents


def head_revision_id() -> str:
    """The newest migration (see ``known_revisions``)."""
    revisions, parents = known_revisions()
    heads = sorted(revisions - parents)
    return heads[-1] if heads else ""


def next_counter(session: Session, name: str) -> int:
    """The next value of a counter that is unique forever (row-locked until commit)."""
    from sepa_batch.db.schema import Counter

    row = session.execute(
        select(Counter).where(Counter.name == name).with_for_update()
    ).scalar_one_or_none()
    if row is None:
        row = Counter(name=name, value=0)
        session.add(row)
    row.value += 1
    session.flush()
    return row.value


def lock_job(session: Session, name: str) -> JobLock:
    """Hold the job's lock until the transaction ends: a second runner waits, then sees the work
    done. On SQLite the write transaction (BEGIN IMMEDIATE) already serialises writers."""
    from sepa_batch.db.schema import JobLock

    row = session.execute(
        select(JobLock).where(JobLock.name == name).with_for_update()
    ).scalar_one_or_none()
    if row is None:
        session.execute(
            text("INSERT INTO job_locks (name) VALUES (:name) ON CONFLICT DO NOTHING"),
            {"name": name},
        )
        row = session.execute(
            select(JobLock).where(JobLock.name == name).with_for_update()
        ).scalar_one()
    return row
