"""The Overview page (``/app``): every active touchpoint's figures and the week's frictions.

Figures are checked against ``GET /v1/metrics`` over the same window: the page,
its JSON and the API are one computation.
"""

from __future__ import annotations

import doctest
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fluide.api.schemas import EventIn, TouchpointPatch
from fluide.i18n import fmt_int, fmt_number, fmt_percent
from fluide.render import spark
from fluide.services import dashboard
from fluide.services import touchpoints as touchpoint_service
from fluide.services.dashboard import parse_weeks, window
from fluide.services.errors import ServiceError
from fluide.services.events import record_events
from fluide.services.responses import record_response
from fluide.services.tags import ensure_seeded
from fluide.services.workspaces import NewWorkspace, create_workspace
from fluide.storage import verbatim_queue as queue_store
from fluide.storage.db import write_session
from tests.verbatims import answer, ensure_touchpoint, workspace_row
from tests.web.conftest import logged_in

_people = itertools.count()


@dataclass(frozen=True)
class Answer:
    """One customer's answer, with what the host said about the action."""

    score: int
    comment: str | None = None
    outcome: str | None = None  # "failure": the payment failed
    agent: str | None = None
    since: str | None = None  # customer_since
    channel: str = "link"
    answered: bool = True


def record(
    app: FastAPI,
    ws_id: str,
    answers: Sequence[Answer],
    *,
    touchpoint: str = "payer",
    at: datetime | None = None,
) -> list[str]:
    """Each answer through the real services (event, invitation, answer); the answers' ids."""
    factory, settings = app.state.sessions, app.state.settings
    ensure_touchpoint(factory, ws_id, touchpoint)
    ws = workspace_row(factory, ws_id)
    start = at or datetime.now(UTC) - timedelta(seconds=len(answers) + 5)
    ids = []
    for i, a in enumerate(answers):
        moment = start + timedelta(seconds=i)
        user = f"p-{next(_people)}-{ws_id[-6:]}"
        failed = a.outcome == "failure"
        kind = {"payer": "payment_failed" if failed else "payment_succeeded"}.get(
            touchpoint, f"{touchpoint}_done"
        )
        event = EventIn(
            id=f"evt-{user}",
            type=kind,
            occurred_at=moment - timedelta(minutes=2),
            user={  # type: ignore[arg-type]
                "id": user,
                "locale": "fr",
                "attributes": {"customer_since": a.since} if a.since else {},
            },
            channel=a.channel,  # type: ignore[arg-type]
            properties={"agent_id": a.agent} if a.agent else {},
        )
        decision = record_events(factory, ws, [event], settings, now=moment - timedelta(minutes=1))
        invitation = decision[0]["invitation"]
        assert invitation is not None, decision
        if a.answered:
            token = str(invitation["url"]).rsplit("/s/", 1)[1]
            ids.append(
                str(record_response(factory, settings, token, a.score, a.comment, now=moment)["id"])
            )
    return ids


def tag_as(app: FastAPI, ws_id: str, tags: dict[str, list[tuple[str, str, float]]]) -> None:
    """Store the worker's result for these verbatims: these tags ``(key, source, confidence)``."""
    factory = app.state.sessions
    version = ensure_seeded(factory, ws_id)
    with factory() as s:
        pending = {p.response_id: p for p in queue_store.pending(s, 1000, ws_id)}
    vector = np.zeros(384, dtype=np.float32).tobytes()
    results = [
        queue_store.Tagged(
            rid, pending[rid].revision, vector, max((c for _, _, c in t), default=0), t
        )
        for rid, t in tags.items()
    ]
    with write_session(factory) as s:
        queue_store.store_tags(s, ws_id, version, results)


def api_get(app: FastAPI, workspace: NewWorkspace, path: str, **params: Any) -> Any:
    """The public API's answer, with the workspace's key."""
    r = TestClient(app).get(
        path, params=params, headers={"Authorization": f"Bearer {workspace.api_key}"}
    )
    assert r.status_code == 200, r.text
    return r.json()


def api_metrics(
    app: FastAPI, workspace: NewWorkspace, key: str, period: dict[str, Any], **params: Any
) -> Any:
    """``GET /v1/metrics`` of touchpoint ``key`` over a page's period."""
    window = {"touchpoint": key, "from": period["from"], "to": period["to"]}
    return api_get(app, workspace, "/v1/metrics", **window, **params)


def row_of(data: dict[str, Any], key: str) -> dict[str, Any]:
    return next(t for t in data["touchpoints"] if t["key"] == key)


# --- The window ----------------------------------------------------------------------------


