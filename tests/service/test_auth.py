"""Keys: a key sees its own workspace only; only hashes are stored."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from fluide.services.workspaces import create_workspace
from fluide.storage.models import ApiKey
from tests.service.conftest import event_body, touchpoint_body


def test_calls_without_a_key_get_401_in_the_error_shape(client: TestClient) -> None:
    r = client.get("/v1/touchpoints")
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert set(r.json()["error"]) == {"code", "message", "details"}
    assert (
        client.get("/v1/touchpoints", headers={"Authorization": "Bearer flk_nope"}).status_code
        == 401
    )


def test_a_key_sees_its_own_workspace_only(
    client: TestClient, app: FastAPI, auth: dict[str, str]
) -> None:
    other = create_workspace(app.state.sessions, "Autre")
    other_auth = {"Authorization": f"Bearer {other.api_key}"}
    client.post("/v1/touchpoints", headers=auth, json=touchpoint_body())
    client.post("/v1/events", headers=auth, json=event_body())
    assert client.get("/v1/touchpoints", headers=other_auth).json() == {"touchpoints": []}
    assert client.get("/v1/touchpoints/payer", headers=other_auth).status_code == 404
    assert client.get("/v1/users/u-42/history", headers=other_auth).status_code == 404
    # The same event id in another workspace is not a duplicate.
    assert (
        client.post("/v1/events", headers=other_auth, json=event_body()).json()["decision"]
        == "no_trigger"
    )


def test_only_the_hash_of_a_key_is_stored(app: FastAPI) -> None:
    new = create_workspace(app.state.sessions, "Hash")
    with app.state.sessions() as s:
        rows = list(s.execute(select(ApiKey.key_hash, ApiKey.prefix)))
    assert all(new.api_key not in (h, p) and len(h) == 64 for h, p in rows)


def test_health_answers_without_a_key(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
