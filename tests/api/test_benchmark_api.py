"""``GET /v1/benchmark``, ``task_category`` and ``benchmark_opt_in`` through the API (both
databases)."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fluide.services.workspaces import NewWorkspace, create_workspace
from fluide.settings import Settings
from tests.benchmark_data import pool_of, scores
from tests.service.conftest import touchpoint_body

ALLOWED = "payment, login, onboarding, support_contact, find_information, cancellation"


def test_the_benchmark_needs_a_key(client: TestClient) -> None:
    r = client.get("/v1/benchmark")
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"


def test_a_touchpoint_gets_its_category_and_a_bad_one_is_named_with_the_list(
    client: TestClient, auth: dict[str, str]
) -> None:
    r = client.post("/v1/touchpoints", json=touchpoint_body(task_category="shopping"), headers=auth)
    assert r.status_code == 422
    problem = str(r.json()["error"]["details"])
    assert "task_category" in problem and "'payment'" in problem and "'delivery'" in problem
    r = client.post("/v1/touchpoints", json=touchpoint_body(task_category="payment"), headers=auth)
    assert r.status_code == 201 and r.json()["task_category"] == "payment"
    r = client.patch("/v1/touchpoints/payer", json={"task_category": "login"}, headers=auth)
    assert r.json()["task_category"] == "login"
    r = client.patch("/v1/touchpoints/payer", json={"task_category": None}, headers=auth)
    assert r.status_code == 200 and r.json()["task_category"] is None


def test_the_opt_in_is_a_workspace_setting(client: TestClient, auth: dict[str, str]) -> None:
    assert client.get("/v1/workspace", headers=auth).json()["benchmark_opt_in"] is False
    r = client.patch("/v1/workspace", json={"benchmark_opt_in": True}, headers=auth)
    assert r.status_code == 200 and r.json()["benchmark_opt_in"] is True
    r = client.patch("/v1/workspace", json={"benchmark_opt_in": "maybe"}, headers=auth)
    assert r.status_code == 422


def test_figures_of_the_pool_only_from_five_companies(
    app: FastAPI,
    client: TestClient,
    auth: dict[str, str],
    settings: Settings,
    workspace: NewWorkspace,
) -> None:
    f = app.state.sessions
    scores(f, settings, workspace.id, [7] * 30)
    pool_of(f, [30.0, 31.0, 32.0, 33.0])
    [cat] = client.get("/v1/benchmark", headers=auth).json()["categories"]
    assert cat["own"] == {"answers": 30, "effort_index": 0.0, "ci95": [0.0, 0.0]}
    assert cat["pool"]["contributors"] == 4
    assert cat["pool"]["reason"] == "not_enough_contributors"
    assert [cat["pool"][k] for k in ("median", "p25", "p75", "percentile")] == [None] * 4
    pool_of(f, [30.0, 31.0, 32.0, 33.0, 34.0])
    [cat] = client.get("/v1/benchmark", headers=auth).json()["categories"]
    pool = cat["pool"]
    assert pool["contributors"] == 5 and pool["reason"] is None
    assert (pool["median"], pool["p25"], pool["p75"]) == (30.0, 30.0, 30.0)
    # The median is 32 (30 to 5 points), but 32.5 (35) without 31: rounded to 10.
    assert pool["rounding"] == {"median": 10, "p25": 5, "p75": 10, "percentile": 10}
    assert pool["percentile"] == [0.0, 10.0]


def test_a_bad_period_is_refused_naming_it(client: TestClient, auth: dict[str, str]) -> None:
    r = client.get("/v1/benchmark?from=2026-12-01&to=2026-11-01", headers=auth)
    assert r.status_code == 422 and "from 2026-12-01 is after to 2026-11-01" in r.text


def test_another_workspace_s_live_figures_appear_only_inside_the_released_pool(
    app: FastAPI, settings: Settings
) -> None:
    f = app.state.sessions
    a, b = create_workspace(f, "A"), create_workspace(f, "B")
    scores(f, settings, a.id, [1] * 30)  # A: effort index 100
    scores(f, settings, b.id, [7] * 30)
    client = TestClient(app)
    r = client.patch(
        "/v1/workspace",
        json={"benchmark_opt_in": True},
        headers={"Authorization": f"Bearer {a.api_key}"},
    )
    assert r.status_code == 200
    seen = client.get("/v1/benchmark", headers={"Authorization": f"Bearer {b.api_key}"}).json()
    [cat] = seen["categories"]
    assert cat["own"]["effort_index"] == 0.0  # B's own answers only
    assert cat["pool"]["contributors"] == 1 and cat["pool"]["median"] is None
    assert "100" not in str(cat["pool"]) and a.id not in str(seen)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_category_names_come_in_both_languages(
    client: TestClient, auth: dict[str, str], lang: str
) -> None:
    client.post("/v1/touchpoints", json=touchpoint_body(task_category="onboarding"), headers=auth)
    [cat] = client.get("/v1/benchmark", headers=auth).json()["categories"]
    assert cat["names"] == {"fr": "Inscription et prise en main", "en": "Sign-up and onboarding"}
    assert cat["own"] == {"answers": 0, "effort_index": None, "ci95": None}
    assert cat["pool"]["reasons"]["percentile"] == "not_enough_contributors"
