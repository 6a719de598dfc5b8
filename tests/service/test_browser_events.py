"""What a signed browser may send (``POST /w/v1/track``): types, reserved keys, sizes, rate."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from fluide.api.schemas import EventIn, UserIn
from fluide.services import widget as widget_service
from fluide.services.errors import ServiceError
from fluide.services.events import record_events
from fluide.services.widget import WidgetKeys
from fluide.services.workspaces import NewWorkspace
from fluide.settings import Settings
from fluide.storage.models import Event, Invitation, Response, Workspace
from fluide.storage.types import utcnow
from tests.service.conftest import event_body, touchpoint_body
from tests.service.test_widget_api import check_error, mount, signed, with_touchpoint


@pytest.fixture
def wclient(app: FastAPI) -> Iterator[TestClient]:
    mount(app)
    with TestClient(app) as c:
        yield c


@pytest.fixture
def keys(app: FastAPI, workspace: NewWorkspace) -> WidgetKeys:
    return widget_service.ensure_widget_keys(app.state.sessions, app.state.settings, workspace.id)


def post_track(c: TestClient, keys: WidgetKeys, type_: str, **more: Any) -> Any:
    return c.post("/w/v1/track", json={**signed(keys), "type": type_, **more})


def events(app: FastAPI) -> list[Event]:
    with app.state.sessions() as s:
        return list(s.execute(select(Event).order_by(Event.received_at)).scalars())


def limit_to(app: FastAPI, per_minute: int) -> None:
    app.state.settings = app.state.settings.model_copy(
        update={"browser_events_per_minute": per_minute}
    )


# --- Event types ------------------------------------------------------------------------------


def test_a_type_no_touchpoint_allows_is_refused_and_not_stored(
    wclient: TestClient, auth: dict[str, str], keys: WidgetKeys, app: FastAPI
) -> None:
    with_touchpoint(wclient, auth)
    r = post_track(wclient, keys, "ticket_resolved")
    check_error(r, 403, "event_not_allowed")
    assert "ticket_resolved" in r.json()["error"]["message"]
    assert "browser_events" in r.json()["error"]["message"]
    assert r.json()["error"]["details"] == {
        "type": "ticket_resolved",
        "allowed": ["payment_failed", "payment_succeeded"],
    }
    english = wclient.post(
        "/w/v1/track",
        json={**signed(keys), "type": "ticket_resolved"},
        headers={"Accept-Language": "en"},
    )
    assert english.json()["error"]["message"].startswith(
        "The browser may not send ticket_resolved events"
    )
    assert events(app) == []


def test_by_default_only_in_app_and_popover_touchpoints_open_their_triggers(
    wclient: TestClient, auth: dict[str, str], keys: WidgetKeys, app: FastAPI
) -> None:
    with_touchpoint(wclient, auth, channels=["email", "chat"])  # nothing for the browser
    check_error(post_track(wclient, keys, "payment_succeeded"), 403, "event_not_allowed")
    with_touchpoint(
        wclient,
        auth,
        key="aide",
        triggers=[{"event": "help_article_read"}],
        channels=["popover"],
    )
    assert post_track(wclient, keys, "help_article_read").status_code == 200
    check_error(post_track(wclient, keys, "payment_succeeded"), 403, "event_not_allowed")
    assert [e.type for e in events(app)] == ["help_article_read"]


def test_browser_events_lists_what_the_browser_may_send(
    wclient: TestClient, auth: dict[str, str], keys: WidgetKeys, app: FastAPI
) -> None:
    with_touchpoint(wclient, auth, browser_events=["payment_failed", "page_viewed"])
    assert post_track(wclient, keys, "page_viewed").json()["decision"] == "no_trigger"
    assert post_track(wclient, keys, "payment_failed").json()["decision"] == "invited"
    check_error(post_track(wclient, keys, "payment_succeeded"), 403, "event_not_allowed")
    r = wclient.patch("/v1/touchpoints/payer", headers=auth, json={"browser_events": []})
    assert r.status_code == 200, r.text
    check_error(post_track(wclient, keys, "payment_failed"), 403, "event_not_allowed")
    assert [e.type for e in events(app)] == ["page_viewed", "payment_failed"]


# --- Reserved properties ----------------------------------------------------------------------


@pytest.mark.parametrize("key", ["agent_id", "ticket_id", "outcome", "Agent_ID", " agent_id"])
def test_attribution_keys_from_the_browser_are_refused_and_nothing_is_stored(
    wclient: TestClient, auth: dict[str, str], keys: WidgetKeys, app: FastAPI, key: str
) -> None:
    with_touchpoint(wclient, auth)
    r = post_track(wclient, keys, "payment_failed", properties={"amount": 3, key: "a-7"})
    check_error(r, 403, "property_not_allowed")
    assert key in r.json()["error"]["message"]
    assert r.json()["error"]["details"]["keys"] == [key]
    assert events(app) == []
    with app.state.sessions() as s:
        assert s.execute(select(Invitation)).first() is None


def test_agent_id_from_the_browser_never_reaches_the_answer(
    app: FastAPI,
    settings: Settings,
    workspace: NewWorkspace,
    client: TestClient,
    auth: dict[str, str],
) -> None:
    # Even past the widget's refusal, the decision code takes attribution from the server only.
    assert client.post("/v1/touchpoints", headers=auth, json=touchpoint_body()).status_code == 201
    factory = app.state.sessions
    with factory() as s:
        ws = s.get_one(Workspace, workspace.id)
    now = utcnow()

    def event(event_id: str, user: str) -> EventIn:
        return EventIn(
            id=event_id,
            type="payment_failed",
            occurred_at=now - timedelta(minutes=1),
            user=UserIn(id=user),
            channel="in_app",
            properties={"agent_id": "a-7", "ticket_id": "T-1"},
        )

    browser, server = (
        record_events(factory, ws, [event("web-1", "u-1")], settings, now=now, source="browser")[0],
        record_events(factory, ws, [event("evt-2", "u-2")], settings, now=now)[0],
    )
    for decided in (browser, server):
        token = decided["invitation"]["url"].rsplit("/s/", 1)[1]
        r = client.post("/v1/responses", json={"token": token, "score": 2})
        assert r.status_code == 201, r.text
    with factory() as s:
        invitations = {i.event_id: i for i in s.execute(select(Invitation)).scalars()}
        answers = {r.user_id: r for r in s.execute(select(Response)).scalars()}
        by_id = {e.external_id: e for e in s.execute(select(Event)).scalars()}
    web, api = by_id["web-1"], by_id["evt-2"]
    assert (web.source, api.source) == ("browser", "api")
    assert "agent_id" not in invitations[web.id].context
    assert "ticket_id" not in invitations[web.id].context
    assert answers[web.user_id].agent_id is None
    assert invitations[api.id].context["agent_id"] == "a-7"
    assert answers[api.user_id].agent_id == "a-7"


def test_widget_events_are_stored_as_browser_and_server_events_as_api(
    wclient: TestClient, auth: dict[str, str], keys: WidgetKeys, app: FastAPI
) -> None:
    with_touchpoint(wclient, auth)
    assert post_track(wclient, keys, "payment_succeeded").status_code == 200
    r = wclient.post("/v1/events", headers=auth, json=event_body("evt-9", "u-9"))
    assert r.status_code == 200, r.text
    assert [(e.external_id.startswith("web-"), e.source) for e in events(app)] == [
        (True, "browser"),
        (False, "api"),
    ]


# --- Sizes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("properties", "field"),
    [
        ({f"k{i}": i for i in range(51)}, "properties"),
        ({"k" * 65: 1}, "properties"),
        ({"note": "x" * 1001}, "properties.note"),
        ({"cart": {"a": {"b": {"c": 1}}}}, "properties.cart.a.b"),
        ({f"k{i}": "é" * 450 for i in range(10)}, "properties"),
    ],
    ids=["51-keys", "long-key", "long-value", "too-deep", "9000-bytes"],
)
def test_oversized_properties_are_refused_and_not_stored(
    wclient: TestClient,
    auth: dict[str, str],
    keys: WidgetKeys,
    app: FastAPI,
    properties: dict[str, Any],
    field: str,
) -> None:
    """The browser's properties have every event's limits (fluide.domain.json_limits)."""
    with_touchpoint(wclient, auth)
    r = post_track(wclient, keys, "payment_succeeded", properties=properties)
    check_error(r, 422, "invalid")
    assert field in r.json()["error"]["details"][0]["problem"]
    assert events(app) == []


def test_properties_at_the_caps_are_accepted(
    wclient: TestClient, auth: dict[str, str], keys: WidgetKeys, app: FastAPI
) -> None:
    with_touchpoint(wclient, auth)
    props = {"k" * 64: "x" * 1000, "cart": {"items": [1, 2, 3]}}
    assert post_track(wclient, keys, "payment_succeeded", properties=props).status_code == 200
    assert events(app)[0].properties == props


# --- Rate -------------------------------------------------------------------------------------


def test_over_the_rate_is_a_429_with_retry_after_and_stores_nothing(
    wclient: TestClient, auth: dict[str, str], keys: WidgetKeys, app: FastAPI
) -> None:
    with_touchpoint(wclient, auth, browser_events=["page_viewed"])
    limit_to(app, 3)
    for _ in range(3):
        assert post_track(wclient, keys, "page_viewed").status_code == 200
    r = post_track(wclient, keys, "page_viewed")
    check_error(r, 429, "too_many_events")
    assert 1 <= int(r.headers["retry-after"]) <= 60
    assert r.headers["access-control-expose-headers"] == "Retry-After"
    assert r.json()["error"]["details"]["limit"] == 3
    assert "3" in r.json()["error"]["message"]
    assert len(events(app)) == 3
    # The host's server is not limited, and neither is another user's browser.
    server = wclient.post("/v1/events", headers=auth, json=event_body("evt-1", "u-42"))
    assert server.status_code == 200
    other = wclient.post("/w/v1/track", json={**signed(keys, "u-43"), "type": "page_viewed"})
    assert other.status_code == 200
    assert len(events(app)) == 5


def test_the_rate_window_slides(
    app: FastAPI, client: TestClient, auth: dict[str, str], workspace: NewWorkspace
) -> None:
    assert client.post("/v1/touchpoints", headers=auth, json=touchpoint_body()).status_code == 201
    keys = widget_service.ensure_widget_keys(app.state.sessions, app.state.settings, workspace.id)
    settings = app.state.settings.model_copy(update={"browser_events_per_minute": 2})
    start = utcnow()

    def track_at(seconds: float) -> Any:
        return widget_service.track(
            app.state.sessions,
            settings,
            keys.public_key,
            "u-42",
            signed(keys)["sig"],
            "payment_succeeded",
            {},
            None,
            now=start + timedelta(seconds=seconds),
        )

    track_at(0)
    track_at(20)
    with pytest.raises(ServiceError) as caught:
        track_at(45)
    assert caught.value.status == 429 and getattr(caught.value, "retry_after", None) == 15
    track_at(61)  # the first one left the window
    assert len(events(app)) == 3


def test_the_rate_holds_for_concurrent_requests(
    live_url: str, auth: dict[str, str], app: FastAPI, workspace: NewWorkspace
) -> None:
    # Counted in the database under the user's lock: what one process sees, all do.
    keys = widget_service.ensure_widget_keys(app.state.sessions, app.state.settings, workspace.id)
    limit_to(app, 4)
    with httpx.Client(base_url=live_url, timeout=60) as http:
        body = touchpoint_body(browser_events=["page_viewed"])
        assert http.post("/v1/touchpoints", headers=auth, json=body).status_code == 201

        def send(_: int) -> int:
            r = http.post("/w/v1/track", json={**signed(keys), "type": "page_viewed"})
            return r.status_code

        with ThreadPoolExecutor(max_workers=10) as pool:
            codes = list(pool.map(send, range(10)))
    assert sorted(codes) == [200] * 4 + [429] * 6
    assert len(events(app)) == 4


# --- The touchpoint field ---------------------------------------------------------------------


def test_browser_events_round_trips_through_the_touchpoints_api(
    client: TestClient, auth: dict[str, str]
) -> None:
    body = touchpoint_body(browser_events=["payment_failed", "page_viewed", "payment_failed"])
    created = client.post("/v1/touchpoints", headers=auth, json=body)
    assert created.status_code == 201, created.text
    assert created.json()["browser_events"] == ["payment_failed", "page_viewed"]
    assert created.json()["browser_events_allowed"] == ["payment_failed", "page_viewed"]
    got = client.get("/v1/touchpoints/payer", headers=auth).json()
    assert got["browser_events"] == ["payment_failed", "page_viewed"]
    listed = client.get("/v1/touchpoints", headers=auth).json()["touchpoints"][0]
    assert listed["browser_events"] == ["payment_failed", "page_viewed"]
    kept = client.patch("/v1/touchpoints/payer", headers=auth, json={"sampling": 0.5}).json()
    assert kept["browser_events"] == ["payment_failed", "page_viewed"]
    reset = client.patch("/v1/touchpoints/payer", headers=auth, json={"browser_events": None})
    assert reset.status_code == 200, reset.text
    assert reset.json()["browser_events"] is None
    assert reset.json()["browser_events_allowed"] == ["payment_succeeded", "payment_failed"]
    assert client.get("/v1/touchpoints/payer", headers=auth).json()["browser_events"] is None
    emptied = client.patch("/v1/touchpoints/payer", headers=auth, json={"browser_events": []})
    assert emptied.json()["browser_events"] == [] and emptied.json()["browser_events_allowed"] == []


def test_a_touchpoint_without_browser_events_has_the_default(
    client: TestClient, auth: dict[str, str]
) -> None:
    body = touchpoint_body(channels=["email"])
    tp = client.post("/v1/touchpoints", headers=auth, json=body).json()
    assert tp["browser_events"] is None and tp["browser_events_allowed"] == []


@pytest.mark.parametrize(
    "bad",
    ["page_viewed", [""], [123], ["x" * 201], [f"e{i}" for i in range(51)], {"a": 1}],
    ids=["not-a-list", "empty-type", "not-a-string", "too-long", "too-many", "object"],
)
def test_bad_browser_events_are_a_clear_422(
    client: TestClient, auth: dict[str, str], bad: Any
) -> None:
    r = client.post("/v1/touchpoints", headers=auth, json=touchpoint_body(browser_events=bad))
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "invalid"
    assert all(d["field"].startswith("browser_events") for d in error["details"])
    assert client.post("/v1/touchpoints", headers=auth, json=touchpoint_body()).status_code == 201
    r = client.patch("/v1/touchpoints/payer", headers=auth, json={"browser_events": bad})
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"].startswith(
        "browser_events"
    )
    assert client.get("/v1/touchpoints/payer", headers=auth).json()["browser_events"] is None
