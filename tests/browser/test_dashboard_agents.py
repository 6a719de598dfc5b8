"""The agents pages in a real browser: an analyst ranks the team, an agent sees their own page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI

from fluide.services.workspaces import create_workspace
from fluide.settings import Settings
from tests.browser.conftest import NO_BROWSER, SKIP_REASON
from tests.browser.conftest import screenshot as shot
from tests.services.test_agents import record, team
from tests.web.conftest import PASSWORD, make_account

pytestmark = pytest.mark.skipif(NO_BROWSER, reason=SKIP_REASON)

NAMES = {
    "steady": "Sofia Martin",
    "lucky": "Léo Bernard",
    "amel": "Amel Roux",
    "bruno": "Bruno Petit",
    "chloe": "Chloé Dubois",
    "david": "David Moreau",
}


def screenshot(page: Any, name: str) -> None:
    shot(page, name, full_page=True)


def log_in(page: Any, live_url: str, email: str) -> None:
    """Through the real form, as a person would."""
    page.goto(f"{live_url}/app/login?next=/app/agents")
    page.fill('input[name="email"]', email)
    page.fill('input[name="password"]', PASSWORD)
    page.click('form.stack button[type="submit"]')
    page.wait_for_load_state()


def test_analyst_ranks_the_team_then_an_agent_sees_only_their_own_page(
    app: FastAPI, settings: Settings, live_url: str, page: Any
) -> None:
    f = app.state.sessions
    ws = create_workspace(f, "Boutique")
    team(f, settings, ws.id)
    record(
        f,
        settings,
        ws.id,
        "steady",
        [
            (7, "Sofia a tout réglé en un appel, merci !"),
            (6, "Réponse rapide et claire."),
            (2, "J'ai dû rappeler deux fois avant d'avoir le bon service."),
        ],
    )
    for weeks in range(1, 9):  # a few weeks of history for the trend
        scores = [7, 6, 6, 5, 7] if weeks % 2 else [7, 7, 6, 6, 4]
        at = datetime.now(UTC) - timedelta(weeks=weeks)
        record(f, settings, ws.id, "steady", scores, at=at)
    for agent, name in NAMES.items():
        _, email = make_account(app, ws.id, "agent", agent_id=agent, name=name)
        if agent == "steady":
            agent_email = email
    _, analyst = make_account(app, ws.id, "analyst", name="Claire Martin")

    log_in(page, live_url, analyst)
    assert page.url.endswith("/app/agents")
    rows = page.locator("table tbody tr")
    assert rows.count() == 6
    first = rows.nth(0).locator("td a").inner_text()
    second = rows.nth(1).locator("td a").inner_text()
    assert (first, second) == ("Sofia Martin", "Léo Bernard")
    assert page.locator("svg.chart.dots g.agent").count() == 6
    assert page.get_by_text("Pourquoi le classement ne suit pas les chiffres bruts").is_visible()
    page.select_option('select[name="touchpoint"]', "support")
    page.click('form.filters button[type="submit"]')
    page.wait_for_load_state()
    assert "touchpoint=support" in page.url and rows.count() == 6
    screenshot(page, "dashboard-agents")
    page.click("#logout")
    page.wait_for_load_state()

    log_in(page, live_url, agent_email)
    assert page.url.endswith("/app/agents/steady")
    assert page.locator("h1").inner_text().startswith("Sofia Martin")
    assert page.get_by_text("Sofia a tout réglé en un appel, merci !").is_visible()
    assert page.get_by_text("J'ai dû rappeler deux fois").is_visible()
    assert page.locator("svg.chart.trend").count() == 1
    body = page.locator("main").inner_text()
    assert all(name not in body for key, name in NAMES.items() if key != "steady")
    screenshot(page, "dashboard-agent")
    refused = page.goto(f"{live_url}/app/agents/lucky")
    assert refused is not None and refused.status == 403
    problems = [p for p in page.messages if "/app/agents/lucky" not in p]
    assert problems == []
