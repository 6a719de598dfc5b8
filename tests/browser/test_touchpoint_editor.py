"""The touchpoint editor in headless Chromium: an admin creates a touchpoint, sees the
preview follow the typing, sends a test event and sees the invitation; an edit of the
wording shows the version warning before saving."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI

from fluide.services import touchpoints
from fluide.services.workspaces import create_workspace
from tests.browser.conftest import NO_BROWSER, SKIP_REASON, screenshot
from tests.web.conftest import PASSWORD, make_account

pytestmark = pytest.mark.skipif(NO_BROWSER, reason=SKIP_REASON)


def log_in(page: Any, live_url: str, email: str, path: str) -> None:
    page.goto(f"{live_url}/app/login?next={path}")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_url}{path}")


def settled(page: Any) -> None:
    """The preview shows the form as it is: no preview is waiting or loading."""
    page.locator("#preview-block:not([aria-busy])").wait_for()


def test_an_admin_creates_a_touchpoint_previews_it_and_sends_a_test_event(
    app: FastAPI, live_url: str, page: Any
) -> None:
    f = app.state.sessions
    ws = create_workspace(f, "Boutique démo")
    _, email = make_account(app, ws.id, "admin", name="Camille (admin)")
    log_in(page, live_url, email, "/app/admin")
    page.click("#new-touchpoint")
    page.wait_for_url(f"{live_url}/app/admin/touchpoints/new")

    form = page.locator("#touchpoint-form")
    form.locator("input[name=key]").fill("payer_facture")
    form.locator("input[name=task]").fill("payer la facture")
    form.locator("textarea[name=question_fr]").fill("J’ai pu payer ma facture facilement")
    form.locator("textarea[name=question_en]").fill("I could pay my invoice easily")
    form.locator("textarea[name=triggers]").fill("invoice_paid\ninvoice_payment_failed failure")
    form.locator("input[name='channel.email']").check()

    # The preview follows the typing: the server renders it, the page swaps it in.
    survey = page.frame_locator("#preview-survey")
    widget = page.frame_locator("#preview-widget")
    email_frame = page.frame_locator("#preview-email")
    survey.locator("legend", has_text="J’ai pu payer ma facture facilement").wait_for()
    widget.locator("fluide-widget h2.q", has_text="payer ma facture").wait_for()
    email_frame.locator("h1", has_text="J’ai pu payer ma facture facilement").wait_for()
    form.locator("textarea[name=question_fr]").fill("Payer ma facture a été simple")
    survey.locator("legend", has_text="Payer ma facture a été simple").wait_for()
    widget.locator("fluide-widget h2.q", has_text="Payer ma facture a été simple").wait_for()
    form.locator("select[name=preview_lang]").select_option("en")
    survey.locator("legend", has_text="I could pay my invoice easily").wait_for()
    form.locator("select[name=scale]").select_option("emoji-3")
    widget.locator("fluide-widget .face", has_text="🙂").wait_for()
    form.locator("select[name=scale]").select_option("1-7")
    survey.locator("input[name=score]").nth(6).wait_for()
    settled(page)
    screenshot(page, "touchpoint-editor-new")

    page.click("#save")
    page.wait_for_url("**/app/admin/touchpoints/payer_facture/edit?done=created")
    assert page.locator("#notice").is_visible()
    created = touchpoints.list_all(f(), ws.id)
    assert [t["key"] for t in created] == ["payer_facture"]

    test = page.locator("#test-form")
    test.locator("select[name=channel]").select_option("email")
    test.locator("select[name=lang]").select_option("fr")
    page.click("#send-test")
    page.wait_for_url("**/app/admin/touchpoints/payer_facture/test#test")
    assert "Invité" in page.locator("#test-decision").inner_text()
    page.frame_locator("#test-email").locator(
        "h1", has_text="Payer ma facture a été simple"
    ).wait_for()
    page.frame_locator("#test-survey").locator("legend").wait_for()
    screenshot(page, "touchpoint-editor-test")
    assert page.messages == []


def test_an_edit_of_the_wording_shows_the_version_warning_before_saving(
    app: FastAPI, live_url: str, page: Any
) -> None:
    f = app.state.sessions
    ws = create_workspace(f, "Boutique démo")
    _, email = make_account(app, ws.id, "admin", name="Camille (admin)")
    from tests.verbatims import ensure_touchpoint

    ensure_touchpoint(f, ws.id, "payer")
    log_in(page, live_url, email, "/app/touchpoints/payer")
    page.click("#edit-touchpoint")
    page.wait_for_url(f"{live_url}/app/admin/touchpoints/payer/edit")
    assert page.locator("#version-warning").count() == 0

    page.locator("textarea[name=question_fr]").fill("Payer a été facile")
    warning = page.locator("#version-warning")
    warning.wait_for()
    assert "version 2" in warning.inner_text()

    settled(page)
    asked: list[str] = []

    def answer(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.dismiss() if len(asked) == 1 else dialog.accept()

    page.on("dialog", answer)
    page.click("#save")
    page.wait_for_timeout(300)
    assert len(asked) == 1 and "version 2" in asked[0]
    assert page.url.endswith("/app/admin/touchpoints/payer/edit")  # dismissed: not saved
    with f() as s:
        assert touchpoints.get(s, ws.id, "payer")["version"]["number"] == 1

    page.click("#save")
    page.wait_for_url("**/app/admin/touchpoints/payer/edit?done=version")
    assert "2" in page.locator("#current-version").inner_text()
    with f() as s:
        assert touchpoints.get(s, ws.id, "payer")["question"]["fr"] == "Payer a été facile"
    assert page.messages == []
