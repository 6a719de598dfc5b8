"""Signing in through an OpenID Connect provider: a real test issuer on loopback, both databases.

The dashboard runs in a TestClient; the browser's trip to the provider is a
real HTTP request to the issuer (:mod:`tests.oidc_issuer`), whose redirect
back is then followed in the TestClient. The server's own requests (discovery,
token, JWKS) go to the issuer over loopback, allowed by
``FLUIDE_WEBHOOK_ALLOW_PRIVATE``.
"""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from fluide.services import accounts, sso, team
from fluide.services.workspaces import NewWorkspace, create_workspace
from fluide.settings import Settings
from fluide.storage.dashboard_models import Account
from fluide.storage.sso_models import SsoIdentity
from fluide.web.auth import SESSION_COOKIE
from tests.oidc_issuer import (
    CLIENT_ID,
    CLIENT_SECRET,
    FakeIssuer,
    RunningIssuer,
    issuer,
    sso_settings,
)
from tests.web.conftest import PASSWORD, csrf_of

ADA = "ada@acme.test"
__all__ = ["issuer"]  # fixtures


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return sso_settings(database_url, tmp_path, "http://testserver")


def set_up(
    app: FastAPI,
    workspace_id: str,
    issuer_url: str,
    *,
    new_users: str = "none",
    password_login: bool = True,
) -> None:
    body = sso.SsoSettings(
        issuer=issuer_url,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        domains=["acme.test"],
        new_users=new_users,  # type: ignore[arg-type]
        password_login=password_login,
    )
    sso.put(app.state.sessions, app.state.settings, workspace_id, body)


def add_account(app: FastAPI, workspace_id: str, email: str = ADA, role: str = "analyst") -> str:
    made = accounts.create_account(
        app.state.sessions, workspace_id, email=email, name="Ada", role=role, password=PASSWORD
    )
    return made.id


def start(client: TestClient, email: str = ADA, lang: str = "en") -> httpx.Response:
    form = client.get(f"/app/login?lang={lang}")
    return client.post(
        "/app/login/sso",
        data={"email": email, "csrf": csrf_of(form.text), "next": "/app", "lang": lang},
        follow_redirects=False,
    )


def provider_url(started: httpx.Response) -> str:
    assert started.status_code == 200, started.text
    return started.headers["refresh"].split("url=", 1)[1]


def sign_in(app: FastAPI, email: str = ADA) -> tuple[TestClient, httpx.Response]:
    """The whole trip: login page → provider → back; the callback's answer."""
    client = TestClient(app)
    at_provider = httpx.get(provider_url(start(client, email)), follow_redirects=False)
    assert at_provider.status_code == 302
    back = at_provider.headers["location"]
    assert back.startswith("http://testserver/app/login/sso/callback?")
    return client, client.get(back, follow_redirects=False)


def test_existing_account_signs_in_and_its_identity_is_linked(
    app: FastAPI, workspace: NewWorkspace, issuer: FakeIssuer, caplog: pytest.LogCaptureFixture
) -> None:
    account_id = add_account(app, workspace.id)
    set_up(app, workspace.id, issuer.url)
    caplog.set_level(logging.DEBUG)
    client, answer = sign_in(app)
    assert answer.status_code == 303 and answer.headers["location"] == "/app"
    user = accounts.current_user(app.state.sessions, client.cookies[SESSION_COOKIE])
    assert user is not None and user.account_id == account_id
    assert client.get("/app").status_code == 200
    with app.state.sessions() as s:
        link = s.scalars(select(SsoIdentity)).one()
    assert (link.account_id, link.issuer, link.subject) == (account_id, issuer.url, "idp-user-1")
    assert "fluide_sso" not in client.cookies  # the sign-in in progress is gone
    assert CLIENT_SECRET not in caplog.text and "id_token" not in caplog.text


def test_the_provider_gets_pkce_state_nonce_and_the_secret_only_from_the_server(
    app: FastAPI, workspace: NewWorkspace, issuer: FakeIssuer
) -> None:
    add_account(app, workspace.id)
    set_up(app, workspace.id, issuer.url)
    client = TestClient(app)
    url = provider_url(start(client))
    query = dict(httpx.URL(url).params)
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert query["state"] and query["nonce"] and query["login_hint"] == ADA
    assert query["redirect_uri"] == "http://testserver/app/login/sso/callback"
    assert query["scope"] == "openid email profile"
    assert CLIENT_SECRET not in url and CLIENT_SECRET not in client.cookies.get("fluide_sso", "")


def test_a_linked_identity_still_maps_after_the_email_changes_at_the_provider(
    app: FastAPI, workspace: NewWorkspace, issuer: FakeIssuer
) -> None:
    account_id = add_account(app, workspace.id)
    set_up(app, workspace.id, issuer.url)
    sign_in(app)
    issuer.user.email = "ada.lovelace@acme.test"
    client, answer = sign_in(app, "ada.lovelace@acme.test")
    assert answer.status_code == 303
    user = accounts.current_user(app.state.sessions, client.cookies[SESSION_COOKIE])
    assert user is not None and user.account_id == account_id


