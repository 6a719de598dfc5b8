"""Pages, the editor and the report read a touchpoint's task in the viewer's language
(both databases)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from fluide.api.schemas import TouchpointPatch
from fluide.inputs.requests import TaskNames
from fluide.services import touchpoints as touchpoint_service
from fluide.services.workspaces import NewWorkspace
from fluide.settings import Settings
from tests.web.conftest import logged_in
from tests.web.test_backlog import frictions, recent
from tests.web.test_names_not_keys import KEY, struggling_workspace, text_of
from tests.web.test_touchpoint_editor import create, form

NAMES = {"fr": "changer la carte bancaire", "en": "change the bank card"}


@pytest.fixture
def ws(app: FastAPI) -> NewWorkspace:
    """A touchpoint named in both languages."""
    return struggling_workspace(app, task=NAMES["fr"], task_names=NAMES)


@pytest.mark.parametrize(
    "path",
    [
        "/app",
        f"/app/touchpoints/{KEY}",
        "/app/verbatims",
        "/app/agents",
        "/app/agents/a-1",
        "/app/report",
        "/app/follow-ups",
        "/app/admin",
        f"/app/admin/touchpoints/{KEY}/edit",
    ],
)
@pytest.mark.parametrize(("lang", "other"), [("fr", "en"), ("en", "fr")])
def test_a_page_reads_the_task_in_the_viewers_language(
    app: FastAPI, ws: NewWorkspace, path: str, lang: str, other: str
) -> None:
    admin = logged_in(app, ws.id, "admin", lang=lang)
    r = admin.client.get(path)
    assert r.status_code == 200, r.text[:300]
    read = text_of(r.text)
    assert NAMES[lang] in read, path
    assert NAMES[other] not in read, path


def test_the_touchpoint_page_title_is_the_english_task_in_english(
    app: FastAPI, ws: NewWorkspace
) -> None:
    page = logged_in(app, ws.id, "analyst", lang="en").client.get(f"/app/touchpoints/{KEY}")
    assert f"<title>{NAMES['en']}" in page.text


def _stored(f: sessionmaker[Session], ws: str, key: str) -> dict[str, Any]:
    with f() as s:
        return touchpoint_service.get(s, ws, key)


def test_the_editor_saves_both_task_names(app: FastAPI, workspace: NewWorkspace) -> None:
    admin = logged_in(app, workspace.id, "admin")
    assert create(admin, task_en="pay the invoice").status_code == 303
    tp = _stored(app.state.sessions, workspace.id, "payer_facture")
    assert tp["task"] == "payer la facture"
    assert tp["task_names"] == {"fr": "payer la facture", "en": "pay the invoice"}
    page = admin.client.get("/app/admin/touchpoints/payer_facture/edit")
    assert 'name="task_en" value="pay the invoice"' in page.text


def test_an_editor_left_without_english_follows_the_french_name(
    app: FastAPI, workspace: NewWorkspace
) -> None:
    admin = logged_in(app, workspace.id, "admin")
    create(admin)
    r = admin.client.post(
        "/app/admin/touchpoints/payer_facture/edit",
        data=form(admin, task="régler la facture"),
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text[:300]
    tp = _stored(app.state.sessions, workspace.id, "payer_facture")
    assert tp["task_names"] == {"fr": "régler la facture", "en": "régler la facture"}
    page = admin.client.get("/app/admin/touchpoints/payer_facture/edit")
    assert 'name="task_en" value=""' in page.text


def test_a_too_long_english_task_is_refused_next_to_its_field(
    app: FastAPI, workspace: NewWorkspace
) -> None:
    admin = logged_in(app, workspace.id, "admin")
    r = create(admin, task_en="x" * 201)
    assert r.status_code == 422
    assert 'id="error-task_en"' in r.text
    assert 'value="payer la facture"' in r.text  # nothing typed is lost


def test_the_frictions_backlog_reads_the_task_in_english(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    frictions(app.state.sessions, settings, workspace.id, at=recent())
    patch = TouchpointPatch(task_names=TaskNames(en="pay the bill"))
    touchpoint_service.update(app.state.sessions, workspace.id, "payer", patch)
    login = logged_in(app, workspace.id, "analyst", lang="en")
    read = text_of(login.client.get("/app/frictions").text)
    assert "· pay the bill" in read
    item = login.client.get("/app/frictions?format=json").json()["frictions"][0]
    assert item["task"] == "payer"  # the JSON keeps the task as the API sent it
    assert item["task_names"] == {"fr": "payer", "en": "pay the bill"}
