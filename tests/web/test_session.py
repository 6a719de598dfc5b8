"""Logging into the dashboard: hashed passwords, sessions, CSRF, roles, logout."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from fluide.services import accounts
from fluide.services.errors import ServiceError
from fluide.services.workspaces import NewWorkspace
from fluide.storage.dashboard_models import Account, DashboardSession
from fluide.web.auth import SESSION_COOKIE
from tests.web.conftest import PASSWORD, csrf_of, log_in, logged_in, make_account


def test_password_is_stored_as_an_argon2_hash_never_in_clear(
    app: FastAPI, workspace: NewWorkspace
) -> None:
    make_account(app, workspace.id)
    with app.state.sessions() as s:
        account = s.scalars(select(Account)).one()
    assert account.password_hash.startswith("$argon2id$")
    assert PASSWORD not in account.password_hash


def test_session_token_is_stored_hashed(app: FastAPI, workspace: NewWorkspace) -> None:
    _, email = make_account(app, workspace.id)
    client = log_in(app, email)
    token = client.cookies[SESSION_COOKIE]
    with app.state.sessions() as s:
        stored = s.scalars(select(DashboardSession.token_hash)).one()
    assert token not in stored and len(stored) == 64


def test_wrong_password_and_unknown_email_get_the_same_answer(
    app: FastAPI, workspace: NewWorkspace
) -> None:
    _, email = make_account(app, workspace.id)
    answers = []
    for who, password in ((email, "wrong password!"), ("nobody@example.com", PASSWORD)):
        client = TestClient(app, base_url="http://127.0.0.1")
        form = client.get("/app/login")
        r = client.post(
            "/app/login",
            data={"email": who, "password": password, "csrf": csrf_of(form.text)},
            follow_redirects=False,
        )
        answers.append((r.status_code, SESSION_COOKIE in r.cookies))
    assert answers == [(401, False), (401, False)]


def test_login_form_without_its_token_is_refused(app: FastAPI, workspace: NewWorkspace) -> None:
    _, email = make_account(app, workspace.id)
    client = TestClient(app, base_url="http://127.0.0.1")
    r = client.post(
        "/app/login", data={"email": email, "password": PASSWORD}, follow_redirects=False
    )
    assert r.status_code == 400 and SESSION_COOKIE not in r.cookies


def test_pages_redirect_to_login_when_logged_out(app: FastAPI) -> None:
    client = TestClient(app, base_url="http://127.0.0.1")
    r = client.get("/app/follow-ups?status=open", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/app/login?next=/app/follow-ups")
    assert client.get("/app/follow-ups?format=json").status_code == 401


def test_login_never_redirects_to_another_site(app: FastAPI, workspace: NewWorkspace) -> None:
    _, email = make_account(app, workspace.id)
    client = TestClient(app, base_url="http://127.0.0.1")
    form = client.get("/app/login")
    r = client.post(
        "/app/login",
        data={
            "email": email,
            "password": PASSWORD,
            "csrf": csrf_of(form.text),
            "next": "//evil.example/app",
        },
        follow_redirects=False,
    )
    assert r.headers["location"] == "/app"


def test_logout_ends_the_session_on_the_server(app: FastAPI, workspace: NewWorkspace) -> None:
    login = logged_in(app, workspace.id)
    token = login.client.cookies[SESSION_COOKIE]
    r = login.client.post("/app/logout", data={"csrf": login.csrf}, follow_redirects=False)
    assert r.status_code == 303
    assert accounts.current_user(app.state.sessions, token) is None


def test_logout_without_csrf_is_refused(app: FastAPI, workspace: NewWorkspace) -> None:
    login = logged_in(app, workspace.id)
    token = login.client.cookies[SESSION_COOKIE]
    r = login.client.post("/app/logout", data={"csrf": "forged"}, follow_redirects=False)
    assert r.status_code == 403
    assert accounts.current_user(app.state.sessions, token) is not None


def test_language_switch_is_kept_on_the_account(app: FastAPI, workspace: NewWorkspace) -> None:
    login = logged_in(app, workspace.id, lang="fr")
    r = login.client.post(
        "/app/lang",
        data={"csrf": login.csrf, "lang": "en", "next": "/app/agents"},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/app/agents"
    user = accounts.current_user(app.state.sessions, login.client.cookies[SESSION_COOKIE])
    assert user is not None and user.lang == "en"


def test_disabled_account_loses_its_session(app: FastAPI, workspace: NewWorkspace) -> None:
    login = logged_in(app, workspace.id)
    token = login.client.cookies[SESSION_COOKIE]
    from fluide.storage.db import write_session
    from fluide.storage.types import utcnow

    with write_session(app.state.sessions) as s:
        s.get_one(Account, login.account_id).disabled_at = utcnow()
    assert accounts.current_user(app.state.sessions, token) is None


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("email", "not-an-address", "invalid"),
        ("role", "boss", "invalid"),
        ("password", "short", "invalid"),
    ],
)
def test_bad_account_fields_are_refused_by_name(
    app: FastAPI, workspace: NewWorkspace, field: str, value: str, code: str
) -> None:
    fields = {"email": "a@example.com", "name": "A", "role": "analyst", "password": PASSWORD}
    fields[field] = value
    with pytest.raises(ServiceError) as e:
        accounts.create_account(app.state.sessions, workspace.id, **fields)
    assert e.value.code == code


def test_one_account_per_email(app: FastAPI, workspace: NewWorkspace) -> None:
    _, email = make_account(app, workspace.id)
    with pytest.raises(ServiceError) as e:
        accounts.create_account(
            app.state.sessions,
            workspace.id,
            email=email.upper(),
            name="x",
            role="agent",
            password=PASSWORD,
        )
    assert e.value.status == 409


def test_agent_lands_on_their_follow_ups_after_login(app: FastAPI, workspace: NewWorkspace) -> None:
    _, email = make_account(app, workspace.id, "agent", agent_id="Julien")
    client = TestClient(app, base_url="http://127.0.0.1")
    form = client.get("/app/login")
    r = client.post(
        "/app/login",
        data={"email": email, "password": PASSWORD, "csrf": csrf_of(form.text), "next": "/app"},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/app/follow-ups"


def test_repeated_wrong_passwords_pause_the_login_then_it_works_again(
    app: FastAPI, workspace: NewWorkspace
) -> None:
    from datetime import timedelta

    from sqlalchemy import select

    from fluide.storage.db import write_session
    from fluide.storage.security_models import LoginThrottle

    _, email = make_account(app, workspace.id)
    client = TestClient(app, base_url="http://127.0.0.1")

    def attempt(password: str, lang: str = "fr") -> tuple[int, str]:
        form = client.get(f"/app/login?lang={lang}")
        r = client.post(
            "/app/login",
            data={"email": email, "password": password, "csrf": csrf_of(form.text), "lang": lang},
            follow_redirects=False,
        )
        return r.status_code, r.text

    assert [attempt("wrong password!")[0] for _ in range(5)] == [401] * 5
    status, text = attempt(PASSWORD, "en")  # the right one, but during the pause
    assert status == 429 and "try again in 15 minutes" in text
    with write_session(app.state.sessions) as s:  # the window has passed
        for row in s.scalars(select(LoginThrottle)):
            row.window_start -= timedelta(minutes=15)
    assert attempt(PASSWORD)[0] == 303
