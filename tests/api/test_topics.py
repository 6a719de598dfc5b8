"""``/v1/topics`` over HTTP: refresh (the worker's job), accept, dismiss (both databases)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from fluide.jobs.topics import refresh_topics
from fluide.services.workspaces import NewWorkspace
from fluide.settings import Settings
from tests.verbatims import two_themes


def test_refresh_accept_dismiss(
    app: FastAPI,
    client: TestClient,
    auth: dict[str, str],
    settings: Settings,
    workspace: NewWorkspace,
) -> None:
    r = client.post("/v1/topics/refresh", headers=auth)
    assert r.status_code == 202 and r.json()["status"] == "queued"
    assert client.get("/v1/topics", headers=auth).json()["refreshing"] is True
    two_themes(app.state.sessions, settings, workspace.id)
    refresh_topics(app.state.sessions, workspace.id)  # what the worker runs
    listed = client.get("/v1/topics", headers=auth).json()
    assert listed["refreshing"] is False and len(listed["topics"]) == 2
    first, second = listed["topics"]
    r = client.post(f"/v1/topics/{first['id']}/accept", headers=auth)
    assert r.status_code == 200, r.text
    assert r.json()["tag"]["key"] == first["suggested_key"]
    # Every comment the topic showed carries the tag at once: counts before and after.
    size = first["size"]
    assert (r.json()["members"], r.json()["tagged_before"], r.json()["tagged_after"]) == (
        size,
        0,
        size,
    )
    [accepted] = client.get("/v1/topics?status=accepted", headers=auth).json()["topics"]
    assert accepted["tagging"] == {
        "tag": first["suggested_key"],
        "members": size,
        "tagged": size,
        "matched_later": 0,
    }
    assert first["suggested_key"] in [
        t["key"] for t in client.get("/v1/tags", headers=auth).json()["tags"]
    ]
    r = client.post(f"/v1/topics/{second['id']}/dismiss", headers=auth)
    assert r.status_code == 200 and r.json()["status"] == "dismissed"
    assert client.get("/v1/topics", headers=auth).json()["topics"] == []
    assert len(client.get("/v1/topics?status=all", headers=auth).json()["topics"]) == 2


def test_bad_input(client: TestClient, auth: dict[str, str]) -> None:
    r = client.post("/v1/topics/top_nope/dismiss", headers=auth)
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = client.post("/v1/topics/top_nope/accept", json={"key": "Pas une clé"}, headers=auth)
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "key"
    r = client.get("/v1/topics?status=closed", headers=auth)
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "query.status"
    assert client.post("/v1/topics/refresh").status_code == 401