def test_the_window_is_whole_iso_weeks_up_to_today_in_the_workspaces_zone() -> None:
    # Sunday 23:30 UTC is already Monday in Paris: a new ISO week (and year) there.
    moment = datetime(2027, 1, 3, 23, 30, tzinfo=UTC)
    paris = window("Europe/Paris", 2, moment)
    assert (paris.start, paris.end) == (date(2026, 12, 28), date(2027, 1, 4))
    assert paris.labels == ("2026-W53", "2027-W01")
    assert window("UTC", 2, moment).labels == ("2026-W52", "2026-W53")
    assert len(window("Europe/Paris", 52, moment).labels) == 52


def test_weeks_must_be_a_whole_number_from_1_to_52() -> None:
    assert [parse_weeks(x) for x in (None, "", "1", "52")] == [12, 12, 1, 52]
    for bad in ("0", "53", "-3", "4.0", "douze"):
        with pytest.raises(ServiceError) as caught:
            parse_weeks(bad)
        assert caught.value.details[0]["field"] == "weeks"


def test_doctests_of_the_overview_and_its_sparkline() -> None:
    assert doctest.testmod(dashboard).failed == 0
    assert doctest.testmod(spark).failed == 0


# --- Figures -------------------------------------------------------------------------------


def test_overview_figures_are_those_of_the_metrics_api(
    app: FastAPI, workspace: NewWorkspace
) -> None:
    now = datetime.now(UTC)
    record(
        app, workspace.id, [Answer(s) for s in (7, 6, 6, 5, 2, 7, 4)], at=now - timedelta(weeks=3)
    )
    record(app, workspace.id, [Answer(s) for s in (3, 5, 6, 7)] + [Answer(1, answered=False)])
    login = logged_in(app, workspace.id, "analyst", lang="fr")

    data = login.client.get("/app?format=json").json()
    api = api_metrics(app, workspace, "payer", data["period"])

    mine = row_of(data, "payer")["metrics"]
    for part in ("overall", "weekly", "scale", "metric", "warnings"):
        assert mine[part] == api[part], part
    assert mine["overall"]["n"] == 11
    assert mine["overall"]["response_rate"]["invited"] == 12
    assert data["period"]["weeks"] == 12 and len(data["period"]["week_labels"]) == 12

    html = login.client.get("/app").text
    overall = api["overall"]
    assert fmt_number("fr", overall["mean"], 2) in html
    assert fmt_number("fr", overall["effort_index"], 1) in html
    assert fmt_percent("fr", 100 * overall["response_rate"]["rate"], 0) in html
    assert f">{fmt_int('fr', 11)}<" in html
    assert 'href="/app/touchpoints/payer"' in html


def test_weekly_trend_is_drawn_with_its_interval_band(
    app: FastAPI, workspace: NewWorkspace
) -> None:
    now = datetime.now(UTC)
    for weeks_ago in (2, 1, 0):
        scores = [7, 6, 5, 6, 4, 7, 6, 5] * 4
        record(app, workspace.id, [Answer(s) for s in scores], at=now - timedelta(weeks=weeks_ago))
    login = logged_in(app, workspace.id)
    html = login.client.get("/app").text
    spark = html.split('class="chart spark"', 1)[1].split("</svg>", 1)[0]
    assert 'class="band"' in spark and "<polyline" in spark
    assert spark.count('class="pt"') == 3
    assert spark.count('class="gap"') == 9  # the other weeks of the 12 had no answers


def test_small_samples_and_pooled_weeks_are_flagged(app: FastAPI, workspace: NewWorkspace) -> None:
    now = datetime.now(UTC)
    record(app, workspace.id, [Answer(6)] * 3, at=now - timedelta(weeks=1))
    record(app, workspace.id, [Answer(2)] * 2)
    login = logged_in(app, workspace.id, lang="en")
    data = login.client.get("/app?format=json").json()
    flags = row_of(data, "payer")["flags"]
    assert flags["small_sample"] is True and flags["pooled_weeks"] == 1
    html = login.client.get("/app").text
    assert "small sample" in html and "thin weeks pooled: 1" in html


def test_only_active_touchpoints_of_the_users_workspace_are_listed(
    app: FastAPI, workspace: NewWorkspace
) -> None:
    factory = app.state.sessions
    record(app, workspace.id, [Answer(6)])
    ensure_touchpoint(factory, workspace.id, "livrer")
    ensure_touchpoint(factory, workspace.id, "ancien")
    touchpoint_service.update(factory, workspace.id, "ancien", TouchpointPatch(active=False))
    other = create_workspace(factory, "Concurrent")
    ensure_touchpoint(factory, other.id, "espion")

    data = logged_in(app, workspace.id).client.get("/app?format=json").json()
    assert [t["key"] for t in data["touchpoints"]] == ["payer", "livrer"]
    empty = row_of(data, "livrer")["metrics"]["overall"]
    assert empty["n"] == 0 and empty["mean"] is None


