"""Single sign-on in a real browser: the login page, the test issuer on loopback, back to the
dashboard (the whole redirect dance, cookies and all, as Chromium does it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from fluide.services import accounts, sso
from fluide.services.workspaces import create_workspace
from fluide.settings import Settings
from tests.browser.conftest import NO_BROWSER, SKIP_REASON, screenshot
from tests.oidc_issuer import CLIENT_ID, CLIENT_SECRET, FakeIssuer, issuer, sso_settings
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.skipif(NO_BROWSER, reason=SKIP_REASON)


__all__ = ["issuer"]  # fixtures


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return sso_settings(f"sqlite:///{tmp_path / 'fluide.db'}", tmp_path, "http://127.0.0.1")


def test_an_analyst_signs_in_through_the_identity_provider_to_the_dashboard(
    app: FastAPI, live_url: str, issuer: FakeIssuer, page: Any
) -> None:
    # The redirect URI is built from FLUIDE_PUBLIC_URL: the live server's address.
    app.state.settings = app.state.settings.model_copy(update={"public_url": live_url})
    ws = create_workspace(app.state.sessions, "Acme")
    accounts.create_account(
        app.state.sessions,
        ws.id,
        email="ada@acme.test",
        name="Ada Lovelace",
        role="analyst",
        password=PASSWORD,
        lang="en",
    )
    sso.put(
        app.state.sessions,
        app.state.settings,
        ws.id,
        sso.SsoSettings(
            issuer=issuer.url,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            domains=["acme.test"],
        ),
    )
    page.goto(f"{live_url}/app/login?lang=en")
    form = page.locator("#sso-login")
    form.locator("input[name=email]").fill("ada@acme.test")
    form.get_by_role("button", name="Sign in with SSO").click()
    page.wait_for_url(f"{live_url}/app")
    assert page.locator("#my-account").inner_text() == "Ada Lovelace"
    assert "/authorize" in issuer.requests and "/token" in issuer.requests
    assert {c["name"] for c in page.context.cookies()} >= {"fluide_session"}
    assert "fluide_sso" not in {c["name"] for c in page.context.cookies()}
    screenshot(page, "oidc-login-dashboard")
    assert page.messages == []
