"""The weekly report page in a real browser: log in through the form, open the report,
subscribe an address, download the PDF. A screenshot goes to ``out/test-artifacts`` on request."""

from __future__ import annotations

from typing import Any

import pypdfium2
import pytest
from fastapi import FastAPI

from fluide.domain.frictions import iso_week_start, previous_iso_week
from fluide.domain.periods import period_label
from fluide.services.workspaces import create_workspace
from fluide.settings import Settings
from fluide.storage.types import utcnow
from tests.browser.conftest import NO_BROWSER, SKIP_REASON, screenshot
from tests.web.conftest import PASSWORD, make_account
from tests.weekly_data import build

pytestmark = pytest.mark.skipif(NO_BROWSER, reason=SKIP_REASON)


def test_log_in_open_the_weekly_report_and_subscribe_someone(
    app: FastAPI, settings: Settings, live_url: str, page: Any
) -> None:
    ws = create_workspace(app.state.sessions, "Boutique Fluide")
    week = previous_iso_week(period_label(utcnow(), "Europe/Paris", "week"))
    build(app.state.sessions, settings, ws.id, week_of=iso_week_start(week), now=utcnow())
    _, email = make_account(app, ws.id, "admin", lang="fr", name="Nadia")

    page.goto(f"{live_url}/app/report")
    assert "/app/login" in page.url
    page.fill('input[name="email"]', email)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_url(f"{live_url}/app/report")
    assert page.inner_text("article.wr h1").startswith("Rapport hebdomadaire")
    assert f"Semaine {week[-2:]}" in page.inner_text(".wr-when")
    assert page.locator("article.wr svg").count() == 2
    assert page.locator(".wr-card").count() == 4
    # payment only: login's two comments are too few for the top 3.
    assert page.locator("ol.wr-frictions > li").count() == 1
    # The verbatim with markup is shown as text: no script element came from it.
    assert page.locator("article.wr script").count() == 0
    assert "<script>alert('x')</script>" in page.inner_text("ol.wr-frictions")

    page.fill('input[name="email"][type="email"]', "claire@example.com")
    page.select_option('select[name="lang"]', "en")
    page.click("text=Ajouter")
    page.wait_for_selector("p.notice")
    assert "claire@example.com" in page.inner_text(".report-subscribers table")

    with page.expect_download() as download:
        page.click("#pdf")
    path = download.value.path()
    assert download.value.suggested_filename == f"fluide-report-{week}.pdf"
    with open(path, "rb") as pdf:
        assert len(pypdfium2.PdfDocument(pdf.read())) == 1

    screenshot(page, "dashboard-report", full_page=True)
    # A download ends its navigation, which Chromium reports as aborted: not a problem.
    assert [m for m in page.messages if "report.pdf" not in m] == []
