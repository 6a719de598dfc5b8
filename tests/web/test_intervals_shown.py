"""Dashboard pages show intervals a person can read (cut to the scale or to 0–100, "too few
answers" under five answers) while their JSON keeps the exact ones (both databases)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI

from fluide.services.actions import create_action
from fluide.services.workspaces import NewWorkspace
from fluide.settings import Settings
from tests.services.test_agents import record
from tests.verbatims import answer
from tests.web.conftest import logged_in

THIN = [3, 6]
"""Mean 4.5 on 1–7, interval [-14.56, 23.56]."""
LOW = [1, 1, 1, 1, 1, 7]
"""Mean 2 on 1–7, interval [-0.57, 4.57]; effort index 83.3, interval [40.5, 126.2]."""


def row(html: str, marker: str) -> str:
    """The table row holding ``marker``."""
    start = html.rindex("<tr", 0, html.index(marker))
    return html[start : html.index("</tr>", start)]


def test_overview_cuts_a_mean_interval_to_the_scale_and_hides_a_thin_one(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    f = app.state.sessions
    answer(f, settings, workspace.id, [(s, None) for s in THIN])
    answer(f, settings, workspace.id, [(s, None) for s in LOW], touchpoint="activer")
    login = logged_in(app, workspace.id, "analyst", lang="en")
    html = login.client.get("/app").text
    assert "[1.00, 4.57]" in row(html, 'id="tp-activer"')
    assert "[40.5, 100.0]" in row(html, 'id="tp-activer"')
    payer = row(html, 'id="tp-payer"')
    assert re.search(r'<td class="num ci"[^>]*>too few answers</td>', payer)
    assert '<span class="muted">too few answers</span>' in payer  # the effort index's
    assert "4.50 too few answers, n = 2" in payer  # the sparkline's tooltip
    assert not re.search(r"-0\.57|-14\.56|126\.2", html)
    data = login.client.get("/app?format=json").json()
    metrics = {t["key"]: t["metrics"]["overall"] for t in data["touchpoints"]}
    assert metrics["payer"]["ci95"] == pytest.approx([-14.5593, 23.5593], abs=1e-4)
    assert metrics["activer"]["ci95"] == pytest.approx([-0.5706, 4.5706], abs=1e-4)
    assert metrics["activer"]["effort_index_ci95"][1] > 100
    touchpoint = login.client.get("/app/touchpoints/activer").text
    assert "[1.00, 4.57]" in touchpoint and "[40.5, 100.0]" in touchpoint
    assert "too few answers" in login.client.get("/app/touchpoints/payer").text
    assert "-0.57" not in touchpoint and "126.2" not in touchpoint


def test_agents_page_shows_no_interval_past_the_scale(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    f = app.state.sessions
    record(f, settings, workspace.id, "thin", THIN)
    record(f, settings, workspace.id, "low", LOW)
    record(f, settings, workspace.id, "steady", [6, 5, 6, 7, 6, 5, 6, 6, 7, 5])
    login = logged_in(app, workspace.id, "analyst", lang="fr")
    html = login.client.get("/app/agents").text
    low = row(html, 'href="/app/agents/low"')
    assert "[1,00 ; 4,57]" in low and "[40,5 ; 100,0]" in low
    thin = row(html, 'href="/app/agents/thin"')
    assert thin.count("trop peu de réponses") == 3  # mean, effort index, shrunk estimate
    assert "14,56" not in html and "0,57" not in html and "126,2" not in html
    data = login.client.get("/app/agents?format=json").json()
    raw = {a["agent_id"]: a for a in data["agents"]}
    assert raw["thin"]["ci"] == pytest.approx([-14.5593, 23.5593], abs=1e-4)
    assert raw["low"]["ci"] == pytest.approx([-0.5706, 4.5706], abs=1e-4)
    page = login.client.get("/app/agents/low").text
    assert "[1,00 ; 4,57]" in page and "0,57" not in page


def test_an_actions_before_after_shows_readable_intervals(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    f = app.state.sessions
    delivered = datetime.now(UTC).date() - timedelta(days=10)
    noon = datetime(delivered.year, delivered.month, delivered.day, 12, tzinfo=UTC)
    answer(f, settings, workspace.id, [(s, None) for s in THIN], at=noon - timedelta(days=8))
    answer(f, settings, workspace.id, [(s, None) for s in LOW], at=noon + timedelta(days=2))
    made = create_action(
        f,
        workspace.id,
        touchpoint="payer",
        title="Message clair",
        kind="ux_change",
        status="delivered",
        delivered_on=delivered,
    )
    login = logged_in(app, workspace.id, "analyst", lang="fr")
    page = login.client.get(f"/app/actions/{made['id']}").text
    cards = {
        side: page.split(f'id="{side}"', 1)[1].split('<div class="card"', 1)[0]
        for side in ("before", "after", "difference")
    }
    assert "trop peu de réponses" in cards["before"]  # 2 answers
    assert "[1,00 ; 4,57]" in cards["after"]  # 6 answers, cut at the scale's 1
    assert "trop peu de réponses" in cards["difference"]  # as good as its thinner side
    assert "14,56" not in page and "0,57" not in page
    listing = login.client.get("/app/actions").text.split('id="delivered"')[1]
    assert '<span class="muted">trop peu de réponses</span>' in listing
    ba = login.client.get(f"/app/actions/{made['id']}?format=json").json()["before_after"]
    assert ba["before"]["ci"] == pytest.approx([-14.5593, 23.5593], abs=1e-4)
    assert ba["after"]["ci"] == pytest.approx([-0.5706, 4.5706], abs=1e-4)
    assert ba["difference"]["ci"] is not None
