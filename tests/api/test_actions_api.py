"""``/v1/actions`` over HTTP: create, list, read, patch (both databases)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fluide.api.routes import actions as actions_api
from fluide.services.workspaces import NewWorkspace, create_workspace
from fluide.settings import Settings
from tests.verbatims import answer, ensure_touchpoint

ACTION = {
    "touchpoint": "payer",
    "tag": "payment",
    "title": "Dire pourquoi la carte est refusée",
    "kind": "ux_change",
    "owner": "Léa",
    "due_on": "2026-05-01",
    "notes": "Message actuel : « Paiement impossible ».",
}


@pytest.fixture(autouse=True)
def routes(app: FastAPI, workspace: NewWorkspace) -> None:
    """The router, if the app does not serve it yet; and the touchpoint actions refer to."""
    if not any(getattr(r, "path", "") == "/v1/actions" for r in app.routes):
        app.include_router(actions_api.router)
    ensure_touchpoint(app.state.sessions, workspace.id)


def test_the_api_key_is_required(client: TestClient) -> None:
    assert client.get("/v1/actions").status_code == 401
    assert client.post("/v1/actions", json=ACTION).status_code == 401


def test_create_list_read_and_patch(client: TestClient, auth: dict[str, str]) -> None:
    r = client.post("/v1/actions", json=ACTION, headers=auth)
    assert r.status_code == 201, r.text
    made: dict[str, Any] = r.json()
    assert made["id"].startswith("act_") and made["status"] == "to_deliver"
    assert (made["touchpoint"], made["tag"], made["due_on"]) == ("payer", "payment", "2026-05-01")
    assert made["before_after"] is None and made["created_by"] == "api"

    listed = client.get("/v1/actions", headers=auth).json()["actions"]
    assert [a["id"] for a in listed] == [made["id"]]
    assert client.get("/v1/actions?status=delivered", headers=auth).json()["actions"] == []
    assert client.get(f"/v1/actions/{made['id']}", headers=auth).json()["title"] == ACTION["title"]

    delivered = (datetime.now(UTC).date() - timedelta(days=3)).isoformat()
    r = client.patch(f"/v1/actions/{made['id']}", json={"delivered_on": delivered}, headers=auth)
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["delivered_on"]) == ("delivered", delivered)
    assert r.json()["before_after"]["reason"] == "no_after_yet"

    r = client.patch(f"/v1/actions/{made['id']}", json={"owner": None, "tag": None}, headers=auth)
    assert (r.json()["owner"], r.json()["tag"]) == (None, None)
    r = client.patch(f"/v1/actions/{made['id']}", json={"status": "to_deliver"}, headers=auth)
    assert (r.json()["status"], r.json()["delivered_on"]) == ("to_deliver", None)


def test_the_before_after_is_in_the_json(
    client: TestClient,
    auth: dict[str, str],
    app: FastAPI,
    settings: Settings,
    workspace: NewWorkspace,
) -> None:
    day = datetime.now(UTC).date() - timedelta(days=10)
    noon = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    f = app.state.sessions
    answer(f, settings, workspace.id, [(s, None) for s in [2, 3] * 10], at=noon - timedelta(days=5))
    answer(f, settings, workspace.id, [(s, None) for s in [6, 7] * 10], at=noon + timedelta(days=2))
    body = {**ACTION, "status": "delivered", "delivered_on": day.isoformat()}
    made = client.post("/v1/actions", json=body, headers=auth).json()
    one = client.get(f"/v1/actions/{made['id']}?window_days=14", headers=auth).json()
    ba = one["before_after"]
    assert ba["window_days"] == 14 and ba["improved"] is True
    assert (ba["before"]["mean"], ba["after"]["mean"]) == (2.5, 6.5)
    assert ba["difference"]["value"] == pytest.approx(4.0)
    r = client.get(f"/v1/actions/{made['id']}?window_days=400", headers=auth)
    assert r.status_code == 422


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**ACTION, "kind": "magic"}, "kind"),
        ({**ACTION, "touchpoint": "nowhere"}, "touchpoint"),
        ({**ACTION, "tag": "nope"}, "tag"),
        ({**ACTION, "status": "delivered"}, "delivered_on"),
        ({**ACTION, "due_on": "demain"}, "due_on"),
        ({**ACTION, "title": ""}, "title"),
        ({**ACTION, "colour": "red"}, "colour"),
    ],
)
def test_a_bad_action_is_refused_naming_the_field(
    client: TestClient, auth: dict[str, str], body: dict[str, Any], field: str
) -> None:
    r = client.post("/v1/actions", json=body, headers=auth)
    assert r.status_code == 422, r.text
    assert [d["field"] for d in r.json()["error"]["details"]] == [field]
    assert client.get("/v1/actions", headers=auth).json()["actions"] == []


def test_patch_refuses_to_empty_a_required_field(client: TestClient, auth: dict[str, str]) -> None:
    made = client.post("/v1/actions", json=ACTION, headers=auth).json()
    r = client.patch(f"/v1/actions/{made['id']}", json={"title": None}, headers=auth)
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_patch"
    r = client.patch(f"/v1/actions/{made['id']}", json={"delivered_on": "2999-01-01"}, headers=auth)
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "delivered_on"
    assert client.get(f"/v1/actions/{made['id']}", headers=auth).json()["status"] == "to_deliver"


def test_another_workspace_key_gets_404(
    client: TestClient, auth: dict[str, str], app: FastAPI
) -> None:
    made = client.post("/v1/actions", json=ACTION, headers=auth).json()
    other = create_workspace(app.state.sessions, "Autre")
    theirs = {"Authorization": f"Bearer {other.api_key}"}
    assert client.get(f"/v1/actions/{made['id']}", headers=theirs).status_code == 404
    r = client.patch(f"/v1/actions/{made['id']}", json={"title": "pris"}, headers=theirs)
    assert r.status_code == 404
    assert client.get("/v1/actions", headers=theirs).json()["actions"] == []
    assert client.get(f"/v1/actions/{made['id']}", headers=auth).json()["title"] == ACTION["title"]
