"""Engine, unit of work and migrations.

``Database.transaction()`` is the unit of work: everything done inside it is committed
together or not at all. On SQLite a write transaction starts with ``BEGIN IMMEDIATE`` so that
two processes queue for the write lock instead of failing half-way; on PostgreSQL the jobs
take row locks (``lock_job``) to be single-flight.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, select, text
from sqlalchemy.orm import Session, sessionmaker

from sepa_batch.db.schema import Counter, JobLock


def _sqlite_setup(engine: Engine, begin: str) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - driver callback
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # pragma: no cover - driver callback
        conn.exec_driver_sql(begin)


class Database:
    def __init__(self, url: str):
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            path = url.split("///", 1)[-1]
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            self.engine = create_engine(url, connect_args={"timeout": 60}, hide_parameters=True)
            _sqlite_setup(self.engine, "BEGIN IMMEDIATE")
            # readers take no write lock: with WAL they see the last commit and block no one
            self.read_engine = create_engine(
                url, connect_args={"timeout": 60}, hide_parameters=True
            )
            _sqlite_setup(self.read_engine, "BEGIN")
        else:
            # an error never prints the values of a statement (IBANs, names)
            self.engine = create_engine(url, pool_pre_ping=True, hide_parameters=True)
            self.read_engine = self.engine
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._readers = sessionmaker(self.read_engine, expire_on_commit=False)

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

    # --- migrations -----------------------------------------------------------------
    def _alembic_config(self) -> AlembicConfig:
        cfg = AlembicConfig()
        cfg.set_main_option("script_location", str(resources.files("sepa_batch") / "migrations"))
        return cfg

    def migrate(self) -> str:
        """Create or upgrade the schema to the newest migration; idempotent. Returns the head."""
        cfg = self._alembic_config()
        with self.engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "head")
        return self.current_revision() or ""

    def current_revision(self) -> str | None:
        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def head_revision(self) -> str:
        return ScriptDirectory.from_config(self._alembic_config()).get_current_head() or ""

    def dispose(self) -> None:
        self.engine.dispose()
        self.read_engine.dispose()


def next_counter(session: Session, name: str) -> int:
    """The next value of a counter that is unique forever (row-locked until commit)."""
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
