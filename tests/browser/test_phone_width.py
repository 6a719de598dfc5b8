"""Every page on a phone: at 375 px wide, no page scrolls sideways.

The dashboard pages come from the app's own routes (every ``GET /app/...``; a
route with a path parameter gets one real instance from :data:`INSTANCES`), so
a new page is checked as soon as it exists. Each page is opened in French and
in English by every role that may read it, on the demo's data plus long
customer-written words and addresses. The customer pages (survey, opt-out, the
widget and the popover of the demo shop) are checked too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlalchemy import select

from fluide.api.app import create_app
from fluide.channels.compose import opt_out_token
from fluide.demo import DemoResult, build_demo
from fluide.demo.dashboard import ADMIN, CSM, agent_email
from fluide.settings import load_settings
from fluide.storage.dashboard_models import Action
from fluide.storage.models import Response
from tests.browser.conftest import (
    ARGS,
    CHROMIUM,
    NO_BROWSER,
    SKIP_REASON,
    TIMEOUT_MS,
    screenshot,
)
from tests.demo_database import demo_database
from tests.service.conftest import LiveServer, event_body
from tests.services.test_contact_follow_ups import contact
from tests.web.test_overview import Answer, record

pytestmark = pytest.mark.skipif(NO_BROWSER, reason=SKIP_REASON)

PHONE_WIDTH = 375
AGENT = "Julien"
LONG_WORD = "Remboursement" * 9  # 117 letters without a break
LONG_URL = "https://boutique.example.com/commande/2026/12/" + "a1b2c3d4" * 12 + "?retour=1"
LONG_COMMENTS = (
    f"Je n'ai jamais reçu le lien, j'ai essayé {LONG_URL} puis le support, en vain.",
    f"{LONG_WORD}!!! Trois semaines sans nouvelles, et personne ne répond au téléphone.",
    "Paiement refusé " * 40,
)
WIDTH = "() => document.documentElement.scrollWidth"

ROLES = {"admin": ADMIN, "analyst": CSM, "agent": agent_email(AGENT)}
"""The account that reads the dashboard as each role."""

NOT_PAGES = {"/app/report.pdf"}
"""GET routes under /app that are files, not pages."""


@dataclass
class Site:
    url: str
    app: FastAPI
    demo: DemoResult
    passwords: dict[str, str]
    instances: dict[str, str] = field(default_factory=dict)


def _action(site: Site) -> str:
    with site.app.state.sessions() as s:
        action_id = s.scalars(
            select(Action.id).where(Action.workspace_id == site.demo.workspace_id).limit(1)
        ).one()
    return f"/app/actions/{action_id}"


INSTANCES: dict[str, Callable[[Site], str]] = {
    "/app/touchpoints/{key}": lambda _site: "/app/touchpoints/payer",
    "/app/actions/{action_id}": _action,
    "/app/agents/{agent_id:path}": lambda _site: f"/app/agents/{AGENT}",
    "/app/admin/touchpoints/{key}/edit": lambda _site: "/app/admin/touchpoints/payer/edit",
}
"""One real page for each route with a path parameter: a new one must be added here."""


def _app_routes() -> list[APIRoute]:
    # Built once without a database: only the route table is read.
    from fluide.web.routes import ROUTERS

    return [r for router in ROUTERS for r in router.routes if isinstance(r, APIRoute)]


def dashboard_routes() -> list[str]:
    """Every GET route under /app that draws a page (path templates, as the router has them)."""
    paths = {
        r.path
        for r in _app_routes()
        if "GET" in (r.methods or set()) and r.path.startswith("/app") and r.path not in NOT_PAGES
    }
    return sorted(paths)


def visits() -> list[tuple[str, str, str]]:
    """(route, language, role): every dashboard page, in both languages, by every role.

    Ordered by language, then role: the fr and en tabs of a role share its account,
    whose language a switch changes, so alternating them cost each visit a second
    page load; and a run of visits in one tab lets Chromium keep its renderer."""
    return [
        (route, lang, role)
        for lang in ("fr", "en")
        for role in ROLES
        for route in dashboard_routes()
    ]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The demo, served live, with long comments that must wrap."""
    tmp: Path = tmp_path_factory.mktemp("phone")
    settings = load_settings(
        demo=True,
        database_url=demo_database(f"sqlite:///{tmp / 'fluide.db'}"),
        data_dir=tmp,
        worker="external",
        public_url="http://127.0.0.1",
    )
    app = create_app(settings)
    demo = build_demo(app.state.sessions, settings, weeks=5, customers=300)
    at = datetime.now(UTC) - timedelta(hours=3)
    for key in ("payer", "signaler_un_probleme_de_livraison_internationale"):
        answers = [Answer(2, c, outcome="failure", agent=AGENT) for c in LONG_COMMENTS]
        record(app, demo.workspace_id, answers, touchpoint=key, at=at)
    # A customer recontacting now, with long words, for /app/recontacts.
    for days in (2, 1):
        moment = datetime.now(UTC) - timedelta(days=days)
        contact(app, settings, demo.workspace_id, f"client-{LONG_WORD}", moment, reason=LONG_WORD)
    passwords = {x.email: x.password for x in demo.logins}
    try:
        with LiveServer(app) as url:
            yield Site(url, app, demo, passwords)
    finally:
        app.state.engine.dispose()


