"""The daily retention run: from 03:00 in the workspace's time zone, once a day even with
two workers; the worker's round runs it (both databases)."""

from __future__ import annotations

import doctest
import threading
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from fluide.jobs import retention as job
from fluide.jobs.runner import InlineWorker
from fluide.services.workspaces import NewWorkspace
from fluide.settings import Settings
from fluide.storage.db import make_engine, session_factory
from fluide.storage.security_models import Erasure
from fluide.storage.types import utcnow
from tests.customers import customer, keep, rows_of

T0 = datetime(2026, 3, 4, 9, 30, tzinfo=UTC)


@pytest.fixture
def f(app: FastAPI) -> sessionmaker[Session]:
    sessions: sessionmaker[Session] = app.state.sessions
    return sessions


def erasures(f: sessionmaker[Session]) -> int:
    with f() as s:
        return int(s.execute(select(func.count()).select_from(Erasure)).scalar_one())


def test_the_retention_day_starts_at_three_in_the_morning_local() -> None:
    assert doctest.testmod(job).failed == 0


def test_retention_runs_once_a_day_from_three_in_the_morning_in_the_workspace_s_zone(
    f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    ws = workspace.id  # Europe/Paris: 03:00 is 01:00 UTC in April
    keep(f, settings, ws, personal_data_retention_days=30)
    customer(f, settings, ws, at=T0)
    first = datetime(2026, 4, 20, 0, 59, tzinfo=UTC)
    assert job.run_due(f, first) == 1  # never run yet: the round runs it
    assert erasures(f) == 1
    customer(f, settings, ws, at=T0)
    assert job.run_due(f, first) == 0
    assert job.run_due(f, first + timedelta(seconds=59)) == 0  # 02:59:59 in Paris
    assert erasures(f) == 1
    assert job.run_due(f, first + timedelta(minutes=1)) == 1  # 03:00 in Paris: a new day
    assert erasures(f) == 2
    assert job.run_due(f, first + timedelta(hours=22)) == 0


def test_two_workers_at_the_same_moment_run_it_once(
    f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    keep(f, settings, workspace.id, comment_retention_days=7)
    for _ in range(3):
        customer(f, settings, workspace.id, at=T0)
    other = session_factory(make_engine(settings.sqlalchemy_url))
    now = T0 + timedelta(days=30)
    ran: list[int] = []
    start = threading.Barrier(2)

    def worker(factory: sessionmaker[Session]) -> None:
        start.wait(timeout=10)
        ran.append(job.run_due(factory, now))

    threads = [threading.Thread(target=worker, args=(x,)) for x in (f, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(ran) == [0, 1]
    bind = other.kw["bind"]
    bind.dispose()


def test_the_worker_s_round_applies_the_day_s_retention(
    f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    silent = customer(f, settings, workspace.id, at=utcnow() - timedelta(days=10))
    keep(f, settings, workspace.id, personal_data_retention_days=5)
    InlineWorker(f, settings, {}).run_once()
    assert rows_of(f, workspace.id, silent.user) == {}
    assert erasures(f) == 1


def test_the_postgresql_worker_has_a_periodic_retention_job(settings: Settings) -> None:
    from fluide.jobs import queue

    app = queue.build_app(settings, session_factory(make_engine("sqlite://")), {})
    assert "fluide.retention" in app.tasks
    periodic = {p.periodic_id for p in app.periodic_registry.periodic_tasks.values()}
    assert "fluide-retention" in periodic
