"""Touchpoint rules are cached per (workspace, rules_version): every change is seen at once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fluide.api.app import create_app
from fluide.api.schemas import TouchpointIn, TouchpointPatch
from fluide.services import touchpoints
from fluide.services.workspaces import NewWorkspace
from fluide.settings import Settings
from fluide.storage import rules
from fluide.storage.db import write_session
from fluide.storage.models import QuestionVersion, Touchpoint, Workspace
from fluide.storage.types import new_id
from tests.service.conftest import event_body, touchpoint_body
from tests.service.test_events import post, setup_payer


def version(factory: sessionmaker[Session], ws: str) -> int:
    with factory() as s:
        return int(
            s.execute(select(Workspace.rules_version).where(Workspace.id == ws)).scalar_one()
        )


def test_a_touchpoint_change_is_seen_by_the_very_next_event(
    client: TestClient, auth: dict[str, str]
) -> None:
    setup_payer(client, auth, sampling=0.0)
    assert post(client, auth, event_body("e1", user="a"))["decision"] == "sampled_out"
    client.patch("/v1/touchpoints/payer", headers=auth, json={"sampling": 1.0})
    assert post(client, auth, event_body("e2", user="b"))["decision"] == "invited"
    client.patch("/v1/touchpoints/payer", headers=auth, json={"active": False})
    assert post(client, auth, event_body("e3", user="c"))["decision"] == "no_trigger"
    client.patch(
        "/v1/touchpoints/payer",
        headers=auth,
        json={"active": True, "triggers": [{"event": "order_shipped"}]},
    )
    assert post(client, auth, event_body("e4", user="d"))["decision"] == "no_trigger"
    d = post(client, auth, event_body("e5", user="d", type_="order_shipped"))
    assert d["decision"] == "invited" and d["touchpoint"] == "payer"


@pytest.fixture
def other_app(settings: Settings) -> Iterator[FastAPI]:
    """A second server process on the same database (its own engine and cache)."""
    application = create_app(settings)
    yield application
    application.state.engine.dispose()


def test_a_change_made_by_another_process_is_seen_by_the_next_event(
    app: FastAPI,
    client: TestClient,
    auth: dict[str, str],
    workspace: NewWorkspace,
    other_app: FastAPI,
) -> None:
    setup_payer(client, auth, sampling=0.0)
    assert post(client, auth, event_body("e1", user="a"))["decision"] == "sampled_out"
    before = version(app.state.sessions, workspace.id)
    stale = rules.CACHE.get(workspace.id, before)
    assert stale is not None
    with TestClient(other_app) as other:
        r = other.patch("/v1/touchpoints/payer", headers=auth, json={"sampling": 1.0})
        assert r.status_code == 200
    # Both apps share this test process's cache, which the commit cleared: put the
    # old rules back, as a separate server process would still hold them.
    rules.CACHE.put(workspace.id, stale)
    assert version(app.state.sessions, workspace.id) > before
    assert post(client, auth, event_body("e2", user="b"))["decision"] == "invited"


def test_a_warm_cache_is_used_while_the_version_stays(
    app: FastAPI, client: TestClient, auth: dict[str, str], workspace: NewWorkspace
) -> None:
    setup_payer(client, auth)
    post(client, auth, event_body("e1", user="a"))
    cached = rules.CACHE.get(workspace.id, version(app.state.sessions, workspace.id))
    assert cached is not None and [t.rule.key for t in cached.touchpoints] == ["payer"]
    post(client, auth, event_body("e2", user="b"))
    again = rules.CACHE.get(workspace.id, version(app.state.sessions, workspace.id))
    assert again is cached


def test_each_kind_of_change_bumps_the_rules_version(app: FastAPI, workspace: NewWorkspace) -> None:
    f = app.state.sessions
    ws = workspace.id
    seen = [version(f, ws)]

    def bumped() -> bool:
        seen.append(version(f, ws))
        return seen[-1] > seen[-2]

    touchpoints.create(f, ws, TouchpointIn.model_validate(touchpoint_body()))
    assert bumped(), "a new touchpoint"
    touchpoints.update(f, ws, "payer", TouchpointPatch.model_validate({"sampling": 0.5}))
    assert bumped(), "a rule changed"
    patch = {"question": {"fr": "Payer a été simple"}}
    touchpoints.update(f, ws, "payer", TouchpointPatch.model_validate(patch))
    assert bumped(), "a new question version"
    with write_session(f) as s:
        v = s.execute(select(QuestionVersion).where(QuestionVersion.number == 2)).scalar_one()
        v.question = {"fr": "Payer fut simple"}
    assert bumped(), "a question version changed"
    with write_session(f) as s:
        tp = Touchpoint(
            id=new_id("tp"),
            workspace_id=ws,
            key="gone",
            task="gone",
            triggers=[{"event": "x"}],
            channels=["link"],
        )
        s.add(tp)
    assert bumped(), "a touchpoint added by the ORM"
    with write_session(f) as s:
        s.delete(s.get_one(Touchpoint, tp.id))
    assert bumped(), "a touchpoint deleted"
    with write_session(f) as s:
        same = s.execute(select(Touchpoint).where(Touchpoint.key == "payer")).scalar_one()
        same.sampling = same.sampling  # nothing really changes
        s.get_one(Workspace, ws).name = "Boutique 2"
    assert not bumped(), "nothing of the rules changed"
