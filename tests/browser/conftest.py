"""A live Fluide (uvicorn, SQLite) with the widget routes, and headless Chromium.

Chromium is Debian's (``/usr/bin/chromium``, or ``FLUIDE_CHROMIUM``), driven by
Playwright for Python through ``executable_path``: Playwright's own browsers
are never downloaded. Without Chromium the tests are skipped, except in CI
(``CI`` set), where they must run.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from fluide.api.app import create_app
from fluide.settings import Settings, load_settings
from tests.service.conftest import SECRET, LiveServer
from tests.service.test_widget_api import mount

CHROMIUM = Path(os.environ.get("FLUIDE_CHROMIUM", "/usr/bin/chromium"))
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Chromium keeps a spare renderer started for the context used last; tabs of several
    # contexts in turn (the phone test's six) threw one away and started one per page.
    "--disable-features=SpareRendererForSitePerProcess",
]
TIMEOUT_MS = 30_000  # a bound on a hang; a loaded 2-core machine took over 10 s for one page
ARTIFACTS = Path(__file__).resolve().parents[2] / "out" / "test-artifacts"
SCREENSHOTS = os.environ.get("FLUIDE_TEST_SCREENSHOTS", "") not in ("", "0")
"""Screenshots are artifacts to look at, taken on request: each costs the browser a
render and a PNG encoding (a quarter of a second of CPU for a long page)."""
NO_BROWSER = not CHROMIUM.exists() and not os.environ.get("CI")
SKIP_REASON = f"no Chromium at {CHROMIUM} (set FLUIDE_CHROMIUM); in CI (CI set) these tests run"


@pytest.fixture
def settings(tmp_path: Path, sqlite_template: Path) -> Settings:
    # The migrated template, copied: migrating a new file took ~0.5 s of each test.
    shutil.copy(sqlite_template, tmp_path / "fluide.db")
    return load_settings(
        database_url=f"sqlite:///{tmp_path / 'fluide.db'}",
        secret_key=SECRET,
        data_dir=tmp_path,
        public_url="http://127.0.0.1",
    )


@pytest.fixture
def host_pages() -> dict[str, str]:
    """Test-only host pages, served at ``/test-host/{name}`` (fill before loading them)."""
    return {}


@pytest.fixture
def app(settings: Settings, host_pages: dict[str, str]) -> Iterator[FastAPI]:
    application = create_app(settings)
    mount(application)

    @application.get("/test-host/{name}", include_in_schema=False)
    def host_page(name: str) -> HTMLResponse:
        return HTMLResponse(host_pages[name])

    yield application
    application.state.engine.dispose()


@pytest.fixture
def live_url(app: FastAPI) -> Iterator[str]:
    with LiveServer(app) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="fr-FR", viewport={"width": 1100, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    tab = context.new_page()
    # Problems seen: script errors and warnings, failed requests (the favicon aside).
    problems: list[str] = []

    def console(message: Any) -> None:
        if message.type in ("error", "warning") and not message.text.startswith(
            "Failed to load resource"
        ):
            problems.append(f"{message.type}: {message.text}")

    def response(r: Any) -> None:
        if r.status >= 400 and not r.url.endswith("/favicon.ico"):
            problems.append(f"http {r.status}: {r.url}")

    tab.messages = problems
    tab.on("console", console)
    tab.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    tab.on("response", response)
    tab.on("requestfailed", lambda r: problems.append(f"failed: {r.url} {r.failure}"))
    try:
        yield tab
    finally:
        context.close()


def screenshot(page: Any, name: str, *, full_page: bool = False, always: bool = False) -> None:
    """``out/test-artifacts/{name}.png`` when ``FLUIDE_TEST_SCREENSHOTS=1`` (or ``always``)."""
    if not (SCREENSHOTS or always):
        return
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), animations="disabled", full_page=full_page)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A failed test's tab (the ``page`` fixture) is kept as a screenshot, taken or not."""
    report = yield
    tab = getattr(item, "funcargs", {}).get("page")
    if report.when == "call" and report.failed and tab is not None:
        name = "failed-" + re.sub(r"[^A-Za-z0-9]+", "-", item.name).strip("-")
        with contextlib.suppress(Exception):  # the failure is the report, not the picture
            screenshot(tab, name, full_page=True, always=True)
    return report
