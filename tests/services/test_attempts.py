"""Attempts and time on task from stored events (both databases): the service, its API
(``GET /v1/touchpoints/{key}/attempts``) and the card of the touchpoint page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from fluide.api.schemas import TouchpointIn
from fluide.i18n import fmt_number, fmt_percent
from fluide.services import touchpoints as touchpoint_service
from fluide.services.responses import record_response
from fluide.services.workspaces import NewWorkspace, create_workspace
from tests.service.conftest import event_body, touchpoint_body
from tests.web.conftest import logged_in

EVIL = "<b>u4</b>"
ONLY_SUCCESS = [{"event": "payment_succeeded"}]


def _post(client: TestClient, ws: NewWorkspace, events: list[dict[str, Any]]) -> list[Any]:
    r = client.post(
        "/v1/events",
        json={"events": events},
        headers={"Authorization": f"Bearer {ws.api_key}"},
    )
    assert r.status_code == 200, r.text
    return list(r.json()["decisions"])


def _setup(app: FastAPI, ws: NewWorkspace, now: datetime) -> None:
    """u1 succeeds at once (30 s sent), u2 starts, fails, succeeds, u3 fails 3 times
    then succeeds (5 fields), u4 gave up 3 days ago, u5 failed an hour ago; u1, u2
    and u3 answer 7, 5 and 2 after their success."""
    touchpoint_service.create(
        app.state.sessions, ws.id, TouchpointIn(**touchpoint_body(triggers=ONLY_SUCCESS))
    )
    h = timedelta(hours=1)

    def e(i: str, user: str, type_: str, ago: timedelta, **props: Any) -> dict[str, Any]:
        return event_body(f"{ws.id[-4:]}-{i}", user, type_, ago=ago, now=now, properties=props)

    events = [
        e("1", "u1", "payment_succeeded", 5 * h, duration_s=30),
        e("2a", "u2", "payment_started", 6 * h),
        e("2b", "u2", "payment_failed", 6 * h - timedelta(minutes=1)),
        e("2c", "u2", "payment_succeeded", 6 * h - timedelta(minutes=2), duration_s="long"),
        *[e(f"3{i}", "u3", "payment_failed", 8 * h - i * timedelta(minutes=1)) for i in range(3)],
        e("3z", "u3", "payment_succeeded", 7 * h, fields_requested=5),
        e("4", EVIL, "payment_failed", 72 * h),
        e("5", "u5", "payment_failed", h),
        e("6", "u6", "order_shipped", h),  # not this touchpoint's
    ]
    decisions = _post(TestClient(app), ws, events)
    settings = app.state.settings
    scores = {"u1": 7, "u2": 5, "u3": 2}
    for d, body in zip(decisions, events, strict=True):
        if d["invitation"] is not None:
            token = str(d["invitation"]["url"]).rsplit("/s/", 1)[1]
            score = scores[body["user"]["id"]]
            record_response(app.state.sessions, settings, token, score, None, now=now)


def test_attempts_of_a_touchpoint_from_its_events_and_answers(
    app: FastAPI, workspace: NewWorkspace
) -> None:
    now = datetime.now(UTC)
    _setup(app, workspace, now)
    other = create_workspace(app.state.sessions, "Autre")
    _setup(app, other, now)  # the same customers' ids: never counted in the first
    _post(
        TestClient(app),
        other,
        [event_body("x-1", "u1", "payment_failed", ago=timedelta(hours=5, minutes=1), now=now)],
    )
    headers = {"Authorization": f"Bearer {workspace.api_key}"}
    doc = TestClient(app).get("/v1/touchpoints/payer/attempts", headers=headers).json()

    assert doc["event_types"] == ["payment_failed", "payment_started", "payment_succeeded"]
    assert (doc["tasks"], doc["succeeded"], doc["abandoned"], doc["in_progress"]) == (5, 3, 1, 1)
    assert doc["users"] == 5 and doc["success_rate"] == 75.0
    assert doc["attempts"] == {"1": 1, "2": 1, "3+": 1, "mean": 7 / 3, "median": 2.0}
    # u1 sent 30 s; u2's start → success took 2 min (its "long" is no number).
    assert doc["time_on_task_s"] == {"n": 2, "median": 75.0, "p90": 111.0}
    assert doc["ignored_values"] == {"duration_s": 1, "fields_requested": 0}
    assert doc["fields_requested"] == {"n": 1, "mean": 5.0, "median": 5.0}
    assert doc["never_succeeded_count"] == 1
    assert [(r["user"], r["failures"]) for r in doc["never_succeeded"]] == [(EVIL, 1)]
    ces = {k: (b["n"], b["mean"]) for k, b in doc["ces_by_attempts"].items()}
    assert ces == {"1": (1, 7.0), "2": (1, 5.0), "3+": (1, 2.0)}
    assert doc["answers_not_counted"] == 0

    # The page's data is the same document; the card shows it, escaped, in French.
    login = logged_in(app, workspace.id, lang="fr")
    page = login.client.get("/app/touchpoints/payer?format=json").json()
    assert page["attempts"] == doc
    html = login.client.get("/app/touchpoints/payer").text
    card = html.split('id="attempts"', 1)[1].split("</section>", 1)[0]
    assert "Tentatives et temps passé" in card
    assert "&lt;b&gt;u4&lt;/b&gt;" in card and EVIL not in card
    assert fmt_number("fr", 7 / 3, 1) in card  # attempts per success
    assert fmt_percent("fr", 75.0, 0) in card and "75 s" in card  # success; median time (75 s)
    assert "Réussi du premier coup" in card and "5,00" in card
    assert "properties.duration_s" in card  # the value that was left out, named

    english = logged_in(app, workspace.id, lang="en").client.get("/app/touchpoints/payer").text
    card = english.split('id="attempts"', 1)[1].split("</section>", 1)[0]
    assert "Attempts and time on task" in card and "Needed 3 attempts or more" in card
    assert "Customers who never succeeded" in card


def test_a_touchpoint_without_such_events_says_what_to_send(
    app: FastAPI, workspace: NewWorkspace
) -> None:
    touchpoint_service.create(app.state.sessions, workspace.id, TouchpointIn(**touchpoint_body()))
    for lang, words in (("fr", "Envoyez les événements"), ("en", "Send the events")):
        html = logged_in(app, workspace.id, lang=lang).client.get("/app/touchpoints/payer").text
        card = html.split('id="attempts"', 1)[1].split("</section>", 1)[0]
        assert 'id="attempts-empty"' in card and words in card
        assert "payment_started" in card and "properties.fields_requested" in card
    headers = {"Authorization": f"Bearer {workspace.api_key}"}
    doc = TestClient(app).get("/v1/touchpoints/payer/attempts", headers=headers).json()
    assert doc["tasks"] == 0 and doc["success_rate"] is None
    assert doc["time_on_task_s"] == {"n": 0, "median": None, "p90": None}
    assert {b["n"] for b in doc["ces_by_attempts"].values()} == {0}


def test_the_api_names_a_period_that_ends_before_it_starts(
    app: FastAPI, workspace: NewWorkspace
) -> None:
    touchpoint_service.create(app.state.sessions, workspace.id, TouchpointIn(**touchpoint_body()))
    client = TestClient(app)
    headers = {"Authorization": f"Bearer {workspace.api_key}"}
    r = client.get(
        "/v1/touchpoints/payer/attempts",
        params={"from": "2026-05-02", "to": "2026-05-01"},
        headers=headers,
    )
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "from"
    assert client.get("/v1/touchpoints/nope/attempts", headers=headers).status_code == 404
