"""Dashboard pages show intervals a person can read (cut to the scale or to 0–100, "too few
answers" under five answers) while their JSON keeps the exact ones (both databases)."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI

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
    assert '<td class="num ci">too few answers</td>' in payer
    assert '<span class="muted">too few answers</span>' in payer  # the effort index's
    assert "4.50 too few answers, n = 2" in payer  # the sparkline's tooltip
    assert not re.search(r"-0\.57|-14\.56|126\.2", html)
    data = login.client.get("/app?format=json").json()
    metrics = {t["key"]: t["metrics"]["overall"] for t in data["touchpoints"]}
    assert metrics["payer"]["ci95"] == pytest.approx([-14.5593, 23.5593], abs=1e-4)
    assert metrics["activer"]["ci95"] == pytest.approx([-0.5706, 4.5706], abs=1e-4)
    assert metrics["activer"]["effort_index_ci95"][1] > 100


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
