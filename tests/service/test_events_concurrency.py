"""Concurrent requests sharing users: no deadlock, no double invitation, every event once."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from fluide.api.schemas import EventIn, TouchpointIn
from fluide.services import touchpoints
from fluide.services.events import record_events
from fluide.services.workspaces import NewWorkspace, create_workspace
from fluide.settings import Settings
from fluide.storage.db import make_engine, migrate, session_factory
from fluide.storage.models import EndUser, Event, Invitation, Workspace
from fluide.storage.types import utcnow
from tests.service.conftest import event_body, touchpoint_body

TIMEOUT = 120  # seconds: a deadlock would hold the threads far longer


@pytest.fixture
def factories(settings: Settings) -> Iterator[list[sessionmaker[Session]]]:
    """Two engines on one database: what two server processes have."""
    engines = [make_engine(settings.sqlalchemy_url) for _ in range(2)]
    migrate(engines[0])
    yield [session_factory(e) for e in engines]
    for e in engines:
        e.dispose()


@pytest.fixture
def shop(factories: list[sessionmaker[Session]]) -> NewWorkspace:
    ws = create_workspace(factories[0], "Boutique")
    touchpoints.create(factories[0], ws.id, TouchpointIn.model_validate(touchpoint_body()))
    return ws


def workspace_row(factory: sessionmaker[Session], ws: str) -> Workspace:
    with factory() as s:
        return s.get_one(Workspace, ws)


def run_together(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Start the jobs at the same moment, each in its thread; their results, in order."""
    start = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def run(i: int) -> None:
        start.wait(TIMEOUT)
        try:
            results[i] = jobs[i]()
        except BaseException as exc:  # reported by the test, not lost in the thread
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
    assert not any(t.is_alive() for t in threads), "requests still waiting: a deadlock?"
    for r in results:
        if isinstance(r, BaseException):
            raise r
    return results


def count(factory: sessionmaker[Session], ws: str, model: type[Any]) -> int:
    with factory() as s:
        q = select(func.count()).select_from(model).where(model.workspace_id == ws)
        return int(s.execute(q).scalar_one())


def test_two_batches_sharing_users_in_opposite_orders_neither_deadlock_nor_double_invite(
    factories: list[sessionmaker[Session]], shop: NewWorkspace, settings: Settings
) -> None:
    now = utcnow()
    batches = [
        [
            EventIn.model_validate(event_body(f"{side}-{i}", user=f"u{i % 50:02d}", now=now))
            for i in range(200)
        ]
        for side in ("left", "right")
    ]
    batches[1].reverse()  # users in the opposite order: locking as they come would deadlock
    results = run_together(
        [
            lambda f=f, batch=batch: record_events(
                f, workspace_row(f, shop.id), batch, settings, now=now
            )
            for f, batch in zip(factories, batches, strict=True)
        ]
    )
    decisions = [d["decision"] for result in results for d in result]
    assert len(decisions) == 400 and decisions.count("invited") == 50
    assert set(decisions) == {"invited", "cooldown"}
    f = factories[0]
    assert count(f, shop.id, Event) == 400 and count(f, shop.id, EndUser) == 50
    with f() as s:
        per_user = s.execute(
            select(Invitation.user_id, func.count()).group_by(Invitation.user_id)
        ).all()
    assert len(per_user) == 50 and {n for _, n in per_user} == {1}


def test_many_single_events_for_one_user_make_one_invitation(
    factories: list[sessionmaker[Session]], shop: NewWorkspace, settings: Settings
) -> None:
    now = utcnow()

    def send(i: int) -> str:
        f = factories[i % 2]
        event = EventIn.model_validate(
            event_body(f"one-{i}", user="same", now=now, ago=timedelta(minutes=1))
        )
        return str(record_events(f, workspace_row(f, shop.id), [event], settings)[0]["decision"])

    with ThreadPoolExecutor(max_workers=12) as pool:
        decisions = list(pool.map(send, range(24), timeout=TIMEOUT))
    assert decisions.count("invited") == 1 and set(decisions) == {"invited", "cooldown"}
    assert count(factories[0], shop.id, Invitation) == 1
    assert count(factories[0], shop.id, Event) == 24


def test_the_same_batch_sent_twice_at_once_is_stored_once(
    factories: list[sessionmaker[Session]], shop: NewWorkspace, settings: Settings
) -> None:
    now = utcnow()
    batch = [
        EventIn.model_validate(event_body(f"same-{i}", user=f"u{i % 20}", now=now))
        for i in range(100)
    ]
    results = run_together(
        [
            lambda f=f: record_events(f, workspace_row(f, shop.id), batch, settings, now=now)
            for f in factories
        ]
    )
    firsts = [r for r in results if r[0]["decision"] != "duplicate"]
    assert len(firsts) == 1, "one request stores the batch, the other finds it stored"
    assert {d["decision"] for d in results[1 - results.index(firsts[0])]} == {"duplicate"}
    assert count(factories[0], shop.id, Event) == 100
    assert count(factories[0], shop.id, Invitation) == 20
