"""Single sign-on under load: the provider's documents are fetched once for many sign-ins
(again once when its keys rotate), and the start is throttled per client address (a real
test issuer on loopback, both databases)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fluide.domain.throttle import SSO_START
from fluide.services import sso_login
from fluide.services.workspaces import NewWorkspace
from fluide.web.auth import SESSION_COOKIE
from tests.oidc_issuer import FakeIssuer, RunningIssuer, rsa_key
from tests.web.test_sso_login import (  # noqa: F401 - settings: the fixture allowing loopback
    ADA,
    add_account,
    set_up,
    settings,
    sign_in,
    start,
)

DISCOVERY = "/.well-known/openid-configuration"
T0 = datetime(2026, 3, 4, 9, 30, tzinfo=UTC)


@pytest.fixture
def issuer() -> Iterator[FakeIssuer]:
    with RunningIssuer() as running:
        yield running


@pytest.fixture
def ready(app: FastAPI, workspace: NewWorkspace, issuer: FakeIssuer) -> FakeIssuer:
    """The workspace signs in through the issuer; Ada has an account."""
    add_account(app, workspace.id)
    set_up(app, workspace.id, issuer.url)
    return issuer


def test_two_sign_ins_fetch_discovery_and_keys_once(app: FastAPI, ready: FakeIssuer) -> None:
    for _ in range(2):
        client, answer = sign_in(app)
        assert answer.status_code == 303 and SESSION_COOKIE in client.cookies
    assert ready.requests.count(DISCOVERY) == 1
    assert ready.requests.count("/jwks") == 1
    assert ready.requests.count("/token") == 2  # the code exchange is never kept


@pytest.mark.parametrize("change", ["rotated", "unknown_kid"])
def test_a_token_with_a_new_kid_fetches_the_keys_once_more(
    app: FastAPI, ready: FakeIssuer, change: str
) -> None:
    assert sign_in(app)[1].status_code == 303
    if change == "rotated":
        ready.key = rsa_key("rotated", "k2")  # the provider rotates: a new kid, published
    else:
        ready.mode = "unknown_kid"  # signed with a key the provider never publishes
    client, answer = sign_in(app)
    assert ready.requests.count("/jwks") == 2
    if change == "rotated":
        assert answer.status_code == 303 and SESSION_COOKIE in client.cookies
    else:
        assert answer.status_code == 400 and "not signed with its keys" in answer.text
        assert SESSION_COOKIE not in client.cookies


def test_saving_the_settings_fetches_the_providers_documents_again(
    app: FastAPI, workspace: NewWorkspace, ready: FakeIssuer
) -> None:
    assert sign_in(app)[1].status_code == 303
    set_up(app, workspace.id, ready.url)
    assert sign_in(app)[1].status_code == 303
    assert ready.requests.count(DISCOVERY) == 2


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("en", "Too many single sign-on attempts from your network address: wait"),
        ("fr", "Trop de tentatives d&#39;authentification unique depuis votre adresse réseau"),
    ],
)
def test_the_twenty_first_start_in_a_minute_is_refused_with_a_clear_page(
    app: FastAPI, workspace: NewWorkspace, issuer: FakeIssuer, lang: str, message: str
) -> None:
    set_up(app, workspace.id, issuer.url)
    client = TestClient(app)
    for _ in range(SSO_START.max_attempts):
        assert start(client, lang=lang).status_code == 200
    refused = start(client, lang=lang)
    assert refused.status_code == 429
    assert message in refused.text and 'role="alert"' in refused.text
    assert 0 < int(refused.headers["retry-after"]) <= 60
    assert "fluide_sso" not in refused.cookies
    # Another address is counted on its own.
    other = TestClient(app, client=("192.0.2.7", 50000))
    assert start(other, lang=lang).status_code == 200


def test_a_start_is_allowed_again_once_the_minute_is_over(
    app: FastAPI, workspace: NewWorkspace, issuer: FakeIssuer
) -> None:
    set_up(app, workspace.id, issuer.url)

    def begin(at: datetime, email: str = ADA) -> sso_login.Started:
        return sso_login.start(
            app.state.sessions,
            app.state.settings,
            email,
            next_path="/app",
            lang="en",
            address="198.51.100.4",
            now=at,
        )

    for n in range(SSO_START.max_attempts - 1):
        begin(T0 + timedelta(seconds=n))
    # A start refused for what it carried counts too.
    with pytest.raises(sso_login.SsoRefused) as caught:
        begin(T0 + timedelta(seconds=30), "not an address")
    assert caught.value.code == "bad_email"
    with pytest.raises(sso_login.SsoRefused) as caught:
        begin(T0 + timedelta(seconds=50))
    assert (caught.value.code, caught.value.status) == ("busy", 429)
    assert caught.value.params == {"seconds": "10"}
    assert begin(T0 + timedelta(minutes=1)).url.startswith(issuer.url + "/authorize?")