def test_different_scales_in_the_window_are_shown_on_the_effort_index(
    app: FastAPI, workspace: NewWorkspace
) -> None:
    factory = app.state.sessions
    record(app, workspace.id, [Answer(s) for s in (7, 6, 2)])
    touchpoint_service.update(factory, workspace.id, "payer", TouchpointPatch(scale="1-5"))
    record(app, workspace.id, [Answer(s) for s in (5, 4, 1)])
    login = logged_in(app, workspace.id, lang="en")
    data = login.client.get("/app?format=json").json()
    row = row_of(data, "payer")
    assert row["flags"]["scales_not_pooled"] is True
    assert row["metrics"]["metric"] == "effort_index" and row["metrics"]["overall"]["n"] == 6
    assert "different scales: effort index only" in login.client.get("/app").text


# --- Frictions -----------------------------------------------------------------------------


def test_top_frictions_show_the_tag_name_in_the_users_language(
    app: FastAPI, workspace: NewWorkspace
) -> None:
    factory, settings = app.state.sessions, app.state.settings
    hard = answer(factory, settings, workspace.id, [(2, f"Paiement refusé {i}") for i in range(4)])
    answer(factory, settings, workspace.id, [(7, None)] * 4)
    tag_as(app, workspace.id, {rid: [("payment", "model", 0.9)] for rid in hard})

    fr = logged_in(app, workspace.id, lang="fr").client
    en = logged_in(app, workspace.id, lang="en").client
    data = en.get("/app?format=json").json()
    top = data["frictions"]["items"]
    assert [f["tag"] for f in top] == ["payment"] and top[0]["name"] == "Payment"
    assert top[0]["volume"] == 4 and top[0]["change"] is None
    api = api_get(app, workspace, "/v1/frictions")
    assert data["frictions"]["week"] == api["week"]
    assert [(f["volume"], f["effort_gap"]) for f in top] == [
        (f["volume"], f["effort_gap"]) for f in api["frictions"]
    ]
    html_fr, html_en = fr.get("/app").text, en.get("/app").text
    assert "1. Paiement" in html_fr and "Paiement refusé 3" in html_fr
    assert "1. Payment" in html_en
    assert fmt_number("en", top[0]["effort_gap"], 1) in html_en


def test_a_script_in_a_comment_stays_text(app: FastAPI, workspace: NewWorkspace) -> None:
    factory, settings = app.state.sessions, app.state.settings
    evil = "<script>alert('x')</script> paiement bloqué"
    hard = answer(factory, settings, workspace.id, [(1, evil)] * 3)  # a top needs 3
    answer(factory, settings, workspace.id, [(7, None)] * 2)
    tag_as(app, workspace.id, {rid: [("payment", "rule", 0.7)] for rid in hard})
    html = logged_in(app, workspace.id).client.get("/app").text
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; paiement bloqué" in html


# --- Access, language, bad input -----------------------------------------------------------


def test_agents_are_sent_to_their_follow_ups_not_the_overview(
    app: FastAPI, workspace: NewWorkspace
) -> None:
    agent = logged_in(app, workspace.id, "agent", agent_id="a-1")
    r = agent.client.get("/app", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/app/follow-ups"
    assert agent.client.get("/app?format=json").json()["error"]["code"] == "forbidden"
    assert logged_in(app, workspace.id, "admin").client.get("/app").status_code == 200


def test_headings_follow_the_accounts_language(app: FastAPI, workspace: NewWorkspace) -> None:
    record(app, workspace.id, [Answer(6)])
    en = logged_in(app, workspace.id, lang="en").client.get("/app").text
    fr = logged_in(app, workspace.id, lang="fr").client.get("/app").text
    assert '<html lang="en">' in en and "Top frictions of the week" in en and "Touchpoints" in en
    assert "Last 12 weeks" in en
    assert '<html lang="fr">' in fr and "Top frictions of the week" not in fr
    assert "Points de contact" in fr and "12 dernières semaines" in fr


def test_a_bad_weeks_value_is_refused_naming_the_parameter(
    app: FastAPI, workspace: NewWorkspace
) -> None:
    client = logged_in(app, workspace.id, lang="en").client
    for bad in ("0", "53", "douze", "1.5"):
        r = client.get(f"/app?weeks={bad}")
        assert r.status_code == 422, bad
        assert "weeks must be a whole number of weeks from 1 to 52" in r.text
    error = client.get("/app?weeks=99&format=json").json()["error"]
    assert error["code"] == "invalid" and "weeks" in error["message"]
    assert client.get("/app?weeks=4&format=json").json()["period"]["weeks"] == 4


def test_a_workspace_without_touchpoints_gets_a_helpful_page(
    app: FastAPI, workspace: NewWorkspace
) -> None:
    client = logged_in(app, workspace.id, lang="en").client
    r = client.get("/app")
    assert r.status_code == 200 and "No active touchpoint yet" in r.text
    assert "No friction this week" in r.text
    data = client.get("/app?format=json").json()
    assert data["touchpoints"] == [] and data["frictions"]["items"] == []
