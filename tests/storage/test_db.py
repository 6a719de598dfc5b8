"""SQLite set-up: WAL, foreign keys, and write transactions that lock at BEGIN."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from fluide.storage.db import make_engine, migrate, session_factory, write_session


def test_sqlite_runs_in_wal_with_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'a' / 'f.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_migrations_are_idempotent(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'f.db'}")
    migrate(engine)
    migrate(engine)
    with engine.connect() as conn:
        current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", "fluide.storage:migrations")
    assert current == ScriptDirectory.from_config(config).get_current_head()


def test_second_writer_waits_for_the_first_to_commit(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'f.db'}")
    factory = session_factory(engine)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE c (n INTEGER)"))
        conn.execute(text("INSERT INTO c VALUES (0)"))
    order: list[str] = []

    def writer(name: str, hold: float) -> None:
        with write_session(factory) as s:
            n = s.execute(text("SELECT n FROM c")).scalar_one()
            order.append(f"{name} read {n}")
            time.sleep(hold)
            s.execute(text("UPDATE c SET n = :n"), {"n": n + 1})

    first = threading.Thread(target=writer, args=("first", 0.3))
    first.start()
    time.sleep(0.1)
    writer("second", 0)
    first.join()
    # Read-modify-write is safe: the second read the first's committed value.
    assert order == ["first read 0", "second read 1"]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT n FROM c")).scalar() == 2


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The common 022: files would be world-readable unless Fluide narrows them."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


@pytest.mark.usefixtures("usual_umask")
def test_the_sqlite_file_and_its_journal_are_readable_by_their_owner_only(
    tmp_path: Path,
) -> None:
    db = tmp_path / "data" / "fluide.db"
    engine = make_engine(f"sqlite:///{db}")
    with engine.begin() as conn:  # the connection stays in the pool: -wal and -shm stay
        conn.execute(text("CREATE TABLE t (secret TEXT)"))
        conn.execute(text("INSERT INTO t VALUES ('x')"))
    files = [db, db.with_name("fluide.db-wal"), db.with_name("fluide.db-shm")]
    assert all(f.exists() for f in files)
    assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
    assert mode(db.parent) == 0o700
    engine.dispose()


@pytest.mark.usefixtures("usual_umask")
def test_files_left_readable_by_others_are_narrowed_at_start(tmp_path: Path) -> None:
    import sqlite3

    folder = mode(tmp_path)
    db = tmp_path / "fluide.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE t (n INTEGER)")
    conn.close()
    companions = [db.with_name("fluide.db-wal"), db.with_name("fluide.db-shm")]
    for f in companions:
        f.touch()
    for f in (db, *companions):
        os.chmod(f, 0o644)
    engine = make_engine(f"sqlite:///{db}")
    assert [mode(f) for f in (db, *companions)] == [0o600] * 3
    assert mode(tmp_path) == folder  # an existing folder may be shared: it is kept
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 0
    engine.dispose()
