"""The actions pages in headless Chromium: log in through the real form, log an action,
mark it delivered, read its before/after. Screenshots are kept as artifacts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI

from fluide.services import actions as service
from fluide.services.workspaces import create_workspace
from fluide.settings import Settings
from tests.browser.conftest import NO_BROWSER, SKIP_REASON
from tests.browser.conftest import screenshot as shot
from tests.verbatims import answer
from tests.web.conftest import PASSWORD, make_account

pytestmark = pytest.mark.skipif(NO_BROWSER, reason=SKIP_REASON)


def screenshot(page: Any, name: str) -> None:
    """The whole page: the before/after, its chart and the forms below the fold."""
    shot(page, name, full_page=True)


HARD = [2] * 20 + [3] * 8 + [6] * 2
EASY = [6] * 20 + [7] * 6 + [3] * 4


def test_log_an_action_mark_it_delivered_and_read_its_proof(
    app: FastAPI, settings: Settings, live_url: str, page: Any
) -> None:
    f = app.state.sessions
    ws = create_workspace(f, "Boutique démo")
    delivered = datetime.now(UTC).date() - timedelta(days=10)
    noon = datetime(delivered.year, delivered.month, delivered.day, 12, tzinfo=UTC)
    answer(f, settings, ws.id, [(s, None) for s in HARD], at=noon - timedelta(days=8))
    answer(f, settings, ws.id, [(s, None) for s in EASY], at=noon + timedelta(days=2))
    _, email = make_account(app, ws.id, "analyst", name="Camille (CSM)")

    page.goto(f"{live_url}/app/login?next=/app/actions")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_url}/app/actions")

    form = page.locator("#new-action")
    form.locator("select[name=touchpoint]").select_option("payer")
    form.locator("select[name=tag]").select_option("payment")
    form.locator("input[name=title]").fill("Dire pourquoi la carte est refusée")
    form.locator("select[name=kind]").select_option("ux_change")
    form.locator("input[name=owner]").fill("Léa (produit)")
    form.locator("input[name=due_on]").fill(delivered.isoformat())
    form.locator("textarea[name=notes]").fill("Message actuel : « Paiement impossible ».")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/app/actions/act_*?saved=created")
    assert page.locator("p.notice[role=status]").is_visible()
    assert page.locator("h1").inner_text() == "Dire pourquoi la carte est refusée"

    page.locator("#deliver input[name=delivered_on]").fill(delivered.isoformat())
    page.locator("#deliver button[type=submit]").click()
    page.wait_for_url("**/app/actions/act_*?saved=updated")
    assert page.locator("#status").inner_text() == "livrée"
    assert page.locator("#verdict").is_visible()
    assert "Amélioration" in page.locator("#verdict").inner_text()
    assert page.locator("svg.chart rect").count() == 2
    assert page.locator("#before .detail").first.inner_text().startswith("moyenne")
    screenshot(page, "dashboard-action")

    [logged] = service.list_actions(f, ws.id)
    ba = logged["before_after"]
    assert ba["improved"] is True and logged["delivered_on"] == delivered.isoformat()

    page.click("text=← Actions")
    page.wait_for_url(f"{live_url}/app/actions")
    row = page.locator("#delivered tbody tr").first
    assert "Dire pourquoi la carte est refusée" in row.inner_text()
    assert row.locator(".flag.good").is_visible()
    assert page.locator("#to-deliver").count() == 0
    screenshot(page, "dashboard-actions")
    assert page.messages == []
