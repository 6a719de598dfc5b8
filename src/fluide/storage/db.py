"""Engine and sessions, and migrations applied at start.

SQLite runs in WAL mode (readers never wait for the writer), with a busy
timeout, and write transactions take the database lock at BEGIN (``BEGIN
IMMEDIATE``): two writers can then never both read "no invitation yet" and both
insert one. PostgreSQL serialises per user with ``SELECT … FOR UPDATE``.

The SQLite file and its ``-wal`` and ``-shm`` companions are readable by their
owner only (0600, in a 0700 folder when Fluide makes it): they hold e-mail
addresses, comments, and the workspaces' encrypted secrets.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

WRITE = "fluide_write"
FILE_MODE = 0o600
DIR_MODE = 0o700
SQLITE_COMPANIONS = ("", "-wal", "-shm", "-journal")


def make_engine(url: str) -> Engine:
    """An engine for ``url`` (``sqlite:///…`` or ``postgresql+psycopg://…``)."""
    if url.startswith("sqlite"):
        path = make_url(url).database
        if path and path != ":memory:" and not path.startswith("file:"):
            owner_only(Path(path))
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        _sqlite_pragmas(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


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
    """A session whose transaction is a write from its first statement; commits on success."""
    with factory() as session:
        session.connection(execution_options={WRITE: True})
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


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


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (safe to run at every start)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "fluide.storage:migrations")
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
