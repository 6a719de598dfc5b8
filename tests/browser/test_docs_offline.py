"""``/docs`` and ``/redoc`` render in Chromium with the network cut: every asset comes
from Fluide itself; and every page links the favicon Fluide serves."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.browser.conftest import NO_BROWSER, SKIP_REASON, TIMEOUT_MS, screenshot

pytestmark = pytest.mark.skipif(NO_BROWSER, reason=SKIP_REASON)


@pytest.fixture
def offline(browser: Any) -> Iterator[tuple[Any, list[str]]]:
    """A tab whose every request off loopback is aborted, and the list of those requests."""
    context = browser.new_context(locale="en-GB")
    context.set_default_timeout(TIMEOUT_MS)
    left: list[str] = []

    def route(r: Any) -> None:
        url = urlsplit(r.request.url)
        if url.scheme in ("blob", "data") or url.hostname in ("127.0.0.1", "localhost"):
            r.continue_()
        else:
            left.append(r.request.url)
            r.abort("internetdisconnected")

    context.route("**/*", route)
    try:
        yield context.new_page(), left
    finally:
        context.close()


def test_swagger_ui_lists_the_operations_with_the_network_cut(
    offline: tuple[Any, list[str]], live_url: str
) -> None:
    page, left = offline
    page.goto(f"{live_url}/docs")
    page.locator('.opblock-summary-path[data-path="/v1/events"]').first.wait_for()
    assert page.locator(".opblock").count() > 20
    screenshot(page, "docs-offline")
    assert left == []


def test_redoc_renders_with_the_network_cut(offline: tuple[Any, list[str]], live_url: str) -> None:
    page, left = offline
    page.goto(f"{live_url}/redoc")
    page.locator("h1", has_text="Fluide").wait_for()
    page.get_by_text("/v1/events").first.wait_for(state="attached")
    assert page.locator("h2").count() > 20  # one per operation
    screenshot(page, "redoc-offline")
    assert left == []


def test_the_favicon_is_served_and_linked_from_the_survey_and_dashboard_pages(
    live_url: str,
) -> None:
    icon = httpx.get(f"{live_url}/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/svg+xml"
    assert icon.content.startswith(b"<svg") and "sandbox" in icon.headers["content-security-policy"]
    link = '<link rel="icon" href="/favicon.ico" type="image/svg+xml">'
    assert link in httpx.get(f"{live_url}/app/login").text
    assert link in httpx.get(f"{live_url}/s/not-a-token").text
    for page in ("/docs", "/redoc"):
        html = httpx.get(f"{live_url}{page}").text
        assert "/favicon.ico" in html and "https://" not in html.split("</head>")[0]
