"""The follow-ups page in headless Chromium: an agent logs in through the real form, sees
their own follow-ups (the overdue one standing out), and closes one with an outcome."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI

from fluide.services import follow_ups as service
from fluide.services.workspaces import create_workspace
from fluide.settings import Settings
from tests.browser.conftest import NO_BROWSER, SKIP_REASON
from tests.browser.conftest import screenshot as shot
from tests.services.test_follow_ups import respond
from tests.web.conftest import PASSWORD, make_account

pytestmark = pytest.mark.skipif(NO_BROWSER, reason=SKIP_REASON)


def screenshot(page: Any, name: str) -> None:
    shot(page, name, full_page=True)


def test_an_agent_logs_in_sees_their_follow_ups_and_closes_one_with_an_outcome(
    app: FastAPI, settings: Settings, live_url: str, page: Any
) -> None:
    f = app.state.sessions
    ws = create_workspace(f, "Boutique démo")
    now = datetime.now(UTC)
    _, email = make_account(app, ws.id, "agent", agent_id="a-lea", name="Léa (support)")
    make_account(app, ws.id, "agent", agent_id="a-tom", name="Tom (support)")
    respond(
        app,
        settings,
        ws.id,
        2,
        "Le code SMS n'arrive jamais, j'ai dû appeler <b>trois</b> fois.",
        agent="a-lea",
        at=now - timedelta(days=3),
        user="client-0042",
    )
    respond(app, settings, ws.id, 1, None, agent="a-lea", callback=True, at=now, user="client-0077")
    respond(app, settings, ws.id, 1, "Pas le client de Léa", agent="a-tom", at=now)

    page.goto(f"{live_url}/app/login?next=/app/follow-ups")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_url}/app/follow-ups")

    rows = page.locator("#follow-ups tbody tr")
    assert rows.count() == 2
    assert "Pas le client de Léa" not in page.content()
    late = rows.first
    assert "overdue" in (late.get_attribute("class") or "")
    assert "en retard de" in late.locator(".flag.bad").inner_text()
    assert "<b>trois</b>" in late.locator(".comment").inner_text()  # shown as text, not bold
    assert page.locator("#count-overdue").inner_text() == "1"
    assert "Rappel demandé" in rows.nth(1).inner_text()

    late.locator("summary", has_text="Clôturer").click()
    form = late.locator("form.stack").first
    form.locator("select[name=outcome]").select_option("resolved")
    form.locator("textarea[name=note]").fill("Rappelée : le numéro était mal saisi, corrigé.")
    screenshot(page, "dashboard-follow-ups")
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"{live_url}/app/follow-ups#fu-*")
    assert page.locator("#follow-ups tbody tr").count() == 1
    assert page.locator("#count-closed").inner_text() == "1"

    [closed] = service.list_follow_ups(f, ws.id, status="closed")
    assert (closed["outcome"], closed["note"], closed["customer"]) == (
        "resolved",
        "Rappelée : le numéro était mal saisi, corrigé.",
        "client-0042",
    )
    page.goto(f"{live_url}/app/follow-ups?status=closed")
    assert "Problème résolu" in page.locator("#follow-ups").inner_text()
    assert page.messages == []


def test_an_analyst_assigns_an_unassigned_follow_up_to_an_agent(
    app: FastAPI, settings: Settings, live_url: str, page: Any
) -> None:
    f = app.state.sessions
    ws = create_workspace(f, "Boutique démo")
    now = datetime.now(UTC)
    _, email = make_account(app, ws.id, "analyst", name="Camille (CSM)")
    make_account(app, ws.id, "agent", agent_id="a-tom", name="Tom (support)")
    respond(app, settings, ws.id, 1, "Personne ne m'a répondu au chat", at=now - timedelta(days=4))
    respond(app, settings, ws.id, 2, "Trop d'étapes pour payer", agent="a-tom", at=now)

    page.goto(f"{live_url}/app/login?next=/app/follow-ups")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_url}/app/follow-ups")

    unassigned = page.locator("#follow-ups tbody tr").first
    assert "Non attribué" in unassigned.inner_text()
    unassigned.locator("select[name=assignee_id]").select_option(label="Tom (support) (agent)")
    unassigned.locator("button", has_text="Attribuer").click()
    page.wait_for_url(f"{live_url}/app/follow-ups#fu-*")
    screenshot(page, "dashboard-follow-ups-analyst")
    assignees = {r["comment"]: r["assignee"] for r in service.list_follow_ups(f, ws.id)}
    assert assignees == {
        "Personne ne m'a répondu au chat": "Tom (support)",
        "Trop d'étapes pour payer": "Tom (support)",
    }
    assert page.messages == []
