"""The admin page: the team's accounts, the workspace settings, touchpoints (both databases)."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from fluide.services import accounts
from fluide.services import touchpoints as touchpoint_service
from fluide.services.workspaces import NewWorkspace, create_workspace
from fluide.storage import accounts as store
from fluide.storage.models import Workspace
from tests.verbatims import ensure_touchpoint
from tests.web.conftest import PASSWORD, Login, log_in, logged_in, make_account

SCRIPT = '<script>alert("x")</script>'


def role_of(f: sessionmaker[Session], ws: str, account_id: str) -> tuple[str, str | None, bool]:
    with f() as s:
        account = store.by_id(s, ws, account_id)
        assert account is not None
        return account.role, account.agent_id, account.disabled_at is not None


def create(admin: Login, **fields: str) -> tuple[int, str]:
    body = {
        "csrf": admin.csrf,
        "email": "lea@example.com",
        "name": "Léa Martin",
        "role": "agent",
        "agent_id": "ag-17",
        "lang": "fr",
        **fields,
    }
    r = admin.client.post("/app/admin/accounts", data=body, follow_redirects=False)
    return r.status_code, r.text


@pytest.mark.parametrize("role", ["analyst", "agent"])
def test_only_admins_open_the_admin_page(app: FastAPI, workspace: NewWorkspace, role: str) -> None:
    login = logged_in(app, workspace.id, role, agent_id="ag-1")
    assert login.client.get("/app/admin").status_code == 403
    target, _ = make_account(app, workspace.id, "analyst")
    for url, data in [
        ("/app/admin/accounts", {"email": "x@example.com", "role": "admin"}),
        (f"/app/admin/accounts/{target}", {"action": "disable"}),
        ("/app/admin/settings", {"name": "x", "timezone": "UTC", "fatigue_days": "3"}),
    ]:
        r = login.client.post(url, data={"csrf": login.csrf, **data})
        assert r.status_code == 403, url
    assert "/app/admin" not in login.client.get("/app/follow-ups").text


def test_admin_sees_the_team_settings_and_touchpoints(
    app: FastAPI, workspace: NewWorkspace, f: sessionmaker[Session], admin: Login
) -> None:
    ensure_touchpoint(f, workspace.id)
    make_account(app, workspace.id, "agent", agent_id="ag-9", name="Sam Agent")
    page = admin.client.get("/app/admin")
    assert page.status_code == 200
    html = page.text
    assert 'href="/app/admin" aria-current="page">Administration' in html
    assert "Équipe" in html and "Paramètres" in html and "Points de contact" in html
    assert "Sam Agent" in html and "ag-9" in html and "Camille Admin" in html
    assert 'href="/app/touchpoints/payer"' in html
    assert 'value="Europe/Paris"' in html
    data = admin.client.get("/app/admin?format=json").json()
    assert {a["name"] for a in data["accounts"]} == {"Camille Admin", "Sam Agent"}
    assert all("password_hash" not in a for a in data["accounts"])
    assert data["settings"]["timezone"] == "Europe/Paris"
    assert "webhook_secret" not in data["settings"]
    assert data["touchpoints"][0]["key"] == "payer" and data["touchpoints"][0]["version"] == 1


def test_creating_an_account_shows_its_password_once_and_it_logs_in(
    app: FastAPI, workspace: NewWorkspace, f: sessionmaker[Session], admin: Login
) -> None:
    status, html = create(admin)
    assert status == 201
    found = re.search(r'id="new-password"[^>]*>([^<]+)<', html)
    assert found is not None
    password = found.group(1)
    assert len(password) >= accounts.MIN_PASSWORD
    assert "ne sera plus affiché" in html
    client = log_in(app, "lea@example.com", password)
    me = client.get("/app/follow-ups")
    assert me.status_code == 200 and "Léa Martin" in me.text
    team = admin.client.get("/app/admin").text
    assert "lea@example.com" in team and password not in team
    with f() as s:
        made = store.by_email(s, "lea@example.com")
        assert made is not None
        assert (made.role, made.agent_id, made.workspace_id) == ("agent", "ag-17", workspace.id)


def test_a_refused_account_keeps_the_values_and_names_the_field(
    app: FastAPI, workspace: NewWorkspace, admin: Login
) -> None:
    status, html = create(admin, email="pas-une-adresse", name="Noé Durand")
    assert status == 422
    assert "Adresse e-mail invalide" in html and 'value="Noé Durand"' in html
    assert 'value="pas-une-adresse"' in html and 'value="ag-17"' in html
    status, html = create(admin, role="boss")
    assert status == 422 and "Rôle inconnu boss" in html
    assert create(admin)[0] == 201
    status, html = create(admin)
    assert status == 409 and "lea@example.com" in html


def test_no_form_is_accepted_without_its_csrf_token(
    app: FastAPI, workspace: NewWorkspace, f: sessionmaker[Session], admin: Login
) -> None:
    ensure_touchpoint(f, workspace.id)
    target, _ = make_account(app, workspace.id, "analyst")
    for url, data in [
        ("/app/admin/accounts", {"email": "x@example.com", "role": "admin", "lang": "fr"}),
        (f"/app/admin/accounts/{target}", {"action": "disable"}),
        (f"/app/admin/accounts/{target}", {"role": "admin"}),
        ("/app/admin/settings", {"name": "x", "timezone": "UTC", "fatigue_days": "3"}),
        ("/app/admin/touchpoints/payer", {"active": "0"}),
    ]:
        assert admin.client.post(url, data=data).status_code == 403, url
        assert admin.client.post(url, data={**data, "csrf": "forged"}).status_code == 403
    assert role_of(f, workspace.id, target) == ("analyst", None, False)
    with f() as s:
        assert store.by_email(s, "x@example.com") is None
        ws = s.get(Workspace, workspace.id)
        assert ws is not None and ws.timezone == "Europe/Paris"


def test_changing_a_role_and_agent_id(
    app: FastAPI, workspace: NewWorkspace, f: sessionmaker[Session], admin: Login
) -> None:
    target, email = make_account(app, workspace.id, "analyst")
    url = f"/app/admin/accounts/{target}"
    r = admin.client.post(
        url,
        data={"csrf": admin.csrf, "action": "edit", "role": "agent", "agent_id": " ag-3 "},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/app/admin?done=updated#team"
    assert role_of(f, workspace.id, target) == ("agent", "ag-3", False)
    assert "Le compte a été modifié." in admin.client.get(r.headers["location"]).text
    # The new role applies to the account's next page, without logging in again.
    assert log_in(app, email).get("/app/frictions").status_code == 403
    admin.client.post(url, data={"csrf": admin.csrf, "role": "analyst", "agent_id": ""})
    assert role_of(f, workspace.id, target) == ("analyst", None, False)
    r = admin.client.post(url, data={"csrf": admin.csrf, "role": "owner", "agent_id": ""})
    assert r.status_code == 422 and "Rôle inconnu owner" in r.text


def test_an_admin_can_neither_demote_nor_disable_themselves(
    app: FastAPI, workspace: NewWorkspace, f: sessionmaker[Session], admin: Login
) -> None:
    url = f"/app/admin/accounts/{admin.account_id}"
    r = admin.client.post(url, data={"csrf": admin.csrf, "action": "edit", "role": "analyst"})
    assert r.status_code == 422
    assert "Vous ne pouvez pas changer votre propre rôle" in r.text
    r = admin.client.post(url, data={"csrf": admin.csrf, "action": "disable"})
    assert r.status_code == 422
    assert "Vous ne pouvez pas désactiver votre propre compte" in r.text
    assert role_of(f, workspace.id, admin.account_id) == ("admin", None, False)
    assert admin.client.get("/app/admin").status_code == 200
    # Their agent id can still change: only the role is protected.
    admin.client.post(url, data={"csrf": admin.csrf, "role": "admin", "agent_id": "ag-0"})
    assert role_of(f, workspace.id, admin.account_id) == ("admin", "ag-0", False)


def test_disabling_ends_the_sessions_and_re_enabling_lets_them_log_in(
    app: FastAPI, workspace: NewWorkspace, f: sessionmaker[Session], admin: Login
) -> None:
    analyst = logged_in(app, workspace.id, "analyst")
    assert analyst.client.get("/app/verbatims").status_code == 200
    url = f"/app/admin/accounts/{analyst.account_id}"
    r = admin.client.post(
        url, data={"csrf": admin.csrf, "action": "disable"}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"] == "/app/admin?done=disabled#team"
    gone = analyst.client.get("/app/verbatims", follow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"].startswith("/app/login")
    assert accounts.login(f, analyst.email, PASSWORD) is None
    row = admin.client.get("/app/admin").text.split(f'id="account-{analyst.account_id}"')[1]
    assert "désactivé" in row.split("</tr>")[0]
    admin.client.post(url, data={"csrf": admin.csrf, "action": "enable"})
    assert role_of(f, workspace.id, analyst.account_id) == ("analyst", None, False)
    assert log_in(app, analyst.email).get("/app/verbatims").status_code == 200


def test_another_workspaces_account_is_not_found(
    app: FastAPI, workspace: NewWorkspace, f: sessionmaker[Session], admin: Login
) -> None:
    other = create_workspace(f, "Autre boutique")
    stranger_id, _ = make_account(app, other.id, "analyst", name="Inconnu")
    url = f"/app/admin/accounts/{stranger_id}"
    for data in ({"action": "disable"}, {"role": "agent", "agent_id": "x"}):
        assert admin.client.post(url, data={"csrf": admin.csrf, **data}).status_code == 404
    assert role_of(f, other.id, stranger_id) == ("analyst", None, False)
    assert "Inconnu" not in admin.client.get("/app/admin").text
    ensure_touchpoint(f, other.id, "livrer")
    r = admin.client.post("/app/admin/touchpoints/livrer", data={"csrf": admin.csrf, "active": "0"})
    assert r.status_code == 404
    with f() as s:
        assert touchpoint_service.get(s, other.id, "livrer")["active"] is True


def test_a_name_with_markup_stays_text(app: FastAPI, workspace: NewWorkspace, admin: Login) -> None:
    make_account(app, workspace.id, "analyst", name=SCRIPT)
    html = admin.client.get("/app/admin").text
    assert SCRIPT not in html and "&lt;script&gt;" in html
    status, created = create(admin, name=SCRIPT, email="xss@example.com")
    assert status == 201 and SCRIPT not in created and "&lt;script&gt;" in created


def test_settings_are_saved_and_bad_values_named(
    app: FastAPI, workspace: NewWorkspace, f: sessionmaker[Session], admin: Login
) -> None:
    good = {"csrf": admin.csrf, "name": "Boutique Durand", "timezone": "America/Montreal"}
    good |= {"fatigue_days": "30", "sender_name": "L'équipe Durand"}
    r = admin.client.post("/app/admin/settings", data=good, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/app/admin?done=settings#settings"
    with f() as s:
        ws = s.get(Workspace, workspace.id)
        assert ws is not None
        assert (ws.timezone, ws.fatigue_days, ws.sender_name) == (
            "America/Montreal",
            30,
            good["sender_name"],
        )
    r = admin.client.post("/app/admin/settings", data={**good, "timezone": "Mars/Olympus"})
    assert r.status_code == 422
    field = r.text.split('name="timezone"')[1].split("</label>")[0]
    assert "Fuseau horaire inconnu" in field and "Mars/Olympus" in field
    for days in ("0", "366", "deux", "1.5"):
        r = admin.client.post("/app/admin/settings", data={**good, "fatigue_days": days})
        assert r.status_code == 422, days
        assert "un nombre entier de 1 à 365" in r.text and f'value="{days}"' in r.text
    r = admin.client.post("/app/admin/settings", data={**good, "name": " "})
    assert r.status_code == 422
    with f() as s:
        ws = s.get(Workspace, workspace.id)
        assert ws is not None and (ws.timezone, ws.fatigue_days) == ("America/Montreal", 30)
    r = admin.client.post("/app/admin/settings?format=json", data={**good, "fatigue_days": "0"})
    assert r.status_code == 422 and r.json()["error"]["details"] == [{"field": "fatigue_days"}]


def test_pausing_and_activating_a_touchpoint(
    app: FastAPI, workspace: NewWorkspace, f: sessionmaker[Session], admin: Login
) -> None:
    ensure_touchpoint(f, workspace.id)
    url = "/app/admin/touchpoints/payer"
    r = admin.client.post(url, data={"csrf": admin.csrf, "active": "0"}, follow_redirects=False)
    assert r.status_code == 303
    with f() as s:
        assert touchpoint_service.get(s, workspace.id, "payer")["active"] is False
    assert "en pause" in admin.client.get(r.headers["location"]).text
    admin.client.post(url, data={"csrf": admin.csrf, "active": "1"})
    with f() as s:
        assert touchpoint_service.get(s, workspace.id, "payer")["active"] is True
    assert (
        admin.client.post(
            "/app/admin/touchpoints/nope", data={"csrf": admin.csrf, "active": "1"}
        ).status_code
        == 404
    )


def test_the_page_in_english(app: FastAPI, workspace: NewWorkspace) -> None:
    admin = logged_in(app, workspace.id, "admin", lang="en")
    html = admin.client.get("/app/admin").text
    assert "Administration" in html and "Team" in html and "Settings" in html
    assert "Équipe" not in html
    r = admin.client.post(
        f"/app/admin/accounts/{admin.account_id}", data={"csrf": admin.csrf, "action": "disable"}
    )
    assert "You cannot disable your own account" in r.text
    status, html = create(admin, lang="en")
    assert status == 201 and "This password is shown only once" in html


def test_an_e_mail_used_in_another_workspace_is_refused_without_saying_so(
    app: FastAPI, workspace: NewWorkspace, admin: Login
) -> None:
    other = create_workspace(app.state.sessions, "Maison Secrète")
    accounts.create_account(
        app.state.sessions,
        other.id,
        email="zoe@example.com",
        name="Zoé",
        role="analyst",
        password=PASSWORD,
    )

    def refusal(email: str) -> tuple[int, str]:
        r = admin.client.post(
            "/app/admin/accounts?format=json",
            data={"csrf": admin.csrf, "email": email, "name": "X", "role": "analyst"},
        )
        error = r.json()["error"]
        return r.status_code, f"{error['code']}: {error['message']}".replace(email, "EMAIL")

    elsewhere, here = refusal("zoe@example.com"), refusal(admin.email)
    # The same answer as for an address of this very workspace: nothing tells them apart.
    assert elsewhere == here
    status, text = elsewhere
    assert status == 409 and "EMAIL" in text
    for leak in ("Maison Secrète", "workspace", "espace", "already", "déjà"):
        assert leak not in text
    status, page = create(admin, email="zoe@example.com")
    assert status == 409 and "Maison Secrète" not in page
    assert "ne peut pas servir à un nouveau compte" in page.replace("&#39;", "'")
