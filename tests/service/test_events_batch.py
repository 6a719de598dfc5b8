"""A batch is decided in one transaction: refused whole, decided as single events would be."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select

from fluide.api.app import create_app
from fluide.api.schemas import EventIn
from fluide.request_context import request_id
from fluide.services.events import record_events
from fluide.services.workspaces import create_workspace
from fluide.settings import Settings, load_settings
from fluide.storage.models import Delivery, EndUser, Event, Workspace
from tests.service.conftest import event_body
from tests.service.test_events import setup_payer


def count(app: FastAPI, model: type[Any]) -> int:
    with app.state.sessions() as s:
        return int(s.execute(select(func.count()).select_from(model)).scalar_one())


def test_an_event_in_the_future_refuses_the_whole_batch_and_stores_nothing(
    client: TestClient, auth: dict[str, str], app: FastAPI
) -> None:
    setup_payer(client, auth)
    body = {
        "events": [
            event_body("ok", user="a"),
            event_body("late", user="b", ago=-timedelta(hours=3)),
        ]
    }
    r = client.post("/v1/events", headers={**auth, "Accept-Language": "en"}, json=body)
    assert r.status_code == 422 and r.json()["error"]["code"] == "event_in_future"
    assert "late" in r.json()["error"]["message"]
    assert count(app, Event) == 0 and count(app, EndUser) == 0


def test_attributes_over_the_limit_refuse_the_whole_batch(
    client: TestClient, auth: dict[str, str], app: FastAPI
) -> None:
    setup_payer(client, auth)
    # Each event's attributes are within the limits (50 keys); their sum for one user is not.
    many = [event_body(f"e{i}", user="a") for i in range(3)]
    for i, body in enumerate(many):
        body["user"]["attributes"] = {f"k{i}-{j}": j for j in range(40)}
    body = {"events": [event_body("first", user="z"), *many]}
    r = client.post("/v1/events", headers={**auth, "Accept-Language": "en"}, json=body)
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "user.attributes"
    assert count(app, Event) == 0 and count(app, EndUser) == 0


def test_fatigue_and_cooldown_hold_within_one_batch(
    client: TestClient, auth: dict[str, str]
) -> None:
    setup_payer(client, auth)
    setup_payer(
        client, auth, key="annuler", task="annuler", triggers=[{"event": "subscription_cancelled"}]
    )
    body = {
        "events": [
            event_body("e1", user="a"),
            event_body("e2", user="a", type_="subscription_cancelled"),
            event_body("e3", user="a"),
            event_body("e4", user="b", type_="subscription_cancelled"),
            event_body("e1", user="c"),
        ]
    }
    r = client.post("/v1/events", headers=auth, json=body)
    decisions = [(d["decision"], d.get("touchpoint")) for d in r.json()["decisions"]]
    assert decisions == [
        ("invited", "payer"),
        ("fatigue", "annuler"),
        ("cooldown", "payer"),
        ("invited", "annuler"),
        ("duplicate", None),
    ]


def test_a_batch_decides_exactly_as_the_same_events_sent_one_by_one(
    app: FastAPI, client: TestClient, settings: Settings
) -> None:
    factory = app.state.sessions
    one_by_one, batched = (create_workspace(factory, name) for name in ("One", "Batch"))
    kinds = ("payment_succeeded", "payment_failed", "subscription_cancelled", "login")
    events = [
        event_body(f"e{i % 37}", user=f"u{i % 7}", type_=kinds[i % 4], ago=timedelta(hours=i % 30))
        for i in range(60)
    ]
    for ws in (one_by_one, batched):
        auth = {"Authorization": f"Bearer {ws.api_key}"}
        setup_payer(client, auth, sampling=0.7)
        setup_payer(
            client,
            auth,
            key="annuler",
            task="annuler",
            triggers=[{"event": "subscription_cancelled"}],
            expires_after_hours=12,
        )
    singles = [
        client.post(
            "/v1/events", headers={"Authorization": f"Bearer {one_by_one.api_key}"}, json=e
        ).json()
        for e in events
    ]
    r = client.post(
        "/v1/events",
        headers={"Authorization": f"Bearer {batched.api_key}"},
        json={"events": events},
    )
    together = r.json()["decisions"]

    def shape(d: dict[str, Any]) -> tuple[object, ...]:
        inv = d["invitation"]
        reason = {k: v for k, v in (d.get("reason") or {}).items() if k != "last_invited_at"}
        return (d["event_id"], d["decision"], d.get("touchpoint"), reason, inv and inv["channel"])

    assert [shape(d) for d in together] == [shape(d) for d in singles]
    assert {d["decision"] for d in together} >= {"invited", "duplicate", "cooldown", "too_late"}


def test_deliveries_carry_the_id_of_the_request_that_made_them(
    app: FastAPI, settings: Settings, client: TestClient, auth: dict[str, str]
) -> None:
    setup_payer(client, auth, channels=["email"])
    factory = app.state.sessions
    with factory() as s:
        ws = s.execute(select(Workspace)).scalar_one()
    token = request_id.set("req-batch-1")
    try:
        events = [EventIn.model_validate(event_body(f"e{i}", user=f"u{i}")) for i in range(3)]
        decided = record_events(factory, ws, events, settings)
    finally:
        request_id.reset(token)
    assert [d["decision"] for d in decided] == ["invited"] * 3
    with factory() as s:
        rows = list(s.execute(select(Delivery.request_id, Delivery.status)))
    assert rows == [("req-batch-1", "pending")] * 3


# --- Statements per request -------------------------------------------------------------


@pytest.fixture
def quiet_app(database_url: str, tmp_path: Any) -> Iterator[FastAPI]:
    """The app without the in-process delivery thread (its statements would be counted)."""
    settings = load_settings(
        database_url=database_url,
        secret_key="test-secret-" + "x" * 40,
        data_dir=tmp_path,
        public_url="http://testserver",
        worker="external",
    )
    application = create_app(settings)
    yield application
    application.state.engine.dispose()


def statements(app: FastAPI, client: TestClient, auth: dict[str, str], body: object) -> list[str]:
    seen: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if statement.split()[0].upper() not in {"BEGIN", "COMMIT", "ROLLBACK"}:
            seen.append(statement)

    engine = app.state.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        r = client.post("/v1/events", headers=auth, json=body)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert r.status_code == 200, r.text
    return seen


SINGLE_INVITED = 9
"""Auth (1), stored ids (1), users created and locked (2), histories (1), event,
invitation and delivery inserts (3), users updated (1): the rules come from the cache."""


def test_one_invited_event_and_a_batch_of_100_take_the_same_few_statements(
    quiet_app: FastAPI,
) -> None:
    with TestClient(quiet_app) as client:
        ws = create_workspace(quiet_app.state.sessions, "Boutique")
        auth = {"Authorization": f"Bearer {ws.api_key}"}
        setup_payer(client, auth, channels=["email"])
        client.post("/v1/events", headers=auth, json=event_body("warm", user="w"))
        single = statements(quiet_app, client, auth, event_body("one", user="u-1"))
        batch = {"events": [event_body(f"b{i}", user=f"b-{i}") for i in range(100)]}
        hundred = statements(quiet_app, client, auth, batch)
    assert len(single) == SINGLE_INVITED, "\n".join(single)
    assert len(hundred) == SINGLE_INVITED, "\n".join(hundred)
