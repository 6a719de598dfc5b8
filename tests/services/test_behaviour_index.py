"""The behavioural effort index from stored events (both databases): the service, the
``behaviour_index`` key of ``GET /v1/touchpoints/{key}/attempts`` and the page's card."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fluide.api.schemas import TouchpointIn
from fluide.i18n import fmt_percent
from fluide.services import touchpoints as touchpoint_service
from fluide.services.attempts import attempts
from fluide.services.responses import record_response
from fluide.services.workspaces import NewWorkspace, create_workspace
from fluide.storage.models import Workspace
from tests.service.conftest import event_body, touchpoint_body
from tests.web.conftest import logged_in

EVIL = "<b>u4</b>"
H = timedelta(hours=1)


def _post(client: TestClient, ws: NewWorkspace, events: list[dict[str, Any]]) -> list[Any]:
    r = client.post(
        "/v1/events", json={"events": events}, headers={"Authorization": f"Bearer {ws.api_key}"}
    )
    assert r.status_code == 200, r.text
    return list(r.json()["decisions"])


def _setup(app: FastAPI, ws: NewWorkspace, now: datetime) -> None:
    """u1 pays at once in 30 s and answers 7 (easy); u2 fails, pays in 120 s, answers 5,
    then chats with support; u3 fails 3 times, pays in 60 s, answers 2, then chats and
    calls; u4 gave up 3 days ago; u5 failed an hour ago."""
    touchpoint_service.create(
        app.state.sessions,
        ws.id,
        TouchpointIn(**touchpoint_body(triggers=[{"event": "payment_succeeded"}])),
    )

    def e(i: str, user: str, type_: str, ago: timedelta, **props: Any) -> dict[str, Any]:
        return event_body(f"{ws.id[-4:]}-{i}", user, type_, ago=ago, now=now, properties=props)

    m = timedelta(minutes=1)
    events = [
        e("1", "u1", "payment_succeeded", 5 * H, duration_s=30),
        e("2a", "u2", "payment_failed", 6 * H),
        e("2b", "u2", "payment_succeeded", 6 * H - m, duration_s=120),
        e("2c", "u2", "chat_started", 2 * H, channel="chat", reason="paiement"),
        *[e(f"3{i}", "u3", "payment_failed", 8 * H - i * m) for i in range(3)],
        e("3z", "u3", "payment_succeeded", 7 * H, duration_s=60),
        e("3x", "u3", "chat_started", 3 * H, channel="chat"),
        e("3y", "u3", "call", 2 * H, channel="phone"),
        e("4", EVIL, "payment_failed", 72 * H),
        e("5", "u5", "payment_failed", H),
    ]
    decisions = _post(TestClient(app), ws, events)
    scores = {"u1": 7, "u2": 5, "u3": 2}
    for d, body in zip(decisions, events, strict=True):
        if d["invitation"] is not None:
            token = str(d["invitation"]["url"]).rsplit("/s/", 1)[1]
            score = scores[body["user"]["id"]]
            record_response(app.state.sessions, app.state.settings, token, score, None, now=now)


def test_the_index_covers_every_task_and_weighs_what_each_shows(
    app: FastAPI, workspace: NewWorkspace
) -> None:
    now = datetime.now(UTC)
    _setup(app, workspace, now)
    other = create_workspace(app.state.sessions, "Autre")
    _setup(app, other, now)
    # Another workspace's contact of the same customer id is never u1's recontact here.
    _post(TestClient(app), other, [event_body("o-9", "u1", "call", ago=H, now=now)])
    day = now.date()
    later = now + timedelta(days=8)  # the 7 days after every task are over
    with app.state.sessions() as s:
        row = s.get_one(Workspace, workspace.id)
    doc = attempts(app.state.sessions, row, "payer", day - timedelta(days=7), day, now=later)
    doc = doc["behaviour_index"]

    assert doc["weights"] == {"attempts": 0.35, "time": 0.2, "recontact": 0.35,
                              "channel_switch": 0.1}  # fmt: skip
    assert doc["median_time_s"] == 60.0 and doc["window_days"] == 7
    # u1 0; u2 (0.5·.35 + 1·.2 + 1·.35) = 72.5; u3 (.35 + .35 + .1) = 80;
    # u4 abandoned, untimed: .35 / .8 = 43.75; u5 in progress: only contacts known, 0.
    assert (doc["tasks"], doc["indexed"]) == (5, 5)
    assert doc["mean"] == pytest.approx((0 + 72.5 + 80 + 43.75 + 0) / 5)
    assert (doc["customers"], doc["answered_customers"]) == (5, 3)
    comps = {k: (v["n"], v["mean"]) for k, v in doc["components"].items()}
    assert comps["attempts"] == (4, pytest.approx(2.5 / 4))
    assert comps["time"] == (3, pytest.approx(1 / 3))
    assert comps["recontact"] == (5, pytest.approx(2 / 5))
    assert comps["channel_switch"] == (5, pytest.approx(1 / 5))
    assert doc["correlation"] == {"method": "spearman", "n": 3, "rho": None, "p_value": None,
                                  "min_pairs": 20, "too_few": True}  # fmt: skip

    # Today, the 7 days after the tasks are not over: no contact yet is not known yet.
    headers = {"Authorization": f"Bearer {workspace.api_key}"}
    api = TestClient(app).get("/v1/touchpoints/payer/attempts", headers=headers).json()
    early = api["behaviour_index"]
    assert early["components"]["recontact"] == {"n": 2, "mean": 1.0}
    assert early["components"]["channel_switch"] == {"n": 1, "mean": 1.0}
    # u5, in progress and without contact, shows nothing yet: not covered today.
    assert early["customers"] == 4 and early["answered_customers"] == 3

    # The page shows the same document in a card: weights, coverage, too few to correlate.
    login = logged_in(app, workspace.id, lang="fr")
    page = login.client.get("/app/touchpoints/payer?format=json").json()
    assert page["attempts"]["behaviour_index"] == early
    html = login.client.get("/app/touchpoints/payer").text
    card = html.split('id="behaviour-index"', 1)[1].split("</section>", 1)[0]
    assert "Indice d&#39;effort observé" in card  # escaped like every text
    assert all(fmt_percent("fr", w, 0) in card for w in (35, 20, 10))  # the weights
    assert "dont seulement 3 ont répondu au CES" in card
    assert "trop peu de tâches avec une réponse" in card and "au moins 20" in card
    assert "A contacté le support" in card and "A changé de canal" in card
    assert EVIL not in html  # the page names customers escaped only

    english = logged_in(app, workspace.id, lang="en").client.get("/app/touchpoints/payer").text
    card = english.split('id="behaviour-index"', 1)[1].split("</section>", 1)[0]
    assert "Behavioural effort index" in card and "of whom only 3 answered the CES" in card
    assert "Changed channel" in card and "(60 s)" in card  # the median time


def test_a_touchpoint_without_tasks_says_the_index_needs_them(
    app: FastAPI, workspace: NewWorkspace
) -> None:
    touchpoint_service.create(app.state.sessions, workspace.id, TouchpointIn(**touchpoint_body()))
    for lang, words in (("fr", "Aucune tâche sur cette période"), ("en", "No task in this")):
        html = logged_in(app, workspace.id, lang=lang).client.get("/app/touchpoints/payer").text
        card = html.split('id="behaviour-index"', 1)[1].split("</section>", 1)[0]
        assert 'id="index-empty"' in card and words in card
    headers = {"Authorization": f"Bearer {workspace.api_key}"}
    doc = TestClient(app).get("/v1/touchpoints/payer/attempts", headers=headers).json()
    bi = doc["behaviour_index"]
    assert (bi["tasks"], bi["indexed"], bi["mean"], bi["customers"]) == (0, 0, None, 0)
