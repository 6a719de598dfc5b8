"""Score links in a real browser: a person's click answers once; fetching the links does not.

A mail scanner fetches every link of a message and runs no script: the page
of a score link records nothing by itself. A person's browser runs the page's
one script, allowed by its hash in the CSP, which posts the score once; with
JavaScript off, the page's one button does it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from fluide.services.workspaces import NewWorkspace, create_workspace
from fluide.storage.models import Response
from tests.browser.conftest import NO_BROWSER, SKIP_REASON, TIMEOUT_MS, screenshot
from tests.service.conftest import event_body, touchpoint_body

pytestmark = pytest.mark.skipif(NO_BROWSER, reason=SKIP_REASON)


def invitation_link(app: FastAPI, live_url: str) -> str:
    """The survey link of a fresh invitation, on the live server."""
    ws = create_workspace(app.state.sessions, "Boutique")
    auth = bearer(ws)
    assert httpx.post(f"{live_url}/v1/touchpoints", headers=auth, json=touchpoint_body())
    body = event_body("evt-1", "u-42", "payment_failed", channel="email")
    decision = httpx.post(f"{live_url}/v1/events", headers=auth, json=body).json()
    assert decision["decision"] == "invited", decision
    return f"{live_url}/s/{decision['invitation']['url'].rsplit('/s/', 1)[1]}"


def bearer(ws: NewWorkspace) -> dict[str, str]:
    return {"Authorization": f"Bearer {ws.api_key}"}


def answers(app: FastAPI) -> list[tuple[int, str | None]]:
    with app.state.sessions() as s:
        return [(r.score, r.comment) for r in s.execute(select(Response)).scalars()]


@pytest.fixture
def no_script_page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="fr-FR", java_script_enabled=False)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_fetching_every_score_link_answers_nothing(app: FastAPI, live_url: str) -> None:
    link = invitation_link(app, live_url)
    with httpx.Client(timeout=30) as http:
        for point in range(1, 8):
            assert http.get(f"{link}?score={point}").status_code == 200
            assert http.head(f"{link}?score={point}").status_code in (200, 405)
    assert answers(app) == []


def test_a_click_on_a_score_link_answers_once_then_the_customer_changes_it(
    page: Any, app: FastAPI, live_url: str
) -> None:
    link = invitation_link(app, live_url)
    page.goto(f"{link}?score=6")
    page.wait_for_url("**?thanks=score")
    page.get_by_text("Votre note est enregistrée").wait_for()
    assert page.locator("#score-6").is_checked()
    assert answers(app) == [(6, None)]
    screenshot(page, "survey-score-link-recorded")
    # The customer changes their mind and says why, on the same page.
    page.locator("label[for=score-3]").click()
    page.fill("#comment", "La carte a été refusée deux fois")
    page.get_by_role("button", name="Ajouter un commentaire").click()
    page.wait_for_url("**?thanks=1")
    assert answers(app) == [(3, "La carte a été refusée deux fois")]
    # Opening the e-mail's link again, or going back to it: the answer stays as changed.
    page.goto(f"{link}?score=6")
    page.get_by_text("Changer ma réponse pour 6").wait_for()
    page.go_back()
    page.go_back()
    time.sleep(0.5)
    assert answers(app) == [(3, "La carte a été refusée deux fois")]
    assert page.messages == []  # no script blocked by the CSP, no failed request


def test_without_javascript_the_one_button_answers(
    no_script_page: Any, app: FastAPI, live_url: str
) -> None:
    link = invitation_link(app, live_url)
    no_script_page.goto(f"{link}?score=2")
    assert no_script_page.locator("#score-2").is_checked()
    time.sleep(0.5)
    assert answers(app) == []  # the page alone records nothing
    screenshot(no_script_page, "survey-score-link-no-script")
    no_script_page.get_by_role("button", name="Enregistrer ma réponse").click()
    no_script_page.wait_for_url("**?thanks=score")
    assert answers(app) == [(2, None)]
    no_script_page.fill("#comment", "Trop d'étapes")
    no_script_page.get_by_role("button", name="Ajouter un commentaire").click()
    no_script_page.wait_for_url("**?thanks=1")
    assert answers(app) == [(2, "Trop d'étapes")]
