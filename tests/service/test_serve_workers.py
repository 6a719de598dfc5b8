"""Several server processes on one PostgreSQL: real `fluide serve` processes on loopback.

Two servers receiving events for the same users at once never invite one
twice; `fluide serve --workers 2` runs the tagging child and the delivery
loop once, in its parent, and on SIGTERM finishes what it acknowledged,
stops every process it started, and exits 0.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, func, select
from sqlalchemy.orm import Session

from fluide.services.workspaces import create_workspace
from fluide.storage.db import migrate, session_factory
from fluide.storage.models import Event, Invitation
from tests import served
from tests.service.conftest import SECRET

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")


@pytest.fixture
def pg(postgres_url: str) -> Iterator[Engine]:
    """The throw-away PostgreSQL, migrated and emptied (as the database_url fixture does)."""
    engine = create_engine(postgres_url.replace("postgresql://", "postgresql+psycopg://"))
    migrate(engine)
    yield engine
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "TRUNCATE " + ", ".join(f'"{t}"' for t in _tables(engine)) + " CASCADE"
        )
    engine.dispose()


def _tables(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            " AND tablename <> 'alembic_version'"
        )
        return [r[0] for r in rows]


def _acked_stored(engine: Engine, ids: list[str]) -> set[str]:
    with Session(engine) as s:
        return set(s.scalars(select(Event.external_id).where(Event.external_id.in_(ids))))


def test_two_server_processes_never_invite_a_user_twice(postgres_url: str, pg: Engine) -> None:
    key = create_workspace(session_factory(pg), "Boutique").api_key
    env = served.clean_env(FLUIDE_SECRET_KEY=SECRET, FLUIDE_DATABASE_URL=postgres_url)
    ports = [served.free_port(), served.free_port()]
    urls = [f"http://127.0.0.1:{p}" for p in ports]
    servers = [served.start(env, "--port", str(p)) for p in ports]
    try:
        for server, url in zip(servers, urls, strict=True):
            served.wait_healthy(server, url)
        served.payer(urls[0], key)
        # Eight threads, four on each server, all sending for the same 12 users.
        with served.Load(urls, key, threads=8, users=12) as load:
            load.wait_acked(160)
    finally:
        for server in servers:
            served.stop(server, grace=60)
    assert set(load.statuses) == {200}, load.summary()
    with Session(pg) as s:
        invitations = s.scalar(select(func.count()).select_from(Invitation))
        invited_users = s.scalar(select(func.count(func.distinct(Invitation.user_id))))
    assert invitations == invited_users == 12  # each user once, whichever server decided
    assert _acked_stored(pg, load.acked) == set(load.acked)


def test_sigterm_during_load_with_two_workers_loses_nothing_and_leaves_no_process(
    postgres_url: str, pg: Engine
) -> None:
    key = create_workspace(session_factory(pg), "Boutique").api_key
    env = served.clean_env(
        FLUIDE_SECRET_KEY=SECRET,
        FLUIDE_DATABASE_URL=postgres_url,
        FLUIDE_WORKER="inline",  # the delivery loop and the tagging child: in the parent only
        FLUIDE_METRICS="true",
    )
    port = served.free_port()
    url = f"http://127.0.0.1:{port}"
    server = served.start(env, "--workers", "2", "--port", str(port))
    kids: list[int] = []
    try:
        served.wait_healthy(server, url)
        served.payer(url, key)
        kids = served.children(server.pid)
        lines = [served.command_line(k) for k in kids]
        assert sum("--tagging-only" in c for c in lines) == 1, lines
        assert sum("multiprocessing.spawn" in c for c in lines) == 2, lines
        workers = [k for k, c in zip(kids, lines, strict=True) if "multiprocessing.spawn" in c]
        metrics_dir = Path(served.environment(workers[0])["PROMETHEUS_MULTIPROC_DIR"])
        assert metrics_dir.stat().st_mode & 0o777 == 0o700
        with served.Load([url], key, threads=6) as load:
            load.wait_acked(40)
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
        assert server.returncode == 0, served.messages(server)
    finally:
        served.stop(server)
        leftover = served.still_running(kids)
        served.end_all(kids)
    assert leftover == []
    assert set(load.statuses) <= {200, 503}, load.summary()
    assert _acked_stored(pg, load.acked) == set(load.acked)
    assert not metrics_dir.exists()  # the workers' metrics folder is removed at exit


def test_the_workers_stop_when_their_supervisor_is_killed(postgres_url: str, pg: Engine) -> None:
    env = served.clean_env(FLUIDE_SECRET_KEY=SECRET, FLUIDE_DATABASE_URL=postgres_url)
    port = served.free_port()
    server = served.start(env, "--workers", "2", "--port", str(port))
    kids: list[int] = []
    try:
        served.wait_healthy(server, f"http://127.0.0.1:{port}")
        kids = served.children(server.pid)
        assert sum("multiprocessing.spawn" in served.command_line(k) for k in kids) == 2
        server.kill()  # SIGKILL: no handler runs in the parent
        server.wait(timeout=30)
    finally:
        served.stop(server)
        leftover = served.still_running(kids, grace=20)
        served.end_all(kids)
    assert leftover == []  # not serving on alone, orphaned
