"""A purge held back by a reader (SQLite) or a lock (PostgreSQL) is left pending, never
waited for long, and done by the worker's next round (both databases)."""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from fluide.jobs import retention as job
from fluide.services import erasure
from fluide.services.workspaces import NewWorkspace
from fluide.settings import Settings
from fluide.storage import purge as purge_store
from tests.customers import customer, found

T0 = datetime(2026, 3, 4, 9, 30, tzinfo=UTC)


@pytest.fixture
def f(app: FastAPI) -> sessionmaker[Session]:
    sessions: sessionmaker[Session] = app.state.sessions
    return sessions


def reader(database_url: str) -> Any:
    """Another process's connection, inside a transaction that read the customers."""
    if database_url.startswith("sqlite"):
        conn: Any = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    else:
        conn = psycopg.connect(database_url)
    conn.execute("BEGIN") if database_url.startswith("sqlite") else None
    conn.execute("SELECT count(*) FROM end_users").fetchone()
    return conn


def pending(f: sessionmaker[Session]) -> list[str]:
    with f() as s:
        return purge_store.pending(s)


def test_a_purge_held_back_is_left_pending_and_done_at_the_next_round(
    f: sessionmaker[Session],
    settings: Settings,
    workspace: NewWorkspace,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(purge_store, "LOCK_TIMEOUT_MS", 300)
    email = "zz-lu-purge@example.org"
    customer(f, settings, workspace.id, user="u-lu", email=email, at=T0)
    held = reader(database_url)
    started = time.monotonic()
    try:
        done = erasure.erase_user(f, workspace.id, "u-lu", erased_by="cli")
    finally:
        held.close()
    assert time.monotonic() - started < 15
    assert done is not None and done.files_purged is False
    assert "end_users" in pending(f)
    assert job.run_due(f, T0) == 0  # no retention period: the round only purges
    assert pending(f) == []
    assert found(f.kw["bind"], email) == {}
