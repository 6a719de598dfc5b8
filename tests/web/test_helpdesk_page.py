"""The help-desk section of the dashboard: admins only, CSRF on every form, tokens never
shown back, a refused form names its field, and the follow-ups page shows the ticket's
link and a push button (both databases)."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI

from fluide.jobs.helpdesk import push_pending
from fluide.services import helpdesk as service
from fluide.services.workspaces import NewWorkspace
from fluide.settings import Settings
from tests.helpdesk_fake import fake_vendor
from tests.services.test_follow_ups import respond, sessions
from tests.web.conftest import logged_in

TOKEN = "zd-page-T0ken-never-shown"
FORM = {
    "provider": "zendesk",
    "subdomain": "acme",
    "email": "bot@acme.example",
    "token": TOKEN,
    "lang": "en",
    "push_on_create": "1",
    "map_score": "360001",
}


@pytest.mark.parametrize("role", ["analyst", "agent"])
def test_only_admins_open_and_change_the_help_desk(
    app: FastAPI, workspace: NewWorkspace, role: str
) -> None:
    login = logged_in(app, workspace.id, role)
    assert login.client.get("/app/admin/helpdesk").status_code == 403
    r = login.client.post("/app/admin/helpdesk", data={"csrf": login.csrf, **FORM})
    assert r.status_code == 403
    assert service.get_connection(sessions(app), app.state.settings, workspace.id) is None


def test_an_admin_connects_zendesk_and_the_token_is_never_shown_back(
    app: FastAPI, workspace: NewWorkspace
) -> None:
    admin = logged_in(app, workspace.id, "admin", lang="en")
    assert (
        admin.client.post("/app/admin/helpdesk", data={"csrf": "forged", **FORM}).status_code == 403
    )
    r = admin.client.post("/app/admin/helpdesk", data={"csrf": admin.csrf, **FORM})
    assert r.status_code == 200 and "The help-desk connection was saved." in r.text
    assert TOKEN not in r.text
    assert "Connected to Zendesk" in r.text and 'value="360001"' in r.text
    assert "/v1/integrations/helpdesk/inbound/hd_" in r.text
    assert admin.client.get("/app/admin").text.count('href="/app/admin/helpdesk"') == 1


def test_a_refused_form_names_its_field_in_the_viewers_language(
    app: FastAPI, workspace: NewWorkspace
) -> None:
    admin = logged_in(app, workspace.id, "admin", lang="fr")
    bad = FORM | {"map_score": "priorité"}
    r = admin.client.post("/app/admin/helpdesk", data={"csrf": admin.csrf, **bad})
    assert r.status_code == 422
    assert "Un champ personnalisé Zendesk se désigne par son identifiant numérique" in r.text
    assert TOKEN not in r.text  # a refused form does not echo the token either


def test_a_webhook_secret_is_shown_once(app: FastAPI, workspace: NewWorkspace) -> None:
    app.state.settings = app.state.settings.model_copy(update={"webhook_allow_private": True})
    admin = logged_in(app, workspace.id, "admin", lang="en")
    form = {"csrf": admin.csrf, "provider": "webhook", "url": "http://127.0.0.1:9/hook"}
    r = admin.client.post("/app/admin/helpdesk", data=form)
    assert r.status_code == 200 and "shown this once" in r.text
    assert "shown this once" not in admin.client.get("/app/admin/helpdesk").text


def test_the_follow_ups_page_links_the_ticket_and_pushes_by_hand(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    with fake_vendor() as fake:
        local = settings.model_copy(
            update={"webhook_allow_private": True, "helpdesk_base_url_override": fake.url}
        )
        respond(app, settings, workspace.id, 2, "Trop d'étapes")
        admin = logged_in(app, workspace.id, "admin", lang="en")
        page = admin.client.get("/app/follow-ups?status=all").text
        assert "Push to the help desk" not in page  # nothing connected yet
        service.put_connection(
            sessions(app),
            local,
            workspace.id,
            {"provider": "zendesk", "subdomain": "acme", "email": "b@acme.example", "token": TOKEN},
        )
        page = admin.client.get("/app/follow-ups?status=all").text
        assert "Push to the help desk" in page
        [fu_id] = re.findall(r'action="/app/follow-ups/([^"/]+)/push"', page)
        r = admin.client.post(
            f"/app/follow-ups/{fu_id}/push",
            data={"csrf": admin.csrf, "back": "/app/follow-ups?status=all"},
            follow_redirects=False,
        )
        assert r.status_code == 303 and r.headers["location"].endswith(f"#fu-{fu_id}")
        assert push_pending(sessions(app), local) == 1
        page = admin.client.get("/app/follow-ups?status=all").text
        assert 'href="https://acme.zendesk.com/agent/tickets/35436"' in page
        assert "Ticket 35436" in page
