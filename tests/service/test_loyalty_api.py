"""``GET /v1/touchpoints/{key}/loyalty``: the JSON of ``fluide loyalty``, from the stored
answers and the outcome events (both databases).

The same answers and outcomes are written to CSV files for the command: the
documents must be equal but for ``input`` (which names files or events).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from fluide.cli import app as cli_app
from fluide.services.workspaces import NewWorkspace, create_workspace
from fluide.settings import Settings
from tests.factories import write_csv
from tests.verbatims import answer

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
UNTIL = "2026-11-01T00:00:00Z"
SCORES = (1, 2, 3, 4, 5, 6, 7)  # ease: 1-2 high effort, 6-7 low (the default groups)


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def post(client: TestClient, key: str, body: list[dict[str, Any]]) -> None:
    r = client.post("/v1/events", json={"events": body}, headers=auth(key))
    assert r.status_code == 200, r.text


def outcome_events(rows: list[tuple[str, datetime, str]], prefix: str = "o") -> list[Any]:
    return [
        {"id": f"{prefix}{i}", "type": kind, "occurred_at": at.isoformat(), "user": {"id": who}}
        for i, (who, at, kind) in enumerate(rows)
    ]


def fill(client: TestClient, ws: NewWorkspace, settings: Settings) -> tuple[list[Any], list[Any]]:
    """42 answers (6 of each point), churn after 6 of the 18 high-effort ones and 1 of the
    12 low-effort ones, renewals of others; the same answers and outcomes as rows."""
    factory = client.app.state.sessions  # type: ignore[attr-defined]
    users = [f"c{i:02d}" for i in range(42)]
    scores = [SCORES[i % 7] for i in range(42)]
    answer(factory, settings, ws.id, [(s, None) for s in scores], at=T0, users=users)
    answered = [
        (u, T0 + timedelta(seconds=i), s)
        for i, (u, s) in enumerate(zip(users, scores, strict=True))
    ]
    outcomes: list[tuple[str, datetime, str]] = []
    for i, (u, at, s) in enumerate(answered):
        if s <= 2 and i % 5 < 2:
            outcomes.append((u, at + timedelta(days=20 + i), "churned"))
        elif s >= 6 and i == 5:
            outcomes.append((u, at + timedelta(days=30), "churned"))
        elif s == 4 and i % 2:
            outcomes.append((u, at + timedelta(days=100), "churned"))  # after the horizon
        elif i % 3 == 0:
            outcomes.append((u, at + timedelta(days=60), "renewed"))
    post(client, ws.api_key, outcome_events(outcomes))
    return answered, outcomes


def files(tmp_path: Path, answered: list[Any], outcomes: list[Any]) -> tuple[Path, Path]:
    a = write_csv(
        tmp_path / "answers.csv",
        [(u, at.isoformat(), s, "link") for u, at, s in answered],
        ("customer_id", "responded_at", "score", "channel"),
    )
    o = write_csv(
        tmp_path / "outcomes.csv",
        [(u, at.isoformat(), kind) for u, at, kind in outcomes],
        ("customer_id", "occurred_at", "outcome"),
    )
    return a, o


def test_api_answers_what_the_command_answers_on_the_same_rows(
    client: TestClient, workspace: NewWorkspace, settings: Settings, tmp_path: Path
) -> None:
    key = workspace.api_key
    client.patch("/v1/workspace", json={"timezone": "UTC"}, headers=auth(key))
    answered, outcomes = fill(client, workspace, settings)
    # Another workspace's outcomes of the same customers never count.
    other = create_workspace(client.app.state.sessions, "Autre")  # type: ignore[attr-defined]
    post(
        client,
        other.api_key,
        outcome_events([(u, T0 + timedelta(days=3), "churned") for u, _, _ in answered], "x"),
    )
    r = client.get(f"/v1/touchpoints/payer/loyalty?until={UNTIL}&by=channel", headers=auth(key))
    assert r.status_code == 200, r.text
    live = r.json()
    a, o = files(tmp_path, answered, outcomes)
    result = CliRunner().invoke(
        cli_app,
        [
            "loyalty",
            str(a),
            "--outcomes",
            str(o),
            "--scale",
            "1-7",
            "--polarity",
            "ease",
            "--until",
            UNTIL,
            "--by",
            "channel",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    filed = json.loads(result.stdout)
    high, low = live["by_group"]["high"], live["by_group"]["low"]
    # 1-7 ease: 1-3 high effort (18 answers, 6 churned), 6-7 low (12, 1 churned).
    assert (high["answers"], high["observed"], high["followed"]) == (18, 18, 6)
    assert (low["answers"], low["followed"]) == (12, 1)
    assert abs(live["relative_risk"]["high_vs_low"] - 4.0) < 1e-9
    assert {k: v for k, v in live.items() if k != "input"} == {
        k: v for k, v in filed.items() if k != "input"
    }
    assert live["input"]["rows"] == 42 and live["input"]["events"] == 10

    # Renewals: another event, the same answers.
    renewed = client.get(
        f"/v1/touchpoints/payer/loyalty?event=renewed&until={UNTIL}", headers=auth(key)
    ).json()
    assert renewed["event"] == "renewed" and sum(
        c["followed"] for c in renewed["by_group"].values()
    ) == sum(1 for x in outcomes if x[2] == "renewed")


def test_until_defaults_to_now_and_answers_too_recent_are_not_observed(
    client: TestClient, workspace: NewWorkspace, settings: Settings
) -> None:
    factory = client.app.state.sessions  # type: ignore[attr-defined]
    answer(factory, settings, workspace.id, [(1, None), (7, None)])
    doc = client.get("/v1/touchpoints/payer/loyalty", headers=auth(workspace.api_key)).json()
    assert doc["by_group"]["high"]["answers"] == 1 and doc["by_group"]["high"]["observed"] == 0
    assert doc["by_group"]["high"]["rate"] is None
    until = datetime.fromisoformat(doc["until"])
    assert abs((until - datetime.now(UTC)).total_seconds()) < 60


def test_bad_parameters_are_named(client: TestClient, workspace: NewWorkspace) -> None:
    h = auth(workspace.api_key)
    client.post(
        "/v1/touchpoints",
        json={
            "key": "payer",
            "task": "payer",
            "question": {"fr": "J'ai pu payer facilement"},
            "scale": "1-7",
            "polarity": "ease",
            "triggers": [{"event": "payment_succeeded"}],
        },
        headers=h,
    )
    for query, field in (
        ("event=exploded", "event"),
        ("horizon=0", "horizon"),
        ("horizon=abc", "horizon"),
        ("until=yesterday", "until"),
        ("by=plan", "by"),
    ):
        r = client.get(f"/v1/touchpoints/payer/loyalty?{query}", headers=h)
        assert r.status_code == 422, (query, r.text)
        assert field in r.json()["error"]["details"][0]["field"].split("."), r.text
    assert (
        "exploded"
        in client.get("/v1/touchpoints/payer/loyalty?event=exploded", headers=h).json()["error"][
            "message"
        ]
    )
    assert client.get("/v1/touchpoints/nope/loyalty", headers=h).status_code == 404
    assert client.get("/v1/touchpoints/nope/drivers", headers=h).status_code == 404
    assert client.get("/v1/touchpoints/payer/loyalty").status_code == 401


def test_another_workspaces_touchpoint_is_not_found(
    client: TestClient, workspace: NewWorkspace, settings: Settings
) -> None:
    factory = client.app.state.sessions  # type: ignore[attr-defined]
    answer(factory, settings, workspace.id, [(1, None)])
    other = create_workspace(factory, "Autre")
    for path in ("loyalty", "drivers"):
        r = client.get(f"/v1/touchpoints/payer/{path}", headers=auth(other.api_key))
        assert r.status_code == 404, r.text


def test_the_setting_says_which_event_types_are_outcomes(
    client: TestClient, workspace: NewWorkspace, settings: Settings
) -> None:
    h = auth(workspace.api_key)
    assert client.get("/v1/workspace", headers=h).json()["outcome_event_types"] == [
        "churned",
        "renewed",
        "repurchased",
    ]
    r = client.patch(
        "/v1/workspace", json={"outcome_event_types": [" cancelled ", "renewed"]}, headers=h
    )
    assert r.status_code == 200, r.text
    assert r.json()["outcome_event_types"] == ["cancelled", "renewed"]
    factory = client.app.state.sessions  # type: ignore[attr-defined]
    answer(factory, settings, workspace.id, [(1, None)], at=T0, users=["z"])
    post(client, workspace.api_key, outcome_events([("z", T0 + timedelta(days=2), "cancelled")]))
    doc = client.get(
        f"/v1/touchpoints/payer/loyalty?event=cancelled&until={UNTIL}", headers=h
    ).json()
    assert doc["by_group"]["high"]["followed"] == 1
    r = client.get("/v1/touchpoints/payer/loyalty", headers=h)
    assert r.status_code == 422 and "churned" in r.json()["error"]["message"]
    for bad in ([""], ["  "], ["x" * 201]):
        r = client.patch(
            "/v1/workspace",
            json={"outcome_event_types": bad},
            headers=h | {"Accept-Language": "en"},
        )
        assert r.status_code == 422, r.text
        assert r.json()["error"]["details"][0]["field"] == "outcome_event_types"
        assert "is not an event type" in r.json()["error"]["message"]
    r = client.patch("/v1/workspace", json={"outcome_event_types": None}, headers=h)
    assert r.json()["outcome_event_types"] == ["churned", "renewed", "repurchased"]
