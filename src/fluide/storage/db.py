"""Engine and sessions, and migrations applied at start.

SQLite runs in WAL mode (readers never wait for the writer), with a busy
timeout, and write transactions take the database lock at BEGIN (``BEGIN
IMMEDIATE``): two writers can then never both read "no invitation yet" and both
insert one. Within one process, SQLite writes also queue for their turn in
arrival order (:mod:`fluide.storage.write_lock`) rather than in SQLite's busy
handler. PostgreSQL serialises per user with ``SELECT … FOR UPDATE``.

Each process has its own pool (``FLUIDE_DB_POOL_SIZE``, ``FLUIDE_DB_MAX_OVERFLOW``,
``FLUIDE_DB_POOL_TIMEOUT``); a wait past the timeout, for a connection or for
the write turn, is an overload (:func:`is_overload`), not a crash.

The SQLite file and its ``-wal`` and ``-shm`` companions are readable by their
owner only (0600, in a 0700 folder when Fluide makes it): they hold e-mail
addresses, comments, and the workspaces' encrypted secrets.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from fluide.storage.write_lock import Overloaded, serialise_writes, turn

if TYPE_CHECKING:
    from alembic.config import Config

WRITE = "fluide_write"
FILE_MODE = 0o600
DIR_MODE = 0o700
SQLITE_COMPANIONS = ("", "-wal", "-shm", "-journal")


def make_engine(
    url: str,
    *,
    pool_size: int | None = None,
    max_overflow: int | None = None,
    pool_timeout: float | None = None,
) -> Engine:
    """An engine for ``url`` (``sqlite:///…`` or ``postgresql+psycopg://…``).

    Pool settings left out keep the defaults (SQLite 5 + 10, PostgreSQL 10 + 20,
    30 s); on SQLite, ``pool_timeout`` also bounds the wait for the write turn.
    """
    pool: dict[str, Any] = {
        k: v
        for k, v in (
            ("pool_size", pool_size),
            ("max_overflow", max_overflow),
            ("pool_timeout", pool_timeout),
        )
        if v is not None
    }
    if url.startswith("sqlite"):
        path = make_url(url).database
        on_file = bool(path) and path != ":memory:" and not str(path).startswith("file:")
        if on_file:
            owner_only(Path(str(path)))
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            **(pool if on_file else {}),  # in memory: one connection, no pool to size
        )
        _sqlite_pragmas(engine)
        serialise_writes(engine, 30.0 if pool_timeout is None else pool_timeout)
        return engine
    # LIFO: the connections in use stay the same few, whose prepared statements are warm.
    options = {"pool_size": 10, "max_overflow": 20, **pool}
    return create_engine(url, pool_pre_ping=True, pool_use_lifo=True, **options)


def owner_only(db: Path) -> None:
    """Make the database file 0600 before SQLite opens it, and its existing companions.

    SQLite gives the ``-wal`` and ``-shm`` files it creates the database file's
    mode, so a 0600 file is enough for new ones; files left by an earlier
    version are narrowed here, at every start. An existing folder is left as
    it is (it may be shared); one made here is 0700.
    """
    if not db.parent.exists():
        db.parent.mkdir(parents=True, mode=DIR_MODE, exist_ok=True)
    os.close(os.open(db, os.O_CREAT | os.O_RDWR, FILE_MODE))
    for suffix in SQLITE_COMPANIONS:
        companion = db.with_name(db.name + suffix)
        if companion.exists() and companion.stat().st_mode & 0o777 != FILE_MODE:
            companion.chmod(FILE_MODE)


def _sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy (not pysqlite) decide when transactions begin.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        for pragma in (
            "journal_mode=WAL",
            "busy_timeout=30000",
            "foreign_keys=ON",
            "synchronous=NORMAL",
            # Deleted content is zeroed, not left in free pages (erasure, retention).
            "secure_delete=ON",
        ):
            cur.execute(f"PRAGMA {pragma}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql(
            "BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE) else "BEGIN"
        )


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def write_session(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose transaction is a write from its first statement; commits on success.

    On SQLite it first waits for the engine's write turn (no connection held
    meanwhile); :class:`Overloaded` past ``pool_timeout``.
    """
    bind = factory.kw.get("bind")
    with turn(bind if isinstance(bind, Engine) else None), factory() as session:
        session.connection(execution_options={WRITE: True})
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


OVERLOAD_SQLSTATES = frozenset({"53300", "57P03"})
"""PostgreSQL: too many connections; cannot connect now (starting or stopping)."""


def is_overload(exc: BaseException) -> bool:
    """Whether ``exc`` says the database is saturated rather than broken.

    A wait for a pool connection or the write turn past its timeout, SQLite's
    "database is locked" (another process held the write lock past the busy
    timeout), or PostgreSQL out of connection slots.
    """
    if isinstance(exc, PoolTimeout | Overloaded):
        return True
    if not isinstance(exc, OperationalError):
        return False
    orig = exc.orig
    if getattr(orig, "sqlstate", None) in OVERLOAD_SQLSTATES:
        return True
    text = str(orig).lower()
    return "database is locked" in text or "database table is locked" in text


def compact(factory: sessionmaker[Session]) -> None:
    """On SQLite, rebuild the file (VACUUM) and empty the write-ahead log.

    After a rewrite of secrets: the values overwritten leave no trace in the
    file's free space nor in old log frames. A reader still open elsewhere may
    keep some log frames until the next checkpoint. (PostgreSQL drops old row
    versions at its own VACUUM.)
    """
    with factory() as s:
        bind = s.get_bind()
    if not isinstance(bind, Engine) or bind.dialect.name != "sqlite":
        return
    with bind.connect() as conn:
        # The raw connection: no BEGIN (neither runs inside a transaction).
        raw: Any = conn.connection.driver_connection
        raw.execute("VACUUM")
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")


MIGRATION_LOCK = 0x466C7569646531
"""PostgreSQL advisory lock key ("Fluide1") held while migrating."""


def _alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "fluide.storage:migrations")
    return config


@functools.cache
def _head_revisions() -> frozenset[str]:
    """The newest migrations' revisions, read from the scripts once per process."""
    from alembic.script import ScriptDirectory

    return frozenset(ScriptDirectory.from_config(_alembic_config()).get_heads())


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (safe to run at every start).

    On PostgreSQL, servers starting at once on several machines take turns
    (an advisory lock held until the migration's transaction ends): the first
    migrates, the next find the schema current.
    """
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import text

    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        # A current schema (most starts) needs no Alembic run: loading and chaining
        # the migration scripts alone costs more than the rest of a start.
        if set(MigrationContext.configure(conn).get_current_heads()) == _head_revisions():
            return
        config = _alembic_config()
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
