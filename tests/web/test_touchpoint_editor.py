"""The touchpoint editor: create, edit, preview, test event (both databases)."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from fluide.api.schemas import EventIn
from fluide.services import touchpoints as touchpoint_service
from fluide.services.decide_batch import WorkspaceId
from fluide.services.events import record_events
from fluide.services.workspaces import NewWorkspace, create_workspace
from fluide.storage.models import EndUser, Event, Invitation, QuestionVersion
from fluide.storage.types import utcnow
from tests.verbatims import ensure_touchpoint
from tests.web.conftest import Login, logged_in

SCRIPT = '<script>alert("x")</script>'


def form(admin: Login, **fields: str) -> dict[str, str]:
    body = {
        "csrf": admin.csrf,
        "key": "payer_facture",
        "task": "payer la facture",
        "question_fr": "J'ai pu payer ma facture facilement",
        "question_en": "I could pay my invoice easily",
        "prompt_fr": "",
        "prompt_en": "",
        "scale": "1-7",
        "polarity": "ease",
        "low_max": "",
        "high_min": "",
        "triggers": "invoice_paid\ninvoice_payment_failed failure",
        "channel.in_app": "1",
        "channel.email": "1",
        "sampling": "100",
        "cooldown_days": "14",
        "expires_after_hours": "24",
        "active": "1",
    }
    return {**body, **fields}


def create(admin: Login, **fields: str) -> Any:
    return admin.client.post(
        "/app/admin/touchpoints", data=form(admin, **fields), follow_redirects=False
    )


def count(f: sessionmaker[Session], model: type[Any], ws: str) -> int:
    with f() as s:
        return int(
            s.scalar(select(func.count()).select_from(model).where(model.workspace_id == ws)) or 0
        )


def stored(f: sessionmaker[Session], ws: str, key: str) -> dict[str, Any]:
    with f() as s:
        return touchpoint_service.get(s, ws, key)


@pytest.mark.parametrize("role", ["analyst", "agent"])
def test_only_admins_open_the_editor(app: FastAPI, workspace: NewWorkspace, role: str) -> None:
    login = logged_in(app, workspace.id, role, agent_id="ag-1")
    assert login.client.get("/app/admin/touchpoints/new").status_code == 403
    r = login.client.post("/app/admin/touchpoints", data=form(login), follow_redirects=False)
    assert r.status_code == 403
    r = login.client.post("/app/admin/touchpoint-preview", data=form(login))
    assert r.status_code == 403


def test_an_admin_creates_a_touchpoint_as_the_api_would(
    admin: Login, workspace: NewWorkspace, f: sessionmaker[Session]
) -> None:
    r = create(admin)
    assert r.status_code == 303
    assert r.headers["location"] == "/app/admin/touchpoints/payer_facture/edit?done=created"
    tp = stored(f, workspace.id, "payer_facture")
    assert tp["task"] == "payer la facture"
    assert tp["question"] == {
        "fr": "J'ai pu payer ma facture facilement",
        "en": "I could pay my invoice easily",
    }
    assert tp["triggers"] == [
        {"event": "invoice_paid"},
        {"event": "invoice_payment_failed", "outcome": "failure"},
    ]
    assert tp["channels"] == ["in_app", "email"]
    assert tp["effort_groups"] == {"low_max": 2, "high_min": 5}
    assert tp["version"]["number"] == 1
    page = admin.client.get(r.headers["location"])
    assert page.status_code == 200
    assert 'id="notice"' in page.text


def test_a_refused_form_names_the_field_and_keeps_the_values(
    admin: Login, workspace: NewWorkspace, f: sessionmaker[Session]
) -> None:
    r = create(admin, sampling="150", task="Payer « vite »")
    assert r.status_code == 422
    assert 'id="error-sampling"' in r.text
    assert "0" in r.text and "100" in r.text
    assert 'value="Payer « vite »"' in r.text
    assert count(f, QuestionVersion, workspace.id) == 0
    r = create(admin, triggers="a b c")
    assert r.status_code == 422 and 'id="error-triggers"' in r.text
    r = create(admin, key="Pas Une Clé")
    assert r.status_code == 422 and 'id="error-key"' in r.text
    r = create(admin, low_max="6", high_min="3")
    assert r.status_code == 422 and 'id="error-low_max"' in r.text


def test_a_second_touchpoint_with_the_same_key_is_refused_next_to_the_key(admin: Login) -> None:
    assert create(admin).status_code == 303
    r = create(admin)
    assert r.status_code == 409
    assert 'id="error-key"' in r.text and "payer_facture" in r.text


def test_the_form_needs_the_csrf_token(
    admin: Login, workspace: NewWorkspace, f: sessionmaker[Session]
) -> None:
    r = admin.client.post(
        "/app/admin/touchpoints", data=form(admin, csrf="nope"), follow_redirects=False
    )
    assert r.status_code == 403
    assert count(f, QuestionVersion, workspace.id) == 0


def test_a_task_name_with_markup_stays_inert(admin: Login) -> None:
    assert create(admin, task=SCRIPT, question_fr=SCRIPT).status_code == 303
    page = admin.client.get("/app/admin/touchpoints/payer_facture/edit")
    assert SCRIPT not in page.text
    assert html.escape(SCRIPT) in page.text or "&lt;script&gt;" in page.text
    admin_page = admin.client.get("/app/admin")
    assert SCRIPT not in admin_page.text


def test_the_preview_shows_the_question_on_every_channel_in_both_languages(admin: Login) -> None:
    r = admin.client.post("/app/admin/touchpoint-preview", data=form(admin, preview_lang="en"))
    assert r.status_code == 200
    text = html.unescape(r.text)
    for frame in ("preview-widget", "preview-email", "preview-survey"):
        assert f'id="{frame}"' in r.text
    assert text.count("I could pay my invoice easily") >= 3
    r = admin.client.post("/app/admin/touchpoint-preview", data=form(admin, preview_lang="fr"))
    assert html.unescape(r.text).count("pu payer ma facture facilement") >= 3


def test_an_edit_of_the_wording_waits_for_confirmation_then_starts_a_version(
    admin: Login, workspace: NewWorkspace, f: sessionmaker[Session]
) -> None:
    create(admin)
    url = "/app/admin/touchpoints/payer_facture/edit"
    changed = form(admin, question_fr="Payer ma facture a été simple")
    preview = admin.client.post(
        "/app/admin/touchpoint-preview", data={**changed, "editing": "payer_facture"}
    )
    assert 'id="version-warning"' in preview.text and "2" in preview.text
    r = admin.client.post(url, data=changed, follow_redirects=False)
    assert r.status_code == 200
    assert 'id="confirm-version"' in r.text
    assert stored(f, workspace.id, "payer_facture")["version"]["number"] == 1
    r = admin.client.post(url, data={**changed, "confirmed": "1"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("done=version")
    tp = stored(f, workspace.id, "payer_facture")
    assert tp["version"]["number"] == 2
    assert tp["question"]["fr"] == "Payer ma facture a été simple"
    page = admin.client.get(r.headers["location"])
    assert re.search(r'id="current-version">[^<]*2', page.text)


def test_saving_an_unchanged_form_starts_no_version(
    admin: Login, workspace: NewWorkspace, f: sessionmaker[Session]
) -> None:
    create(admin, low_max="3", high_min="6", prompt_fr="Quoi de plus simple ?")
    url = "/app/admin/touchpoints/payer_facture/edit"
    page = admin.client.get(url)
    assert 'id="version-warning"' not in page.text
    r = admin.client.post(
        url,
        data=form(
            admin, low_max="3", high_min="6", prompt_fr="Quoi de plus simple ?", sampling="50"
        ),
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].endswith("done=saved")
    tp = stored(f, workspace.id, "payer_facture")
    assert tp["version"]["number"] == 1 and tp["sampling"] == 0.5


def test_a_new_scale_takes_its_default_groups_when_the_cut_points_are_left(
    admin: Login, workspace: NewWorkspace, f: sessionmaker[Session]
) -> None:
    create(admin)
    r = admin.client.post(
        "/app/admin/touchpoints/payer_facture/edit",
        data=form(admin, scale="emoji-3", low_max="2", high_min="5", confirmed="1"),
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    tp = stored(f, workspace.id, "payer_facture")
    assert tp["scale"] == "emoji-3" and tp["effort_groups"] == {"low_max": 1, "high_min": 3}


def test_a_test_event_shows_the_decision_and_invitation_and_stores_nothing(
    admin: Login, workspace: NewWorkspace, f: sessionmaker[Session]
) -> None:
    create(admin)
    url = "/app/admin/touchpoints/payer_facture/test"
    data = {
        "csrf": admin.csrf,
        "event_type": "invoice_paid",
        "user_id": "",
        "channel": "email",
        "lang": "en",
    }
    r = admin.client.post(url, data=data)
    assert r.status_code == 200
    assert 'id="test-decision"' in r.text and 'id="test-email"' in r.text
    assert "I could pay my invoice easily" in html.unescape(r.text)
    as_json = admin.client.post(url + "?format=json", data=data).json()
    assert as_json["decision"] == "invited" and as_json["stored"] is False
    assert as_json["invitation"]["channel"] == "email"
    other = admin.client.post(
        url + "?format=json", data={**data, "event_type": "unknown_event"}
    ).json()
    assert other["decision"] == "no_trigger"
    for model in (Event, Invitation, EndUser):
        assert count(f, model, workspace.id) == 0


def test_a_test_event_for_a_recently_asked_user_says_cooldown(
    admin: Login, workspace: NewWorkspace, f: sessionmaker[Session], app: FastAPI
) -> None:
    create(admin)
    sent = EventIn.model_validate(
        {"id": "e-1", "type": "invoice_paid", "user": {"id": "u-7"}, "occurred_at": utcnow()}
    )
    decided = record_events(f, WorkspaceId(workspace.id), [sent], app.state.settings)
    assert decided[0]["decision"] == "invited"
    events = count(f, Event, workspace.id)
    r = admin.client.post(
        "/app/admin/touchpoints/payer_facture/test?format=json",
        data={"csrf": admin.csrf, "event_type": "invoice_paid", "user_id": "u-7", "lang": "fr"},
    )
    assert r.json()["decision"] == "cooldown" and r.json()["known_user"] is True
    page = admin.client.post(
        "/app/admin/touchpoints/payer_facture/test",
        data={"csrf": admin.csrf, "event_type": "invoice_paid", "user_id": "u-7", "lang": "en"},
    )
    assert "Pas invité (délai)" in page.text and "14 jours" in page.text
    assert count(f, Event, workspace.id) == events


def test_a_test_event_with_a_bad_event_type_names_the_field(admin: Login) -> None:
    create(admin)
    r = admin.client.post(
        "/app/admin/touchpoints/payer_facture/test",
        data={
            "csrf": admin.csrf,
            "event_type": "two words",
            "user_id": "x",
            "channel": "in_app",
            "lang": "fr",
        },
    )
    assert r.status_code == 422
    assert "field-error" in r.text and 'value="two words"' in r.text


def test_markup_in_the_question_stays_inert_in_every_preview(admin: Login) -> None:
    r = admin.client.post(
        "/app/admin/touchpoint-preview", data=form(admin, task=SCRIPT, question_fr=SCRIPT)
    )
    assert r.status_code == 200
    # Escaped in the page, and again in the document inside each frame: never markup.
    assert SCRIPT not in r.text
    documents = [html.unescape(d) for d in re.findall(r'srcdoc="([^"]*)"', r.text)]
    assert len(documents) == 3
    for document in documents:
        assert "alert" in document and SCRIPT not in document


def test_only_admins_see_the_edit_link_on_the_touchpoint_page(
    app: FastAPI, workspace: NewWorkspace, admin: Login
) -> None:
    create(admin)
    url = "/app/touchpoints/payer_facture"
    assert 'id="edit-touchpoint"' in admin.client.get(url).text
    analyst = logged_in(app, workspace.id, "analyst")
    assert 'id="edit-touchpoint"' not in analyst.client.get(url).text
    assert 'id="new-touchpoint"' in admin.client.get("/app/admin").text


def test_another_workspaces_touchpoint_cannot_be_edited_or_tested(
    app: FastAPI, admin: Login
) -> None:
    other = create_workspace(app.state.sessions, "Autre")
    ensure_touchpoint(app.state.sessions, other.id, "payer")
    assert admin.client.get("/app/admin/touchpoints/payer/edit").status_code == 404
    r = admin.client.post(
        "/app/admin/touchpoints/payer/test",
        data={"csrf": admin.csrf, "event_type": "payment_succeeded"},
    )
    assert r.status_code == 404


def test_only_wording_scale_polarity_or_groups_warn_of_a_new_version(admin: Login) -> None:
    create(admin)

    def warns(**fields: str) -> bool:
        data = {**form(admin, **fields), "editing": "payer_facture"}
        r = admin.client.post("/app/admin/touchpoint-preview", data=data)
        assert r.status_code == 200
        return 'id="version-warning"' in r.text

    assert not warns()
    assert not warns(task="régler la facture", sampling="20", cooldown_days="30")
    assert not warns(triggers="invoice_paid", **{"channel.link": "1"})
    assert warns(prompt_fr="Qu'est-ce qui a coincé ?", prompt_en="What was hard?")
    assert warns(scale="1-5")
    assert warns(polarity="effort")
    assert warns(low_max="3", high_min="6")


def test_an_incomplete_form_previews_a_message_not_an_error(admin: Login) -> None:
    r = admin.client.post("/app/admin/touchpoint-preview", data=form(admin, question_fr=""))
    assert r.status_code == 200
    assert 'id="preview-problem"' in r.text and "preview-survey" not in r.text


def test_a_test_event_can_be_sampled_out_and_says_so(
    admin: Login, workspace: NewWorkspace, f: sessionmaker[Session]
) -> None:
    create(admin, sampling="0")
    r = admin.client.post(
        "/app/admin/touchpoints/payer_facture/test?format=json",
        data={"csrf": admin.csrf, "event_type": "invoice_paid", "user_id": "u-1"},
    )
    assert r.json()["decision"] == "sampled_out" and r.json()["invitation"] is None
    assert r.json()["reason"] == {"sampling": 0.0}
    assert count(f, Event, workspace.id) == 0


def test_an_emptied_comment_prompt_goes_back_to_the_default(
    admin: Login, workspace: NewWorkspace, f: sessionmaker[Session]
) -> None:
    create(admin, prompt_fr="Qu'est-ce qui a coincé ?")
    r = admin.client.post(
        "/app/admin/touchpoints/payer_facture/edit",
        data=form(admin, confirmed="1"),
        follow_redirects=False,
    )
    assert r.headers["location"].endswith("done=version")
    prompt = stored(f, workspace.id, "payer_facture")["comment_prompt"]
    assert prompt == touchpoint_service.DEFAULT_COMMENT_PROMPT
