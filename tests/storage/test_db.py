"""SQLite set-up: WAL, foreign keys, and write transactions that lock at BEGIN."""

from __future__ import annotations

import threading
import time
from pathlib import Path

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