def test_unknown_person_is_refused_when_the_admin_allows_existing_accounts_only(
    app: FastAPI, workspace: NewWorkspace, issuer: FakeIssuer
) -> None:
    set_up(app, workspace.id, issuer.url)
    client, answer = sign_in(app)
    assert answer.status_code == 403
    assert "There is no Fluide account for ada@acme.test" in answer.text
    assert SESSION_COOKIE not in client.cookies
    with app.state.sessions() as s:
        assert s.scalars(select(Account)).all() == []


def test_unknown_person_gets_an_account_with_the_default_role_when_allowed(
    app: FastAPI, workspace: NewWorkspace, issuer: FakeIssuer
) -> None:
    set_up(app, workspace.id, issuer.url, new_users="agent")
    _, answer = sign_in(app)
    assert answer.status_code == 303 and answer.headers["location"] == "/app/follow-ups"
    with app.state.sessions() as s:
        made = s.scalars(select(Account)).one()
    assert (made.email, made.role, made.name, made.workspace_id) == (
        ADA,
        "agent",
        "Ada Lovelace",
        workspace.id,
    )
    # No password opens it.
    assert accounts.login(app.state.sessions, ADA, accounts.NO_PASSWORD) is None


def test_disabled_account_stays_refused(
    app: FastAPI, workspace: NewWorkspace, issuer: FakeIssuer
) -> None:
    account_id = add_account(app, workspace.id)
    admin_id = add_account(app, workspace.id, "boss@acme.test", "admin")
    set_up(app, workspace.id, issuer.url)
    sign_in(app)
    admin = accounts.current_user(
        app.state.sessions, accounts.login(app.state.sessions, "boss@acme.test", PASSWORD) or ""
    )
    assert admin is not None and admin.account_id == admin_id
    team.set_disabled(app.state.sessions, admin, account_id, True)
    client, answer = sign_in(app)
    assert answer.status_code == 403 and "Your Fluide account is disabled" in answer.text
    assert SESSION_COOKIE not in client.cookies


@pytest.mark.parametrize(
    ("mode", "status", "message"),
    [
        ("bad_signature", 400, "not signed with its keys"),
        ("wrong_audience", 400, "meant for another application"),
        ("wrong_nonce", 400, "does not belong to this sign-in"),
        ("expired", 400, "has expired"),
        ("wrong_issuer", 502, "answered as another issuer"),
    ],
)
def test_a_bad_id_token_ends_on_a_clear_page_without_a_session(
    app: FastAPI, workspace: NewWorkspace, issuer: FakeIssuer, mode: str, status: int, message: str
) -> None:
    add_account(app, workspace.id)
    set_up(app, workspace.id, issuer.url)
    if mode == "wrong_issuer":
        issuer.mode = mode
        client = TestClient(app)
        answer = start(client)
    else:
        issuer.mode = mode
        client, answer = sign_in(app)
    assert answer.status_code == status
    assert message in answer.text and 'role="alert"' in answer.text
    assert SESSION_COOKIE not in client.cookies
    with app.state.sessions() as s:
        assert s.scalars(select(SsoIdentity)).all() == []


@pytest.mark.parametrize("flag", [False, "false", None])
def test_an_unverified_email_is_refused(
    app: FastAPI, workspace: NewWorkspace, issuer: FakeIssuer, flag: object
) -> None:
    add_account(app, workspace.id)
    set_up(app, workspace.id, issuer.url)
    issuer.user.email_verified = flag
    client, answer = sign_in(app)
    assert answer.status_code == 403 and "is verified" in answer.text
    assert SESSION_COOKIE not in client.cookies


def test_the_pages_speak_french_too(
    app: FastAPI, workspace: NewWorkspace, issuer: FakeIssuer
) -> None:
    set_up(app, workspace.id, issuer.url)
    client = TestClient(app)
    at_provider = httpx.get(provider_url(start(client, lang="fr")), follow_redirects=False)
    answer = client.get(at_provider.headers["location"], follow_redirects=False)
    assert answer.status_code == 403
    assert "pas de compte Fluide pour ada@acme.test" in answer.text


def test_a_wrong_state_is_refused(
    app: FastAPI, workspace: NewWorkspace, issuer: FakeIssuer
) -> None:
    add_account(app, workspace.id)
    set_up(app, workspace.id, issuer.url)
    client = TestClient(app)
    at_provider = httpx.get(provider_url(start(client)), follow_redirects=False)
    back = httpx.URL(at_provider.headers["location"])
    forged = back.copy_set_param("state", "forged")
    answer = client.get(str(forged), follow_redirects=False)
    assert answer.status_code == 400 and "started in another browser" in answer.text
    assert SESSION_COOKIE not in client.cookies
    assert issuer.token_calls == 0  # the code was never exchanged


