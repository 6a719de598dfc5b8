"""``GET /v1/frictions`` over HTTP (both databases)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from fluide.services.tags import ensure_seeded
from fluide.services.workspaces import NewWorkspace
from fluide.settings import Settings
from fluide.storage import verbatim_queue as queue_store
from fluide.storage.db import write_session
from tests.verbatims import answer


def test_this_week_s_frictions(
    app: FastAPI,
    client: TestClient,
    auth: dict[str, str],
    settings: Settings,
    workspace: NewWorkspace,
) -> None:
    f = app.state.sessions
    ensure_seeded(f, workspace.id)
    hard = answer(
        f, settings, workspace.id, [(1, "Carte refusée"), (2, "<b>Refus</b>"), (1, "Bloqué")]
    )
    [once] = answer(f, settings, workspace.id, [(1, "Une attente folle")])
    answer(f, settings, workspace.id, [(7, None), (6, None)])
    with write_session(f) as s:
        for rid in hard:
            queue_store.set_human_tags(s, workspace.id, rid, ["payment"], 1)
        queue_store.set_human_tags(s, workspace.id, once, ["delay"], 1)
    r = client.get("/v1/frictions", headers=auth)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["answers"] == 6 and out["comments"] == 4 and out["touchpoint"] is None
    # delay costs more effort, but one comment never reaches the top (3 needed).
    [payment] = out["frictions"]
    assert payment["tag"] == "payment" and payment["volume"] == 3
    assert {v["comment"] for v in payment["verbatims"]} == {
        "Carte refusée",
        "<b>Refus</b>",
        "Bloqué",
    }
    assert out["by_touchpoint"]["payer"][0]["tag"] == "payment"
    r = client.get("/v1/frictions?touchpoint=payer", headers=auth)
    assert [x["tag"] for x in r.json()["frictions"]] == ["payment"]


def test_bad_parameters(client: TestClient, auth: dict[str, str]) -> None:
    r = client.get("/v1/frictions?week=2026-47", headers=auth)
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "week"
    r = client.get("/v1/frictions?top=0", headers=auth)
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "query.top"
    r = client.get("/v1/frictions?touchpoint=nope", headers=auth)
    assert r.status_code == 404
    assert client.get("/v1/frictions").status_code == 401
