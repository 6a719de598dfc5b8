"""The admin's single sign-on page (``/app/admin/sso``): CSRF, roles, errors, no secret shown."""

from __future__ import annotations

from fastapi import FastAPI

from fluide.services.workspaces import NewWorkspace
from fluide.storage.sso_models import SsoConfig
from tests.web.conftest import logged_in

FORM = {
    "issuer": "https://login.acme.example",
    "client_id": "fluide",
    "client_secret": "shown-never-again-123",
    "domains": "acme.example; acme-group.example",
    "new_users": "agent",
    "password_login": "1",
}


def test_admin_sets_up_single_sign_on_from_the_page(app: FastAPI, workspace: NewWorkspace) -> None:
    admin = logged_in(app, workspace.id, "admin", lang="en")
    page = admin.client.get("/app/admin/sso")
    assert page.status_code == 200
    assert "http://testserver/app/login/sso/callback" in page.text
    r = admin.client.post(
        "/app/admin/sso", data={**FORM, "csrf": admin.csrf}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"] == "/app/admin/sso?done=saved"
    page = admin.client.get("/app/admin/sso?done=saved")
    assert "Single sign-on is set up." in page.text
    assert 'value="acme-group.example, acme.example"' in page.text
    assert "shown-never-again-123" not in page.text
    with app.state.sessions() as s:
        found = s.get_one(SsoConfig, workspace.id)
    assert (found.new_users, found.password_login) == ("agent", True)
    assert 'href="/app/admin/sso"' in admin.client.get("/app/admin").text


def test_a_form_without_its_token_changes_nothing(app: FastAPI, workspace: NewWorkspace) -> None:
    admin = logged_in(app, workspace.id, "admin")
    r = admin.client.post("/app/admin/sso", data=FORM, follow_redirects=False)
    assert r.status_code in (400, 403)
    with app.state.sessions() as s:
        assert s.get(SsoConfig, workspace.id) is None


def test_analysts_cannot_see_or_change_it(app: FastAPI, workspace: NewWorkspace) -> None:
    analyst = logged_in(app, workspace.id, "analyst")
    assert analyst.client.get("/app/admin/sso").status_code == 403
    r = analyst.client.post(
        "/app/admin/sso", data={**FORM, "csrf": analyst.csrf}, follow_redirects=False
    )
    assert r.status_code == 403


def test_a_bad_value_comes_back_next_to_its_field_without_the_secret(
    app: FastAPI, workspace: NewWorkspace
) -> None:
    admin = logged_in(app, workspace.id, "admin", lang="en")
    r = admin.client.post(
        "/app/admin/sso",
        data={**FORM, "domains": "acme", "csrf": admin.csrf},
        follow_redirects=False,
    )
    assert r.status_code == 422
    assert "Not an e-mail domain: acme" in r.text
    assert 'value="https://login.acme.example"' in r.text  # what was typed is kept
    assert "shown-never-again-123" not in r.text


def test_too_long_a_value_is_refused_not_a_crash(app: FastAPI, workspace: NewWorkspace) -> None:
    admin = logged_in(app, workspace.id, "admin", lang="en")
    r = admin.client.post(
        "/app/admin/sso",
        data={**FORM, "client_id": "x" * 301, "csrf": admin.csrf},
        follow_redirects=False,
    )
    assert r.status_code == 422 and "at most 300 characters" in r.text


def test_removing_it_says_passwords_are_back(app: FastAPI, workspace: NewWorkspace) -> None:
    admin = logged_in(app, workspace.id, "admin", lang="en")
    admin.client.post("/app/admin/sso", data={**FORM, "csrf": admin.csrf})
    r = admin.client.post(
        "/app/admin/sso", data={"action": "remove", "csrf": admin.csrf}, follow_redirects=False
    )
    assert r.headers["location"] == "/app/admin/sso?done=removed"
    with app.state.sessions() as s:
        assert s.get(SsoConfig, workspace.id) is None


def test_a_control_character_is_refused_not_a_crash(app: FastAPI, workspace: NewWorkspace) -> None:
    admin = logged_in(app, workspace.id, "admin", lang="en")
    r = admin.client.post(
        "/app/admin/sso",
        data={**FORM, "client_id": "flu\x00ide", "csrf": admin.csrf},
        follow_redirects=False,
    )
    assert r.status_code == 422 and "only printable characters" in r.text
