"""Each user's own account page: changing one's password (both databases)."""

from __future__ import annotations

import html

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from fluide.services import accounts
from fluide.services.workspaces import NewWorkspace
from fluide.storage.dashboard_models import Account
from fluide.web.auth import SESSION_COOKIE
from tests.web.conftest import PASSWORD, Login, csrf_of, log_in, logged_in

NEW = "une phrase bien à moi"


def change(
    login: Login,
    current: str = PASSWORD,
    new: str = NEW,
    repeated: str | None = None,
    csrf: str | None = None,
) -> httpx.Response:
    body = {
        "csrf": login.csrf if csrf is None else csrf,
        "current": current,
        "new": new,
        "repeated": new if repeated is None else repeated,
    }
    return login.client.post("/app/account/password", data=body, follow_redirects=False)


def login_status(app: FastAPI, email: str, password: str) -> int:
    client = TestClient(app, base_url="http://127.0.0.1")
    form = client.get("/app/login")
    r = client.post(
        "/app/login",
        data={"email": email, "password": password, "csrf": csrf_of(form.text)},
        follow_redirects=False,
    )
    return r.status_code


def password_hash(app: FastAPI, account_id: str) -> str:
    with app.state.sessions() as s:
        return str(s.scalar(select(Account.password_hash).where(Account.id == account_id)))


@pytest.mark.parametrize("role", ["admin", "analyst", "agent"])
def test_every_role_opens_their_account_page_from_the_header(
    app: FastAPI, workspace: NewWorkspace, role: str
) -> None:
    login = logged_in(app, workspace.id, role, agent_id="ag-1", name="Léa Martin", lang="en")
    header = login.client.get("/app/follow-ups").text
    assert 'href="/app/account"' in header
    page = login.client.get("/app/account")
    assert page.status_code == 200
    text = page.text
    assert "My account" in text and "Léa Martin" in text and login.email in text
    assert 'action="/app/account/password"' in text and csrf_of(text) == login.csrf
    assert 'name="current"' in text and 'name="new"' in text and 'name="repeated"' in text
    assert 'autocomplete="new-password"' in text


def test_the_account_page_needs_a_login(app: FastAPI) -> None:
    client = TestClient(app, base_url="http://127.0.0.1")
    r = client.get("/app/account", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/app/login")


def test_a_change_without_the_pages_csrf_token_is_refused(
    app: FastAPI, workspace: NewWorkspace
) -> None:
    login = logged_in(app, workspace.id)
    before = password_hash(app, login.account_id)
    assert change(login, csrf="forged").status_code == 403
    assert password_hash(app, login.account_id) == before


def test_a_wrong_current_password_changes_nothing(app: FastAPI, workspace: NewWorkspace) -> None:
    login = logged_in(app, workspace.id)
    before = password_hash(app, login.account_id)
    r = change(login, current="not my password")
    assert r.status_code == 422
    assert "Le mot de passe actuel n'est pas le bon." in html.unescape(r.text)
    assert NEW not in r.text and "not my password" not in r.text  # never sent back
    assert password_hash(app, login.account_id) == before


def test_the_new_password_must_be_typed_twice_the_same(
    app: FastAPI, workspace: NewWorkspace
) -> None:
    login = logged_in(app, workspace.id, lang="en")
    r = change(login, repeated=NEW + "!")
    assert r.status_code == 422 and "The two new passwords differ." in r.text


@pytest.mark.parametrize(
    ("new", "message"),
    [
        (" " * 12, "A password cannot be made of spaces only."),
        ("court", "A password needs at least 10 characters."),
        ("AzertyUiop", "This password is one of the most common ones"),
        ("motdepasse", "This password is one of the most common ones"),
        (PASSWORD, "The new password must differ from the current one."),
    ],
)
def test_a_weak_new_password_is_refused_naming_the_rule(
    app: FastAPI, workspace: NewWorkspace, new: str, message: str
) -> None:
    login = logged_in(app, workspace.id, lang="en")
    before = password_hash(app, login.account_id)
    r = change(login, new=new)
    assert r.status_code == 422 and message in html.unescape(r.text)
    assert password_hash(app, login.account_id) == before


def test_a_weak_password_message_is_french_for_a_french_user(
    app: FastAPI, workspace: NewWorkspace
) -> None:
    login = logged_in(app, workspace.id, lang="fr")
    r = change(login, new="motdepasse")
    assert "Ce mot de passe fait partie des plus courants" in html.unescape(r.text)


def test_a_new_password_ends_the_other_sessions_and_the_old_one_stops_working(
    app: FastAPI, workspace: NewWorkspace
) -> None:
    login = logged_in(app, workspace.id, lang="en")
    elsewhere = log_in(app, login.email)  # the same person, on another computer
    assert elsewhere.get("/app/follow-ups", follow_redirects=False).status_code == 200
    before = password_hash(app, login.account_id)

    r = change(login)
    assert r.status_code == 303 and r.headers["location"] == "/app/account?done=password"
    done = login.client.get(r.headers["location"])
    assert "Your password was changed. Your other sessions have ended" in done.text
    after = password_hash(app, login.account_id)
    assert after != before and after.startswith("$argon2id$") and NEW not in after
    # This session goes on; the other one has ended.
    assert accounts.current_user(app.state.sessions, login.client.cookies[SESSION_COOKIE])
    assert accounts.current_user(app.state.sessions, elsewhere.cookies[SESSION_COOKIE]) is None
    assert elsewhere.get("/app/follow-ups", follow_redirects=False).status_code == 303
    # The old password no longer logs in; the new one does.
    assert login_status(app, login.email, PASSWORD) == 401
    assert login_status(app, login.email, NEW) == 303


def test_guessing_the_current_password_is_paused_like_a_login(
    app: FastAPI, workspace: NewWorkspace
) -> None:
    login = logged_in(app, workspace.id, lang="en")
    assert [change(login, current=f"guess {n}!!").status_code for n in range(5)] == [422] * 5
    r = change(login)  # the right one, during the pause
    assert r.status_code == 429 and "Too many wrong passwords: try again in 15 min." in r.text
    # The same count as the login form's (same e-mail, same address).
    assert login_status(app, login.email, PASSWORD) == 429
