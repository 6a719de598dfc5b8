"""Making deleted rows unreadable in the database files, not only invisible to queries.

SQLite: every connection runs with ``secure_delete=ON`` (:mod:`fluide.storage.db`),
so deleted or overwritten content is zeroed in the pages; but in WAL mode the
older page images stay in the ``-wal`` file, and the main file keeps them
until a checkpoint. A ``wal_checkpoint(TRUNCATE)`` copies the zeroed pages
into the database file and empties the WAL.

PostgreSQL: a deleted row stays in its heap page (and its index entries in
the index pages) until the space is reused; a plain ``VACUUM`` marks the
space free but leaves the bytes when nothing moves over them (tested:
``tests/storage/test_erasure_files.py``). ``VACUUM FULL`` rewrites the table
and its indexes into new files and drops the old ones. It holds an exclusive
lock on the table while it runs: the lock is waited for at most
:data:`LOCK_TIMEOUT_MS`, and a table that could not be rewritten is marked
pending and rewritten by the worker's next round. Copies in the write-ahead
log (``pg_wal``, archives, replicas) and in backups remain until they are
recycled or expire: no database command reaches them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Final

from sqlalchemy import Engine, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from fluide.storage.models import Base
from fluide.storage.security_models import InstanceMeta

log = logging.getLogger("fluide")

PENDING_PREFIX: Final = "purge:"
"""``instance_meta`` keys ``purge:<table>``: a table whose purge is still to do."""
LOCK_TIMEOUT_MS: Final = 10_000
CHECKPOINT_TRIES: Final = 3
CHECKPOINT_WAIT_MS: Final = 1000


def purge_files(engine: Engine, tables: Sequence[str]) -> list[str]:
    """Remove the bytes of rows deleted from ``tables``; the tables still to purge."""
    known = [t for t in dict.fromkeys(tables) if t in Base.metadata.tables]
    if not known:
        return []
    if engine.dialect.name == "sqlite":
        return [] if _checkpoint(engine) else known
    return _vacuum_full(engine, known)


def _checkpoint(engine: Engine) -> bool:
    """``wal_checkpoint(TRUNCATE)``: True when it completed (no reader held it back)."""
    raw = engine.raw_connection()
    cur = raw.cursor()
    try:
        cur.execute("PRAGMA busy_timeout")
        row = cur.fetchone()
        usual = int(row[0]) if row else 0
        # A reader holding an old snapshot is waited for briefly, not for the usual 30 s.
        cur.execute(f"PRAGMA busy_timeout={CHECKPOINT_WAIT_MS}")
        try:
            for attempt in range(CHECKPOINT_TRIES):
                cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                row = cur.fetchone()
                if row is not None and not row[0]:  # (busy, frames in the log, frames copied)
                    return True
                time.sleep(0.1 * (attempt + 1))
        finally:
            cur.execute(f"PRAGMA busy_timeout={usual}")
    finally:
        cur.close()
        raw.close()
    log.warning("erasure: the WAL checkpoint was held back by a reader; retried later")
    return False


def _vacuum_full(engine: Engine, tables: Sequence[str]) -> list[str]:
    left = []
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f"SET lock_timeout = {LOCK_TIMEOUT_MS}")
        try:
            for table in tables:
                try:
                    # The name is one of our own tables (checked above), never input.
                    conn.exec_driver_sql(f'VACUUM (FULL) "{table}"')
                except DBAPIError as exc:
                    log.warning("erasure: VACUUM FULL %s not done (%s); retried later", table, exc)
                    left.append(table)
        finally:
            conn.exec_driver_sql("RESET lock_timeout")
    return left


def mark_pending(s: Session, tables: Sequence[str], now: datetime) -> None:
    """Remember tables whose purge could not be done now (the worker does it later)."""
    insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
    for table in dict.fromkeys(tables):
        stmt = insert(InstanceMeta).values(
            key=PENDING_PREFIX + table, value="pending", updated_at=now
        )
        s.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={"updated_at": now}))


def pending(s: Session) -> list[str]:
    rows = s.execute(
        select(InstanceMeta.key).where(InstanceMeta.key.startswith(PENDING_PREFIX))
    ).scalars()
    return sorted(str(k).removeprefix(PENDING_PREFIX) for k in rows)


def clear_pending(s: Session, tables: Sequence[str], started: datetime) -> None:
    """Forget pending purges done since ``started`` (a later mark stays)."""
    for table in tables:
        s.execute(
            delete(InstanceMeta).where(
                InstanceMeta.key == PENDING_PREFIX + table, InstanceMeta.updated_at < started
            )
        )