@pytest.fixture(scope="module")
def phones(site: Site) -> Iterator[Callable[[str, str], Any]]:
    """A 375 px tab logged in as a role, in a language (one per pair, kept for the module)."""
    from playwright.sync_api import sync_playwright

    tabs: dict[tuple[str | None, str], Any] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)

        def phone(role: str | None, lang: str) -> Any:
            if (role, lang) not in tabs:
                context = browser.new_context(
                    locale="fr-FR" if lang == "fr" else "en-GB",
                    viewport={"width": PHONE_WIDTH, "height": 740},
                )
                context.set_default_timeout(TIMEOUT_MS)
                context.set_default_navigation_timeout(TIMEOUT_MS)
                tab = context.new_page()
                if role is not None:
                    _log_in(tab, site, ROLES[role], lang)
                tabs[(role, lang)] = tab
            return tabs[(role, lang)]

        try:
            yield phone
        finally:
            browser.close()


def _log_in(tab: Any, site: Site, email: str, lang: str) -> None:
    tab.goto(f"{site.url}/app/login")
    tab.fill('input[name="email"]', email)
    tab.fill('input[name="password"]', site.passwords[email])
    tab.click('form.stack button[type="submit"]')
    tab.wait_for_load_state()
    in_language(tab, lang)


def in_language(tab: Any, lang: str) -> None:
    """The page in ``lang``: the language belongs to the account, and the roles' tabs of
    the other language may have switched it."""
    switch = tab.locator(f'button[name="lang"][value="{lang}"]')
    if tab.locator("html").get_attribute("lang") != lang and switch.count():
        switch.first.click()
        tab.wait_for_load_state()
    assert tab.locator("html").get_attribute("lang") == lang, tab.url


def width_of(tab: Any, url: str, lang: str | None = None) -> int:
    tab.goto(url)  # waits for the load event
    if lang is not None:
        in_language(tab, lang)
    width: int = tab.evaluate(WIDTH)
    return width


def overflowing(tab: Any) -> list[str]:
    """The elements wider than the screen, to say what to fix."""
    found: list[str] = tab.evaluate(
        """() => {
          const clipped = e => { for (let p = e.parentElement; p; p = p.parentElement) {
            if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX)) return true; }
            return false; };
          return [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > 376 && !clipped(e))
            .slice(0, 8)
            .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
                 (typeof e.className === 'string' && e.className ? '.' + e.className : '') +
                 ' ' + Math.round(e.getBoundingClientRect().right));
        }"""
    )
    return found


def test_every_route_with_a_parameter_has_an_instance_to_check() -> None:
    templated = {r for r in dashboard_routes() if "{" in r}
    assert templated <= set(INSTANCES), f"add an instance to INSTANCES for {templated}"
    assert "/app" in dashboard_routes() and "/app/login" in dashboard_routes()
    assert {r.path for r in _app_routes()} >= NOT_PAGES


@pytest.mark.parametrize(("route", "lang", "role"), visits())
def test_dashboard_page_fits_a_phone(
    site: Site, phones: Callable[[str | None, str], Any], route: str, lang: str, role: str
) -> None:
    path = INSTANCES[route](site) if route in INSTANCES else route
    tab = phones(None if route == "/app/login" else role, lang)
    width = width_of(tab, site.url + path, lang)
    if (lang == "fr" and role == "analyst") or width > PHONE_WIDTH:
        # To look at, in out/test-artifacts: on request, and always for a failure.
        name = re.sub(r"[^a-z0-9]+", "-", route.lower()).strip("-")
        if width > PHONE_WIDTH:
            name = f"{name}-{lang}-{role}-failed"
        screenshot(tab, f"phone-{name}", full_page=True, always=width > PHONE_WIDTH)
    assert width <= PHONE_WIDTH, (tab.url, width, overflowing(tab))


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_error_pages_fit_a_phone(
    site: Site, phones: Callable[[str | None, str], Any], lang: str
) -> None:
    tab = phones("agent", lang)
    for path in ("/app/agents/Camille", "/app/actions/act_missing", "/app/touchpoints/nope"):
        width = width_of(tab, site.url + path, lang)
        assert re.search(r"40[34]", tab.title()) or tab.locator("h1").count() == 1
        assert width <= PHONE_WIDTH, (path, width, overflowing(tab))


def _invitation_link(site: Site, user: str) -> str:
    body = event_body(f"evt-{user}", user, "payment_failed", channel="email", outcome="failure")
    r = httpx.post(
        f"{site.url}/v1/events",
        headers={"Authorization": f"Bearer {site.demo.api_key}"},
        json=body,
    )
    decision = r.json()
    assert decision["decision"] == "invited", decision
    return f"{site.url}/s/{decision['invitation']['url'].rsplit('/s/', 1)[1]}"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_customer_pages_fit_a_phone(
    site: Site, phones: Callable[[str | None, str], Any], lang: str
) -> None:
    tab = phones(None, lang)
    link = _invitation_link(site, f"phone-{lang}")
    assert width_of(tab, link) <= PHONE_WIDTH, overflowing(tab)
    tab.locator("label[for=score-2]").click()
    tab.fill("#comment", LONG_COMMENTS[1])
    tab.locator("form button[type=submit]").first.click()
    tab.wait_for_load_state()
    assert tab.evaluate(WIDTH) <= PHONE_WIDTH, overflowing(tab)
    with site.app.state.sessions() as s:
        assert s.scalar(select(Response.id).where(Response.comment == LONG_COMMENTS[1]))

    settings = site.app.state.settings
    token = opt_out_token(settings, site.demo.workspace_id, f"phone-{lang}")
    assert width_of(tab, f"{site.url}/o/{token}") <= PHONE_WIDTH, overflowing(tab)

    width_of(tab, f"{site.url}/demo/shop?user=phone-shop-{lang}")
    tab.wait_for_function("() => window.Fluide && window.Fluide.version")
    tab.click("#pay")
    tab.locator("[role=dialog]").wait_for()
    assert tab.evaluate(WIDTH) <= PHONE_WIDTH, overflowing(tab)
    box = tab.locator("fluide-widget [role=dialog]").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE_WIDTH