def test_a_callback_in_another_browser_is_refused(
    app: FastAPI, workspace: NewWorkspace, issuer: FakeIssuer
) -> None:
    """Login CSRF: someone else's code, fed to a browser that started no sign-in."""
    add_account(app, workspace.id)
    set_up(app, workspace.id, issuer.url)
    at_provider = httpx.get(provider_url(start(TestClient(app))), follow_redirects=False)
    victim = TestClient(app)
    answer = victim.get(at_provider.headers["location"], follow_redirects=False)
    assert answer.status_code == 400 and SESSION_COOKIE not in victim.cookies


def test_the_provider_refusing_the_sign_in_is_said_plainly(
    app: FastAPI, workspace: NewWorkspace, issuer: FakeIssuer
) -> None:
    set_up(app, workspace.id, issuer.url)
    client = TestClient(app)
    state = dict(httpx.URL(provider_url(start(client))).params)["state"]
    answer = client.get(
        f"/app/login/sso/callback?error=access_denied&state={state}", follow_redirects=False
    )
    assert answer.status_code == 400 and "did not sign you in" in answer.text


def test_an_unreachable_provider_gives_a_clear_page(app: FastAPI, workspace: NewWorkspace) -> None:
    with RunningIssuer() as gone:
        url = gone.url
    set_up(app, workspace.id, url)  # nothing listens there any more
    answer = start(TestClient(app))
    assert answer.status_code == 502 and "could not be reached" in answer.text


def test_a_domain_without_single_sign_on_is_named(
    app: FastAPI, workspace: NewWorkspace, issuer: FakeIssuer
) -> None:
    set_up(app, workspace.id, issuer.url)
    answer = start(TestClient(app), "someone@elsewhere.test")
    assert answer.status_code == 404
    assert "No single sign-on is set up for elsewhere.test" in answer.text


def test_an_account_of_another_workspace_cannot_sign_in_here(
    app: FastAPI, workspace: NewWorkspace, issuer: FakeIssuer
) -> None:
    other = create_workspace(app.state.sessions, "Other")
    add_account(app, other.id)
    set_up(app, workspace.id, issuer.url, new_users="analyst")
    client, answer = sign_in(app)
    assert answer.status_code == 403 and "cannot sign in here" in answer.text
    assert SESSION_COOKIE not in client.cookies


def test_password_sign_in_turned_off_leaves_only_admins_with_passwords(
    app: FastAPI, workspace: NewWorkspace, issuer: FakeIssuer
) -> None:
    add_account(app, workspace.id, "analyst@acme.test", "analyst")
    add_account(app, workspace.id, "admin@acme.test", "admin")
    set_up(app, workspace.id, issuer.url, password_login=False)
    answers = {}
    for email in ("analyst@acme.test", "admin@acme.test"):
        client = TestClient(app)
        form = client.get("/app/login?lang=en")
        r = client.post(
            "/app/login",
            data={"email": email, "password": PASSWORD, "csrf": csrf_of(form.text), "lang": "en"},
            follow_redirects=False,
        )
        answers[email] = (r.status_code, SESSION_COOKIE in client.cookies)
        if r.status_code == 403:
            assert "signs in through its identity provider" in r.text
    assert answers == {"analyst@acme.test": (403, False), "admin@acme.test": (303, True)}


def test_a_wrong_password_still_reads_wrong_when_password_sign_in_is_off(
    app: FastAPI, workspace: NewWorkspace, issuer: FakeIssuer
) -> None:
    """Only the right password learns that the workspace uses single sign-on."""
    add_account(app, workspace.id, "analyst@acme.test", "analyst")
    set_up(app, workspace.id, issuer.url, password_login=False)
    client = TestClient(app)
    form = client.get("/app/login?lang=en")
    r = client.post(
        "/app/login",
        data={
            "email": "analyst@acme.test",
            "password": "not the password",
            "csrf": csrf_of(form.text),
            "lang": "en",
        },
        follow_redirects=False,
    )
    assert r.status_code == 401 and "Wrong e-mail or password" in r.text
    assert "identity provider" not in r.text


def test_the_login_page_offers_single_sign_on_only_once_a_workspace_has_it(
    app: FastAPI, workspace: NewWorkspace, issuer: FakeIssuer
) -> None:
    assert 'id="sso-login"' not in TestClient(app).get("/app/login").text
    set_up(app, workspace.id, issuer.url)
    assert 'id="sso-login"' in TestClient(app).get("/app/login").text


def test_a_sign_in_left_too_long_at_the_provider_must_start_again(
    app: FastAPI, workspace: NewWorkspace, issuer: FakeIssuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fluide.services import sso_login

    add_account(app, workspace.id)
    set_up(app, workspace.id, issuer.url)
    client = TestClient(app)
    at_provider = httpx.get(provider_url(start(client)), follow_redirects=False)
    # Ten minutes later (the sealed cookie carries its time): the same as a shorter limit now.
    monkeypatch.setattr(sso_login, "PENDING_SECONDS", -1)
    answer = client.get(at_provider.headers["location"], follow_redirects=False)
    assert answer.status_code == 400 and "had expired" in answer.text
    assert SESSION_COOKIE not in client.cookies and issuer.token_calls == 0
