"""From a friction to an action in headless Chromium: a CSM clicks "Create an action" on a
backlog row, finds the form prefilled, saves, marks the action delivered, and sees its
marker on the touchpoint's trend and on the overview's small chart, beside the marker of
a new question version. Screenshots are kept as artifacts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI

from fluide.api.schemas import TouchpointPatch
from fluide.services import actions as service
from fluide.services import touchpoints as touchpoint_service
from fluide.services.workspaces import create_workspace
from fluide.settings import Settings
from tests.browser.conftest import NO_BROWSER, SKIP_REASON
from tests.browser.conftest import screenshot as shot
from tests.web.conftest import PASSWORD, make_account
from tests.web.test_backlog import frictions

pytestmark = pytest.mark.skipif(NO_BROWSER, reason=SKIP_REASON)
SCRIPT = '<script>alert("x")</script>'


def screenshot(page: Any, name: str) -> None:
    shot(page, name, full_page=True)


def test_a_csm_creates_an_action_from_a_backlog_row_and_sees_it_on_the_trend(
    app: FastAPI, settings: Settings, live_url: str, page: Any
) -> None:
    f = app.state.sessions
    ws = create_workspace(f, "Boutique démo")
    frictions(f, settings, ws.id, at=datetime.now(UTC) - timedelta(days=1))
    question = {"fr": "Payer a été simple", "en": "Paying was simple"}
    touchpoint_service.update(f, ws.id, "payer", TouchpointPatch(question=question))
    _, email = make_account(app, ws.id, "analyst", name="Camille (CSM)")
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    page.goto(f"{live_url}/app/login?next=/app/frictions")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_url}/app/frictions")

    page.locator("#friction-payer-payment a.new-action").click()
    page.wait_for_url("**/app/actions/new?touchpoint=payer&tag=payment")
    form = page.locator("#new-action")
    assert form.locator("select[name=touchpoint]").input_value() == "payer"
    assert form.locator("select[name=tag]").input_value() == "payment"
    suggested = form.locator("input[name=title]").input_value()
    assert suggested == "Corriger « Paiement » (payer)"
    title = f"{suggested} {SCRIPT}"
    form.locator("input[name=title]").fill(title)
    form.locator("select[name=kind]").select_option("faq")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/app/actions/act_*?saved=created")
    assert page.locator("h1").inner_text() == title

    delivered = (datetime.now(UTC).date() - timedelta(days=10)).isoformat()
    page.locator("#deliver input[name=delivered_on]").fill(delivered)
    page.locator("#deliver button[type=submit]").click()
    page.wait_for_url("**/app/actions/act_*?saved=updated")
    assert page.locator("#status").inner_text() == "livrée"
    [made] = service.list_actions(f, ws.id)
    assert (made["touchpoint"], made["tag"], made["delivered_on"]) == (
        "payer",
        "payment",
        delivered,
    )

    page.locator(".facts a[href='/app/touchpoints/payer']").click()
    page.wait_for_url(f"{live_url}/app/touchpoints/payer")
    marker = page.locator("svg.trend a.marker.action")
    assert marker.count() == 1
    assert marker.get_attribute("href") == f"/app/actions/{made['id']}"
    assert title in (marker.get_attribute("aria-label") or "")
    assert (marker.locator("text").text_content() or "").startswith("Corriger « Paiement »")
    version = page.locator("svg.trend a.marker.question_version")
    assert version.count() == 1
    assert version.locator("text").text_content() == "question v2"
    assert page.locator("#markers-note").is_visible()
    screenshot(page, "friction-to-action-touchpoint")

    page.goto(f"{live_url}/app")
    spark = page.locator("#tp-payer svg.spark")
    assert spark.locator("a.marker.action").count() == 1
    assert title in (spark.locator("a.marker.action title").text_content() or "")
    assert spark.locator("a.marker.question_version").count() == 1
    # The friction's card now counts its action and links to it.
    card = page.locator("ol.frictions li", has_text="Paiement")
    assert card.locator("a.friction-actions").inner_text() == "1 action"
    card.locator("a.friction-actions").click()
    page.wait_for_url("**/app/actions?touchpoint=payer&tag=payment")
    assert page.locator("#delivered tbody tr").count() == 1

    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{live_url}/app")
    box = page.locator("#tp-payer svg.spark").bounding_box()
    assert box is not None and box["width"] >= 180
    screenshot(page, "friction-to-action-overview-375")
    assert dialogs == [] and page.messages == []
