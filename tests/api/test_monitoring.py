"""``GET /metrics``: on by setting, token-guarded, no workspace data, figures from the database."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from fluide.api.app import create_app
from fluide.services.widget import ensure_widget_keys, user_hmac
from fluide.services.workspaces import NewWorkspace, create_workspace
from fluide.settings import Settings
from tests.service.conftest import event_body, touchpoint_body
from tests.service.test_responses import invite

TOKEN = "scrape-" + "k" * 30


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample of an exposition text (None when it is absent)."""
    for line in text.splitlines():
        if line.startswith("#") or " " not in line:
            continue
        series, value = line.rsplit(" ", 1)
        found, _, rest = series.partition("{")
        if found != name:
            continue
        got = dict(re.findall(r'(\w+)="([^"]*)"', rest))
        if got == labels:
            return float(value)
    return None


@pytest.fixture
def on_settings(settings: Settings) -> Settings:
    # No delivery thread: the deliveries a test makes stay due, and are counted as such.
    return settings.model_copy(update={"metrics": True, "worker": "external"})


@pytest.fixture
def mclient(on_settings: Settings) -> Iterator[TestClient]:
    application = create_app(on_settings)
    try:
        with TestClient(application) as c:
            yield c
    finally:
        application.state.engine.dispose()


@pytest.fixture
def mworkspace(mclient: TestClient) -> NewWorkspace:
    app: FastAPI = mclient.app  # type: ignore[assignment]
    return create_workspace(app.state.sessions, "Boutique")


@pytest.fixture
def mauth(mworkspace: NewWorkspace) -> dict[str, str]:
    return {"Authorization": f"Bearer {mworkspace.api_key}"}


def scrape(c: TestClient, **headers: str) -> str:
    r = c.get("/metrics", headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    return r.text


def test_metrics_are_a_404_unless_turned_on(client: TestClient) -> None:
    r = client.get("/metrics")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


def test_with_a_token_only_its_bearer_gets_the_metrics(on_settings: Settings) -> None:
    guarded = on_settings.model_copy(update={"metrics_token": SecretStr(TOKEN)})
    application = create_app(guarded)
    try:
        with TestClient(application) as c:
            for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
                r = c.get("/metrics", headers=headers)
                assert r.status_code == 401, headers
                assert r.json()["error"]["code"] == "unauthorized"
                assert TOKEN not in r.text
            assert "fluide_http_requests_total" in scrape(c, Authorization=f"Bearer {TOKEN}")
    finally:
        application.state.engine.dispose()


def test_requests_are_labelled_by_route_template_never_by_the_path_asked(
    mclient: TestClient, mauth: dict[str, str]
) -> None:
    mclient.post("/v1/touchpoints", headers=mauth, json=touchpoint_body())
    secret_user = "user-private-7f3a"
    assert mclient.get(f"/v1/users/{secret_user}/history", headers=mauth).status_code == 404
    assert mclient.get(f"/no/such/{secret_user}").status_code == 404
    text = scrape(mclient)
    template = {"method": "GET", "route": "/v1/users/{user_id}/history", "status": "404"}
    assert (sample(text, "fluide_http_requests_total", **template) or 0) >= 1
    unmatched = {"method": "GET", "route": "unmatched", "status": "404"}
    assert (sample(text, "fluide_http_requests_total", **unmatched) or 0) >= 1
    assert sample(
        text,
        "fluide_http_request_duration_seconds_bucket",
        method="GET",
        route="/v1/users/{user_id}/history",
        le="10.0",
    )
    for private in (secret_user, mauth["Authorization"].split()[1], "ws_"):
        assert private not in text


def test_decisions_are_counted_by_kind_from_the_api_and_the_widget(
    mclient: TestClient, mauth: dict[str, str], mworkspace: NewWorkspace
) -> None:
    before = scrape(mclient)
    mclient.post("/v1/touchpoints", headers=mauth, json=touchpoint_body())
    batch = [event_body("e-1", "u-1"), event_body("e-2", "u-2"), event_body("e-1", "u-1")]
    assert mclient.post("/v1/events", headers=mauth, json={"events": batch}).status_code == 200
    one = event_body("e-3", "u-3", "page_viewed")
    assert mclient.post("/v1/events", headers=mauth, json=one).json()["decision"] == "no_trigger"
    app: FastAPI = mclient.app  # type: ignore[assignment]
    keys = ensure_widget_keys(app.state.sessions, app.state.settings, mworkspace.id)
    signed = {"key": keys.public_key, "user": "u-9", "sig": user_hmac(keys.secret, "u-9")}
    r = mclient.post("/w/v1/track", json={**signed, "type": "payment_failed"})
    assert r.json()["decision"] == "invited", r.text
    after = scrape(mclient)

    def delta(decision: str) -> float:
        name = "fluide_decisions_total"
        return (sample(after, name, decision=decision) or 0) - (
            sample(before, name, decision=decision) or 0
        )

    assert (delta("invited"), delta("duplicate"), delta("no_trigger")) == (3, 1, 1)
    assert sample(after, "fluide_decisions_total", decision="fatigue") is not None  # 0 shows


def test_deliveries_queue_and_tagging_backlog_come_from_the_database(
    mclient: TestClient, mauth: dict[str, str], database_url: str
) -> None:
    mclient.post("/v1/touchpoints", headers=mauth, json=touchpoint_body())
    for user in ("u-1", "u-2"):
        r = mclient.post(
            "/v1/events", headers=mauth, json=event_body(f"e-{user}", user, channel="email")
        )
        assert r.json()["decision"] == "invited"
    token = invite(mclient, mauth, user="u-3")  # in-app: no delivery row
    r = mclient.post("/v1/responses", json={"token": token, "score": 2, "comment": "Trop long"})
    assert r.status_code == 201, r.text
    text = scrape(mclient)
    assert sample(text, "fluide_scrape_database_up") == 1
    assert sample(text, "fluide_deliveries", state="pending") == 2
    assert sample(text, "fluide_deliveries", state="sent") == 0
    assert sample(text, "fluide_queue_depth", source="table", queue="deliveries") == 2
    oldest = sample(text, "fluide_queue_oldest_seconds", source="table", queue="deliveries")
    assert oldest is not None and 0 <= oldest < 600
    assert sample(text, "fluide_tagging_backlog") == 1
    if database_url.startswith("postgresql"):  # each delivery deferred as a procrastinate job
        jobs = sample(text, "fluide_queue_depth", source="procrastinate", queue="deliveries")
        assert jobs is not None and jobs >= 2
    assert sample(text, "fluide_db_pool_size") is not None
    assert sample(text, "fluide_db_pool_connections", state="checked_out") is not None


def test_a_database_that_fails_still_gets_the_process_metrics_and_up_0(
    mclient: TestClient, tmp_path: object
) -> None:
    app: FastAPI = mclient.app  # type: ignore[assignment]
    dead = create_engine("sqlite:////nonexistent-folder/fluide.db")
    real = app.state.sessions
    app.state.sessions = sessionmaker(dead)
    try:
        text = scrape(mclient)
    finally:
        app.state.sessions = real
        dead.dispose()
    assert sample(text, "fluide_scrape_database_up") == 0
    assert "fluide_http_requests_total" in text and "fluide_deliveries" not in text
