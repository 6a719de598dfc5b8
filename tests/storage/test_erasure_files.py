"""No byte left: an erased customer's e-mail, comment and event property, and a comment
past its retention, are found nowhere in the database's files afterwards.

SQLite: ``fluide.db``, ``-wal`` and ``-shm`` are read whole. PostgreSQL: every
file of the test database's directory (tables, TOAST, indexes) after a
``CHECKPOINT``; the WAL (``pg_wal``) keeps copies until recycled, as the
README says, and is not searched.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, update
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import Pool

from fluide.domain.taxonomy import normalize
from fluide.services import erasure
from fluide.services.retention import apply_retention
from fluide.services.workspaces import create_workspace
from fluide.settings import Settings, load_settings
from fluide.storage.db import make_engine, migrate, session_factory
from fluide.storage.models import Workspace
from tests.customers import customer, found
from tests.service.conftest import SECRET

T0 = datetime(2026, 3, 4, 9, 30, tzinfo=UTC)


@pytest.fixture
def sqlite_default_off() -> Iterator[None]:
    """Connections start with secure_delete OFF, as with SQLite's own default build
    (Debian's turns it on): Fluide must turn it on itself."""

    def off(dbapi_conn: Any, _record: Any) -> None:
        if isinstance(dbapi_conn, sqlite3.Connection):
            dbapi_conn.execute("PRAGMA secure_delete=OFF")

    event.listen(Pool, "connect", off)
    yield
    event.remove(Pool, "connect", off)


@pytest.fixture
def opened(
    database_url: str, tmp_path: Path, sqlite_default_off: None
) -> Iterator[tuple[Settings, sessionmaker[Session], Engine]]:
    settings = load_settings(
        database_url=database_url,
        secret_key=SECRET,
        data_dir=tmp_path,
        public_url="http://testserver",
    )
    engine = make_engine(settings.sqlalchemy_url)
    migrate(engine)
    yield settings, session_factory(engine), engine
    engine.dispose()


def flush_wal(engine: Engine) -> None:
    """Copy the WAL into the database file (its frames stay in the WAL too)."""
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")


def test_an_erased_customer_leaves_no_byte_in_the_database_files(
    opened: tuple[Settings, sessionmaker[Session], Engine],
) -> None:
    settings, f, engine = opened
    ws = create_workspace(f, "Boutique").id
    token = secrets.token_hex(5)
    email = f"zz{token}@example.org"
    comment = f"zzcomment{token} jamais arrive"
    prop = f"ZZPROP{token}"
    kept = f"zzkept{token}"
    user = f"u-{token}"
    customer(
        f, settings, ws, user=user, email=email, comment=comment, at=T0,
        properties={"order_ref": prop},
    )  # fmt: skip
    customer(f, settings, ws, user="u-other", comment=kept, at=T0)
    flush_wal(engine)
    before = found(engine, email, comment, prop, kept)
    assert {n for hits in before.values() for n in hits} == {email, comment, prop, kept}
    if engine.dialect.name == "sqlite":
        assert set(before) >= {"fluide.db", "fluide.db-wal"}

    done = erasure.erase_user(f, ws, user, erased_by="cli")

    assert done is not None and done.files_purged
    after = found(engine, email, comment, prop, normalize(comment), kept)
    assert {n for hits in after.values() for n in hits} == {kept}, after


def test_a_comment_past_its_retention_leaves_no_byte_in_the_database_files(
    opened: tuple[Settings, sessionmaker[Session], Engine],
) -> None:
    settings, f, engine = opened
    ws = create_workspace(f, "Boutique").id
    comment = f"zzold{secrets.token_hex(5)} trop long"
    fresh = f"zzfresh{secrets.token_hex(5)}"
    customer(f, settings, ws, comment=comment, at=T0)
    customer(f, settings, ws, comment=fresh, at=T0 + timedelta(days=25))
    with f() as s:
        s.execute(update(Workspace).where(Workspace.id == ws).values(comment_retention_days=30))
        s.commit()
    flush_wal(engine)
    assert found(engine, comment)

    run = apply_retention(f, ws, T0 + timedelta(days=31))

    assert (run.comments, run.files_purged) == (1, True)
    after = found(engine, comment, normalize(comment), fresh)
    assert {n for hits in after.values() for n in hits} == {fresh}, after


def test_plain_vacuum_leaves_deleted_bytes_in_postgresql_files_and_vacuum_full_does_not(
    opened: tuple[Settings, sessionmaker[Session], Engine],
) -> None:
    """Why the purge rewrites tables (VACUUM FULL) on PostgreSQL."""
    _, _, engine = opened
    if engine.dialect.name != "postgresql":
        assert engine.dialect.name == "sqlite"
        return
    secret = f"zzvacuum{secrets.token_hex(5)}"
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS zz_scratch")
        conn.exec_driver_sql("CREATE TABLE zz_scratch (id serial PRIMARY KEY, s text)")
        conn.exec_driver_sql(
            "INSERT INTO zz_scratch (s) SELECT 'filler ' || g FROM generate_series(1, 200) g"
        )
        conn.exec_driver_sql(f"INSERT INTO zz_scratch (s) VALUES ('{secret}')")
        conn.exec_driver_sql(f"DELETE FROM zz_scratch WHERE s = '{secret}'")
        conn.exec_driver_sql("VACUUM zz_scratch")
        assert found(engine, secret)
        conn.exec_driver_sql("VACUUM (FULL) zz_scratch")
        assert not found(engine, secret)
        conn.exec_driver_sql("DROP TABLE zz_scratch")
