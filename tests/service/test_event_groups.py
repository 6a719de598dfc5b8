"""Group commit: the events of requests arriving together share one transaction,
are decided as if the requests came one after the other, and each request is
answered for itself."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select

from fluide.api.schemas import EventIn
from fluide.request_context import request_id
from fluide.services.decide_batch import WorkspaceId
from fluide.services.errors import ServiceError
from fluide.services.event_groups import GroupCommit, Job
from fluide.services.events import record_events
from fluide.services.workspaces import NewWorkspace, create_workspace
from fluide.storage.models import Delivery, Event, Invitation
from fluide.storage.types import utcnow
from tests.service.conftest import event_body
from tests.service.test_events import setup_payer


def job(ws: str, body: dict[str, Any]) -> Job:
    return Job(WorkspaceId(ws), [EventIn.model_validate(body)], [utcnow()], "api")


def outcome(result: list[dict[str, Any]] | None) -> list[tuple[str, Any]]:
    assert result is not None
    # The reason's keys (its times are each request's own).
    return [(d["decision"], sorted(d.get("reason") or {})) for d in result]


def rows(app: FastAPI, model: type[Any]) -> int:
    with app.state.sessions() as s:
        return int(s.execute(select(func.count()).select_from(model)).scalar_one())


def commits(app: FastAPI) -> list[int]:
    seen: list[int] = []
    event.listen(app.state.engine, "commit", lambda _conn: seen.append(1))
    return seen


def bodies() -> list[dict[str, Any]]:
    """Two users, the same event id twice, an event that triggers nothing."""
    return [
        event_body("a1", user="ana"),
        event_body("a2", user="ana", type_="payment_failed"),
        event_body("b1", user="bob"),
        event_body("a1", user="ana"),
        event_body("b2", user="bob", type_="login"),
    ]


def test_a_group_is_one_transaction_deciding_as_the_requests_one_after_the_other(
    client: TestClient, auth: dict[str, str], app: FastAPI, workspace: NewWorkspace
) -> None:
    setup_payer(client, auth)
    other = create_workspace(app.state.sessions, "Same rules, one request at a time")
    setup_payer(client, {"Authorization": f"Bearer {other.api_key}"})
    settings = app.state.settings
    alone = [
        record_events(
            app.state.sessions, WorkspaceId(other.id), [EventIn.model_validate(b)], settings
        )
        for b in bodies()
    ]
    groups: GroupCommit = app.state.event_groups
    jobs = [job(workspace.id, b) for b in bodies()]
    seen = commits(app)
    groups._write(jobs)
    assert len(seen) == 1 and groups.groups == 1
    assert [outcome(j.result) for j in jobs] == [outcome(r) for r in alone]
    decisions = [j.result[0]["decision"] for j in jobs if j.result]
    assert decisions.count("invited") == 2 and decisions[3] == "duplicate"


def test_one_request_s_fault_is_answered_to_it_alone(
    client: TestClient, auth: dict[str, str], app: FastAPI, workspace: NewWorkspace
) -> None:
    setup_payer(client, auth)
    bad = event_body("bad", user="carl")
    bad["user"]["attributes"] = {f"k{i}": i for i in range(40)}
    worse = event_body("worse", user="carl")
    worse["user"]["attributes"] = {f"j{i}": i for i in range(40)}  # the sum is over the limit
    jobs = [job(workspace.id, b) for b in (event_body("ok1", user="dan"), bad, worse)]
    jobs.append(job(workspace.id, event_body("ok2", user="eve")))
    app.state.event_groups._write(jobs)
    assert outcome(jobs[0].result) == [("invited", [])]
    assert jobs[1].result is not None and jobs[1].error is None  # alone, it was fine
    assert isinstance(jobs[2].error, ServiceError) and jobs[2].error.status == 422
    assert outcome(jobs[3].result) == [("invited", [])]
    with app.state.sessions() as s:
        stored = set(s.scalars(select(Event.external_id)))
    assert stored == {"ok1", "bad", "ok2"}


def test_concurrent_requests_for_one_user_invite_once_and_are_all_stored(
    client: TestClient, auth: dict[str, str], app: FastAPI, workspace: NewWorkspace
) -> None:
    setup_payer(client, auth)
    groups: GroupCommit = app.state.event_groups

    async def burst() -> list[list[dict[str, Any]]]:
        return list(
            await asyncio.gather(
                *(
                    groups.submit_async(job(workspace.id, event_body(f"c{i}", user="zoe")))
                    for i in range(30)
                )
            )
        )

    results = asyncio.run(burst())
    decisions = [r[0]["decision"] for r in results]
    assert decisions.count("invited") == 1, decisions
    assert rows(app, Event) == 30 and rows(app, Invitation) == 1


def test_each_delivery_keeps_the_id_of_the_request_its_event_came_in(
    client: TestClient, auth: dict[str, str], app: FastAPI, workspace: NewWorkspace
) -> None:
    setup_payer(client, auth)
    jobs = []
    for n in range(3):
        token = request_id.set(f"req-{n}")
        jobs.append(job(workspace.id, event_body(f"r{n}", user=f"u{n}", channel="email")))
        request_id.reset(token)
    app.state.event_groups._write(jobs)
    with app.state.sessions() as s:
        kept = set(s.scalars(select(Delivery.request_id)))
    assert kept == {"req-0", "req-1", "req-2"}


def test_the_writer_ends_at_stop_and_a_later_request_starts_another(
    client: TestClient, auth: dict[str, str], app: FastAPI, workspace: NewWorkspace
) -> None:
    setup_payer(client, auth)
    groups: GroupCommit = app.state.event_groups
    assert outcome(groups.submit(job(workspace.id, event_body("s1", user="sam")))) == [
        ("invited", [])
    ]
    groups.stop(timeout=10)
    assert not any(t.name == "fluide-event-writer" for t in threading.enumerate())
    assert groups.submit(job(workspace.id, event_body("s2", user="sue")))[0]["decision"]
    groups.stop(timeout=10)
