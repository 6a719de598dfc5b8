"""Service tests run on SQLite and on a real, throw-away PostgreSQL."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text

from fluide.api.app import create_app
from fluide.services.workspaces import NewWorkspace, create_workspace
from fluide.settings import Settings, load_settings
from fluide.storage.db import make_engine, migrate
from tests.pg import TempPostgres

SECRET = "test-secret-" + "x" * 40


class _OneServer:
    """This process's PostgreSQL server, however many fixture definitions ask for it.

    ``tests/conftest.py`` imports this module's fixtures, so pytest holds two
    definitions of each (one for ``tests/service``, one for the other folders):
    a worker running files of both started two servers and migrated two templates.
    """

    def __init__(self) -> None:
        self.server: TempPostgres | None = None
        self.url = ""
        self.users = 0

    @contextmanager
    def use(self) -> Iterator[str]:
        if self.server is None:
            server = TempPostgres()
            try:
                self.url = server.start()
            except BaseException:
                server.stop()
                raise
            self.server = server
        self.users += 1
        try:
            yield self.url
        finally:
            self.users -= 1
            if self.users == 0 and self.server is not None:
                server, self.server = self.server, None
                server.stop()


_postgres = _OneServer()
_templates: dict[str, Path] = {}


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    if os.environ.get("FLUIDE_TEST_SKIP_PG") == "1":
        pytest.skip("FLUIDE_TEST_SKIP_PG=1: PostgreSQL runs skipped on purpose")
    with _postgres.use() as url:
        yield url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated to the newest schema, once per test process.

    Migrating takes about half a second; copying the file takes a millisecond,
    and a test starts from exactly the schema a fresh start would build (the app
    still runs the migrations, and finds nothing to do).
    """
    if "sqlite" in _templates:  # made for the other definition of this fixture
        return _templates["sqlite"]
    path = tmp_path_factory.mktemp("sqlite-template") / "fluide.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()  # the last connection closed: the write-ahead log is folded in
    for companion in (path.with_name("fluide.db-wal"), path.with_name("fluide.db-shm")):
        assert not companion.exists(), f"{companion} left after closing the template"
    _templates["sqlite"] = path
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        target = tmp_path / "fluide.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        yield f"sqlite:///{target}"
        return
    url: str = request.getfixturevalue("postgres_url")
    cleaner: Engine = request.getfixturevalue("postgres_cleaner")
    yield url
    # Each test starts from empty tables; the schema stays (migrated once).
    with cleaner.begin() as conn:
        tables = [
            r[0]
            for r in conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            )
        ]
        tables = [t for t in tables if t != "alembic_version"]
        if tables:
            # DELETE, foreign keys and triggers off for this transaction: a test leaves
            # a few rows, and TRUNCATE's new files for 30-odd tables took 0.15 s a test.
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text("; ".join(f'DELETE FROM "{t}"' for t in tables)))


@pytest.fixture(scope="session")
def postgres_cleaner(postgres_url: str) -> Iterator[Engine]:
    """The engine that empties the tables after each PostgreSQL test, kept for the session:
    a new engine's first connection (and SQLAlchemy's dialect set-up) cost more than the
    DELETE."""
    engine = create_engine(postgres_url.replace("postgresql://", "postgresql+psycopg://"))
    yield engine
    engine.dispose()


@contextmanager
def own_postgres_database(postgres_url: str, name: str) -> Iterator[str]:
    """A database of its own on the test server, dropped afterwards.

    For a module that fills a database once and reads it in several tests: the
    tables of ``database_url``'s database are emptied after every test.
    """
    server = postgres_url.replace("postgresql://", "postgresql+psycopg://").rsplit("/", 1)[0]
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{postgres_url.rsplit('/', 1)[0]}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return load_settings(
        database_url=database_url,
        secret_key=SECRET,
        data_dir=tmp_path,
        public_url="http://testserver",
    )


@pytest.fixture
def app(settings: Settings) -> Iterator[FastAPI]:
    application = create_app(settings)
    yield application
    application.state.engine.dispose()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def workspace(app: FastAPI) -> NewWorkspace:
    return create_workspace(app.state.sessions, "Boutique")


@pytest.fixture
def auth(workspace: NewWorkspace) -> dict[str, str]:
    return {"Authorization": f"Bearer {workspace.api_key}"}


def touchpoint_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "key": "payer",
        "task": "payer",
        "question": {"fr": "J'ai pu payer facilement", "en": "I could pay easily"},
        "scale": "1-7",
        "polarity": "ease",
        "comment_prompt": {"fr": "Qu'est-ce qui aurait pu être plus simple ?"},
        "triggers": [
            {"event": "payment_succeeded"},
            {"event": "payment_failed", "outcome": "failure"},
        ],
        "channels": ["in_app", "email", "chat", "link"],
        "sampling": 1.0,
        "cooldown_days": 14,
        "expires_after_hours": 24,
    }
    body.update(overrides)
    return body


def event_body(
    event_id: str = "evt-1",
    user: str = "u-42",
    type_: str = "payment_succeeded",
    *,
    ago: timedelta = timedelta(minutes=2),
    now: datetime | None = None,
    **extra: Any,
) -> dict[str, Any]:
    moment = (now or datetime.now(UTC)) - ago
    body: dict[str, Any] = {
        "id": event_id,
        "type": type_,
        "occurred_at": moment.isoformat(),
        "user": {
            "id": user,
            "email": f"{user}@example.com",
            "locale": "fr",
            "attributes": {"customer_since": "2025-03-01", "plan": "pro"},
        },
    }
    body.update(extra)
    return body


class LiveServer:
    """The app served by uvicorn on 127.0.0.1 in a thread (real HTTP, real concurrency)."""

    def __init__(self, app: FastAPI) -> None:
        import uvicorn

        self.config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", workers=1)
        self.server = uvicorn.Server(self.config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def live_url(app: FastAPI) -> Iterator[str]:
    with LiveServer(app) as url:
        yield url
