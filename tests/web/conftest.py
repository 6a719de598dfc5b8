"""Dashboard test helpers: accounts and logged-in clients (both databases); the fixtures
``f`` (the app's sessions) and ``admin`` (a logged-in admin) for every test here."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from fluide.services import accounts
from fluide.services.workspaces import NewWorkspace
from fluide.web.auth import SESSION_COOKIE, csrf_token

PASSWORD = "correct horse battery"
_n = itertools.count(1)
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass(frozen=True)
class Login:
    client: TestClient
    csrf: str
    account_id: str
    email: str


def make_account(
    app: FastAPI,
    workspace_id: str,
    role: str = "analyst",
    *,
    agent_id: str | None = None,
    lang: str = "fr",
    name: str | None = None,
) -> tuple[str, str]:
    """A new account; its (id, e-mail). The password is ``PASSWORD``."""
    email = f"{role}{next(_n)}@example.com"
    made = accounts.create_account(
        app.state.sessions,
        workspace_id,
        email=email,
        name=name or email.split("@")[0],
        role=role,
        password=PASSWORD,
        agent_id=agent_id,
        lang=lang,
    )
    return made.id, email


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found is not None, "no CSRF field in the page"
    return found.group(1)


def log_in(app: FastAPI, email: str, password: str = PASSWORD) -> TestClient:
    """A new client (its own cookies) logged in as ``email``."""
    client = TestClient(app, base_url="http://127.0.0.1")
    form = client.get("/app/login")
    r = client.post(
        "/app/login",
        data={"email": email, "password": password, "csrf": csrf_of(form.text), "next": "/app"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return client


def logged_in(app: FastAPI, workspace_id: str, role: str = "analyst", **kwargs: object) -> Login:
    """A client logged in as a new account of ``role``; with the CSRF token of its session."""
    account_id, email = make_account(app, workspace_id, role, **kwargs)  # type: ignore[arg-type]
    client = log_in(app, email)
    user = accounts.current_user(app.state.sessions, client.cookies[SESSION_COOKIE])
    assert user is not None
    return Login(client, csrf_token(app.state.settings.secret, user.session_id), account_id, email)


@pytest.fixture
def f(app: FastAPI) -> sessionmaker[Session]:
    sessions: sessionmaker[Session] = app.state.sessions
    return sessions


@pytest.fixture
def admin(app: FastAPI, workspace: NewWorkspace) -> Login:
    return logged_in(app, workspace.id, "admin", name="Camille Admin")
