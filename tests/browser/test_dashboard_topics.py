"""The emerging topics page in a real browser: a customer's script stays text, and making
the topic a tag says how many of its comments now carry it."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI

from fluide.services.tags import ensure_seeded
from fluide.services.workspaces import create_workspace
from fluide.settings import Settings
from tests.browser.conftest import NO_BROWSER, SKIP_REASON, screenshot
from tests.verbatims import answer, make_topic
from tests.web.conftest import PASSWORD, make_account
from tests.web.test_topics_page import DARK

pytestmark = pytest.mark.skipif(NO_BROWSER, reason=SKIP_REASON)


def test_make_a_topic_a_tag_in_the_browser(
    app: FastAPI, settings: Settings, live_url: str, page: Any
) -> None:
    f = app.state.sessions
    ws = create_workspace(f, "Boutique Démo")
    ensure_seeded(f, ws.id)
    topic_id = make_topic(f, ws.id, answer(f, settings, ws.id, [(3, t) for t in DARK]))
    _, email = make_account(app, ws.id, "analyst", lang="fr", name="Camille Martin")
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{live_url}/app/login?next=/app/topics")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_url}/app/topics")
    assert page.locator("nav a[aria-current=page]").inner_text() == "Sujets"
    # The script a customer typed is shown as text, and never runs.
    assert page.locator("p.comment", has_text='<script>alert("x")</script>').count() == 1
    assert page.locator("script").count() == 0 and page.locator("img").count() == 0

    screenshot(page, "dashboard-topics-open")
    card = page.locator(f"#topic-{topic_id}")
    card.locator("input[name=name]").fill("Thème sombre")
    card.locator("input[name=key]").fill("theme_sombre")
    card.get_by_role("button", name="En faire une étiquette").click()
    page.wait_for_selector("#accepted")
    assert "4 commentaires sur 4 portent désormais l'étiquette « Thème sombre »." in (
        page.locator("#accepted").inner_text()
    )
    row = page.locator(f"tr#topic-{topic_id}")
    assert "4 sur 4" in row.inner_text() and "Thème sombre" in row.inner_text()
    screenshot(page, "dashboard-topics")
    assert dialogs == [] and page.messages == []
