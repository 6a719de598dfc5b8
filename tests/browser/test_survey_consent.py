"""The survey page in Chromium: the call-back consent kept as stored, "Add a comment"
after a one-click score, and the workspace's name, logo and colour."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from fluide.services.workspaces import create_workspace
from fluide.storage.models import Response
from tests.browser.conftest import NO_BROWSER, SKIP_REASON, screenshot
from tests.browser.test_survey_browser import bearer
from tests.service.conftest import event_body, touchpoint_body
from tests.service.test_survey_branding import png

pytestmark = pytest.mark.skipif(NO_BROWSER, reason=SKIP_REASON)


def branded_link(app: FastAPI, live_url: str, *, locale: str = "fr") -> str:
    """A survey link of a workspace with a sender name, a colour and a logo."""
    ws = create_workspace(app.state.sessions, "Boutique")
    auth = bearer(ws)
    with httpx.Client(base_url=live_url, headers=auth, timeout=30) as http:
        assert http.post("/v1/touchpoints", json=touchpoint_body()).status_code == 201
        patch = {"sender_name": "Boutique Durand", "brand_color": "#ffd400"}
        assert http.patch("/v1/workspace", json=patch).status_code == 200
        assert http.put("/v1/workspace/logo", content=png(8, 4)).status_code == 200
        body = event_body("evt-1", "u-42", "payment_failed", channel="email")
        body["user"]["locale"] = locale
        decision = http.post("/v1/events", json=body).json()
    assert decision["decision"] == "invited", decision
    return f"{live_url}/s/{decision['invitation']['url'].rsplit('/s/', 1)[1]}"


def consent(app: FastAPI) -> bool:
    with app.state.sessions() as s:
        [row] = s.execute(select(Response)).scalars()
        return (row.extra_answers or {}).get("_callback") is True


def test_the_consent_box_shows_what_was_stored_and_unticking_withdraws_it(
    page: Any, app: FastAPI, live_url: str
) -> None:
    link = branded_link(app, live_url)
    page.goto(link)
    box = page.get_by_label("J'accepte d'être recontacté·e à ce sujet")
    assert not box.is_checked()
    page.locator("label[for=score-2]").click()
    box.check()
    page.get_by_role("button", name="Envoyer ma réponse").click()
    page.wait_for_url("**?thanks=1")
    assert box.is_checked() and consent(app)
    page.goto(link)  # a later visit shows it too
    assert box.is_checked()
    box.uncheck()
    page.get_by_role("button", name="Modifier ma réponse").click()
    page.wait_for_url("**?thanks=1")
    assert not box.is_checked() and not consent(app)
    assert page.messages == []


def test_after_a_one_click_score_the_button_reads_add_a_comment(
    page: Any, app: FastAPI, live_url: str
) -> None:
    link = branded_link(app, live_url, locale="en")
    page.goto(f"{link}?score=6")
    page.wait_for_url("**?thanks=score")
    button = page.get_by_role("button", name="Add a comment")
    button.wait_for()
    page.fill("#comment", "Quick and clear")
    button.click()
    page.wait_for_url("**?thanks=1")
    with app.state.sessions() as s:
        [row] = s.execute(select(Response)).scalars()
        assert (row.score, row.comment) == (6, "Quick and clear")
    assert page.messages == []


def test_the_page_shows_the_name_logo_and_colour_readably(
    page: Any, app: FastAPI, live_url: str
) -> None:
    page.goto(branded_link(app, live_url))
    header = page.locator("header.brand")
    assert header.inner_text().strip() == "Boutique Durand"
    logo = page.locator("header.brand img.logo")
    logo.wait_for()
    assert page.evaluate("img => img.complete && img.naturalWidth", logo.element_handle()) == 8
    styles = page.evaluate(
        """() => {
        const css = el => getComputedStyle(el);
        const b = [...document.querySelectorAll('button')].pop();
        const h = document.querySelector('header.brand');
        return [css(h).backgroundColor, css(h).color, css(b).backgroundColor, css(b).color];
    }"""
    )
    yellow, black = "rgb(255, 212, 0)", "rgb(0, 0, 0)"
    assert styles == [yellow, black, yellow, black]
    screenshot(page, "survey-branded")
    assert page.messages == []
