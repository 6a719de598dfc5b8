"""``/v1/verbatims`` over HTTP: key, isolation, plain-text comments, clear 422s (both databases)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from fluide.services.workspaces import NewWorkspace, create_workspace
from fluide.settings import Settings
from tests.verbatims import answer

SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def ids_of(r: Any) -> list[str]:
    assert r.status_code == 200, r.text
    return [v["id"] for v in r.json()["verbatims"]]


def test_the_api_key_is_required(client: TestClient) -> None:
    r = client.get("/v1/verbatims")
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"


def test_a_comment_comes_back_as_plain_json_text_never_markup(
    app: FastAPI,
    client: TestClient,
    auth: dict[str, str],
    settings: Settings,
    workspace: NewWorkspace,
) -> None:
    [rid] = answer(app.state.sessions, settings, workspace.id, [(2, SCRIPT)])
    r = client.get("/v1/verbatims", headers=auth)
    assert r.headers["content-type"].startswith("application/json")
    [v] = r.json()["verbatims"]
    assert v["comment"] == SCRIPT and v["id"] == rid
    assert v["tagging"] == "pending" and v["tags"] == []
    assert v["touchpoint"] == "payer" and v["score"] == 2
    assert v["effort_index"] == pytest.approx(500 / 6)
    assert v["responded_at"].endswith(("+01:00", "+02:00"))  # the workspace's time zone
    one = client.get(f"/v1/verbatims/{rid}", headers=auth)
    assert one.json() == v


def test_search_and_csv(
    app: FastAPI,
    client: TestClient,
    auth: dict[str, str],
    settings: Settings,
    workspace: NewWorkspace,
) -> None:
    ids = answer(
        app.state.sessions,
        settings,
        workspace.id,
        [(2, "Prélèvement refusé"), (3, "=cmd|' /C calc'!A0"), (6, "Très simple")],
    )
    assert ids_of(client.get("/v1/verbatims?q=PRELEVEMENT", headers=auth)) == [ids[0]]
    assert ids_of(client.get("/v1/verbatims?max_score=3&limit=1", headers=auth)) == [ids[1]]
    r = client.get("/v1/verbatims?format=csv", headers=auth)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [row["id"] for row in rows] == list(reversed(ids))
    assert rows[1]["comment"] == "'=cmd|' /C calc'!A0"  # shown as text by a spreadsheet


def test_a_person_corrects_the_tags(
    app: FastAPI,
    client: TestClient,
    auth: dict[str, str],
    settings: Settings,
    workspace: NewWorkspace,
) -> None:
    [rid] = answer(app.state.sessions, settings, workspace.id, [(2, "Débité deux fois")])
    r = client.put(f"/v1/verbatims/{rid}/tags", json={"tags": ["payment"]}, headers=auth)
    assert r.status_code == 200, r.text
    assert r.json()["tags"] == [{"key": "payment", "source": "human", "confidence": 1.0}]
    assert ids_of(client.get("/v1/verbatims?tag=payment", headers=auth)) == [rid]
    r = client.post("/v1/verbatims/retag", json={"ids": [rid]}, headers=auth)
    assert r.json() == {"queued": 0, "kept_human": 1}
    r = client.post("/v1/verbatims/retag", json={"filter": {"untagged": True}}, headers=auth)
    assert r.json() == {"queued": 0, "kept_human": 0}


def test_another_workspace_s_verbatims_are_invisible(
    app: FastAPI,
    client: TestClient,
    auth: dict[str, str],
    settings: Settings,
    workspace: NewWorkspace,
) -> None:
    other = create_workspace(app.state.sessions, "Autre")
    [theirs] = answer(app.state.sessions, settings, other.id, [(2, "Chez l'autre")])
    assert ids_of(client.get("/v1/verbatims", headers=auth)) == []
    assert client.get(f"/v1/verbatims/{theirs}", headers=auth).status_code == 404
    r = client.put(f"/v1/verbatims/{theirs}/tags", json={"tags": []}, headers=auth)
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    other_auth = {"Authorization": f"Bearer {other.api_key}"}
    assert ids_of(client.get("/v1/verbatims", headers=other_auth)) == [theirs]


@pytest.mark.parametrize(
    ("method", "url", "body", "field"),
    [
        ("get", "/v1/verbatims?limit=0", None, "query.limit"),
        ("get", "/v1/verbatims?limit=501", None, "query.limit"),
        ("get", "/v1/verbatims?format=xml", None, "query.format"),
        ("get", "/v1/verbatims?min_score=11", None, "query.min_score"),
        ("get", "/v1/verbatims?tag=Pas%20une%20cl%C3%A9", None, "query.tag"),
        ("get", "/v1/verbatims?from=hier", None, "query.from"),
        ("get", "/v1/verbatims?min_score=5&max_score=2", None, "min_score"),
        ("get", "/v1/verbatims?cursor=zzz", None, "cursor"),
        ("put", "/v1/verbatims/rsp_1/tags", {"tags": ["a", "b", "c", "d"]}, "tags"),
        ("put", "/v1/verbatims/rsp_1/tags", {"tags": ["Pas une clé"]}, "tags.0"),
        ("put", "/v1/verbatims/rsp_1/tags", {"labels": []}, "tags"),
        ("post", "/v1/verbatims/retag", {"ids": []}, "ids"),
        ("post", "/v1/verbatims/retag", {"filter": {"score": "bas"}}, "filter.score"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(
    client: TestClient, auth: dict[str, str], method: str, url: str, body: Any, field: str
) -> None:
    r = client.request(method, url, json=body, headers=auth)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "invalid"
    assert field in [d["field"] for d in error["details"]], error


def test_errors_speak_french_by_default_and_english_on_request(
    client: TestClient, auth: dict[str, str]
) -> None:
    fr = client.get("/v1/verbatims?min_score=5&max_score=2", headers=auth).json()["error"]
    en = client.get(
        "/v1/verbatims?min_score=5&max_score=2", headers={**auth, "Accept-Language": "en"}
    ).json()["error"]
    assert en["message"] == "min_score (5) is above max_score (2)."
    assert fr["message"] != en["message"] and "5" in fr["message"]


def test_on_postgresql_a_comment_wakes_a_worker_through_a_job(
    app: FastAPI,
    client: TestClient,
    settings: Settings,
    workspace: NewWorkspace,
    database_url: str,
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite: the worker polls the verbatims table")
    answer(app.state.sessions, settings, workspace.id, [(2, "Débité deux fois")])
    with app.state.engine.connect() as conn:
        jobs = conn.execute(
            text("SELECT status FROM procrastinate_jobs WHERE task_name = 'fluide.verbatims'")
        ).all()
    assert [j[0] for j in jobs] == ["todo"]
