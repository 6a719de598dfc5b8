"""Back-pressure: a saturated server answers 503 with Retry-After in bounded time, never 500.

Real servers on loopback (uvicorn in a thread) with small limits set through
the settings; the database is made slow on purpose by holding its write lock
(SQLite: the engine's write turn; PostgreSQL: a table lock), so saturation is
certain rather than hoped for.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select
from sqlalchemy.exc import OperationalError

from fluide.api.admission import Line
from fluide.api.app import create_app
from fluide.services.workspaces import create_workspace
from fluide.settings import load_settings
from fluide.storage.db import write_session
from fluide.storage.models import Event
from tests import served
from tests.service.conftest import SECRET, LiveServer, event_body, touchpoint_body
from tests.web.conftest import log_in, make_account


@contextmanager
def app_with(database_url: str, tmp_path: Path, **overrides: Any) -> Iterator[FastAPI]:
    settings = load_settings(
        database_url=database_url,
        secret_key=SECRET,
        data_dir=tmp_path,
        public_url="http://testserver",
        **overrides,
    )
    application = create_app(settings)
    try:
        yield application
    finally:
        application.state.engine.dispose()


def auth_for(app: FastAPI) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_workspace(app.state.sessions, 'Boutique').api_key}"}


def stored(app: FastAPI, ids: list[str]) -> set[str]:
    with app.state.sessions() as s:
        return set(s.scalars(select(Event.external_id).where(Event.external_id.in_(ids))))


def test_authentication_gives_its_connection_back_before_the_route_writes(
    database_url: str, tmp_path: Path
) -> None:
    # One connection in the pool: the key lookup and the write transaction take it in turn.
    limits = {"db_pool_size": 1, "db_max_overflow": 0, "db_pool_timeout": 1.0}
    with app_with(database_url, tmp_path, **limits) as app, TestClient(app) as client:
        auth = auth_for(app)
        assert client.post("/v1/touchpoints", headers=auth, json=touchpoint_body()).is_success
        r = client.post("/v1/events", headers=auth, json=event_body("e-1"))
        assert r.status_code == 200, r.text
        assert r.json()["decision"] == "invited"


def test_a_request_that_cannot_get_a_connection_in_time_gets_a_503_with_retry_after(
    database_url: str, tmp_path: Path
) -> None:
    limits = {"db_pool_size": 1, "db_max_overflow": 0, "db_pool_timeout": 0.3}
    with app_with(database_url, tmp_path, **limits) as app, TestClient(app) as client:
        auth = auth_for(app)
        with app.state.engine.connect():  # the pool's only connection, held
            started = time.monotonic()
            r = client.get("/v1/touchpoints", headers={**auth, "Accept-Language": "en"})
            assert time.monotonic() - started < 5
            fr = client.get("/v1/touchpoints", headers=auth)
        assert r.status_code == 503 and r.headers["retry-after"] == "1"
        assert r.json()["error"] == {
            "code": "overloaded",
            "message": "The server is busy: try again in 1 s.",
            "details": {"retry_after": 1},
        }
        assert fr.status_code == 503
        assert fr.json()["error"]["message"] == "Le serveur est surchargé : réessayez dans 1 s."
        assert client.get("/v1/touchpoints", headers=auth).status_code == 200  # once released


def test_the_dashboard_gets_its_503_as_a_page(database_url: str, tmp_path: Path) -> None:
    limits = {"db_pool_size": 1, "db_max_overflow": 0, "db_pool_timeout": 0.3}
    with app_with(database_url, tmp_path, **limits) as app:
        ws = create_workspace(app.state.sessions, "Boutique")
        _, email = make_account(app, ws.id, "analyst")
        with log_in(app, email) as client, app.state.engine.connect():
            r = client.get("/app", headers={"Accept-Language": "en"})
        assert r.status_code == 503 and r.headers["retry-after"] == "1"
        assert r.headers["content-type"].startswith("text/html")
        # The account could not be read: the page follows the browser's language.
        assert "The server is busy: try again in 1 s." in r.text


def test_a_locked_database_is_a_503_and_other_database_errors_stay_500(tmp_path: Path) -> None:
    with app_with(f"sqlite:///{tmp_path / 'fluide.db'}", tmp_path) as app:

        @app.get("/test/locked")
        def locked() -> None:
            raise OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked"))

        @app.get("/test/broken")
        def broken() -> None:
            raise OperationalError("INSERT", {}, sqlite3.OperationalError("disk I/O error"))

        with TestClient(app, raise_server_exceptions=False) as client:
            r = client.get("/test/locked")
            assert r.status_code == 503 and r.headers["retry-after"] == "1"
            assert r.json()["error"]["code"] == "overloaded"
            r = client.get("/test/broken")
            assert r.status_code == 500 and r.json()["error"]["code"] == "internal"


@contextmanager
def pg_events_locked(database_url: str) -> Iterator[None]:
    """PostgreSQL: no row can be added to ``events`` until the block ends (reads still can)."""
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("LOCK TABLE events IN EXCLUSIVE MODE")
            yield
    finally:
        engine.dispose()


def slow_database(app: FastAPI, database_url: str) -> AbstractContextManager[Any]:
    if database_url.startswith("sqlite"):
        return write_session(app.state.sessions)  # holds this engine's write turn
    return pg_events_locked(database_url)


def test_a_saturated_server_answers_503_with_retry_after_never_500_and_loses_nothing(
    database_url: str, tmp_path: Path
) -> None:
    limits = {"max_concurrent_requests": 2, "queue_timeout": 0.3, "db_pool_timeout": 1.0}
    with app_with(database_url, tmp_path, **limits) as app, LiveServer(app) as url:
        auth = auth_for(app)
        assert httpx.post(url + "/v1/touchpoints", headers=auth, json=touchpoint_body()).is_success
        answers: list[tuple[str, httpx.Response, float]] = []

        def send(i: int) -> None:
            started = time.monotonic()
            r = httpx.post(url + "/v1/events", headers=auth, json=event_body(f"b-{i}"), timeout=30)
            answers.append((f"b-{i}", r, time.monotonic() - started))

        senders = [threading.Thread(target=send, args=(i,)) for i in range(10)]
        with slow_database(app, database_url):
            for t in senders:
                t.start()
            time.sleep(0.5)
            probe = httpx.get(url + "/healthz", timeout=5)  # probes never wait in line
            time.sleep(1.0)
        for t in senders:
            t.join(30)
        assert probe.status_code == 200
        statuses = sorted(r.status_code for _, r, _ in answers)
        assert len(statuses) == 10 and set(statuses) <= {200, 503}, statuses
        assert statuses.count(503) >= 8  # two places; nobody else got in while it was slow
        for _, r, took in answers:
            assert took < 6  # bounded: a wait in line, then at most a wait for the database
            if r.status_code == 503:
                assert r.headers["retry-after"] == "1"
                assert r.json()["error"]["code"] == "overloaded"
        acked = [i for i, r, _ in answers if r.is_success]

        # Then a burst with the database free: the line overflows, the server keeps up.
        with served.Load([url], auth["Authorization"].split()[1], threads=12) as load:
            load.wait_acked(40)
        assert set(load.statuses) <= {200, 503} and load.retry_after_missing == 0
        acked += load.acked
        assert stored(app, acked) == set(acked)


def test_the_line_gives_freed_places_in_arrival_order_and_gives_up_in_time() -> None:
    async def scenario() -> tuple[list[str], bool, int]:
        line = Line(1)
        order: list[str] = []
        assert await line.enter(0.1)  # the only place

        async def wait(name: str, seconds: float) -> None:
            if await line.enter(seconds):
                order.append(name)
                await asyncio.sleep(0.01)
                line.leave()

        waiters = [asyncio.create_task(wait(n, 5)) for n in ("first", "second", "third")]
        await asyncio.sleep(0.05)
        too_late = await line.enter(0.05)  # behind three waiters: gives up after 50 ms
        line.leave()
        await asyncio.gather(*waiters)
        return order, too_late, line.in_flight

    order, too_late, in_flight = asyncio.run(scenario())
    assert order == ["first", "second", "third"]
    assert too_late is False and in_flight == 0
