"""The actions pages: log a fix through the form, mark it delivered, read its before/after
(both databases)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from fluide.api.schemas import TouchpointPatch
from fluide.services import actions as service
from fluide.services import touchpoints as touchpoint_service
from fluide.services.workspaces import NewWorkspace, create_workspace
from fluide.settings import Settings
from tests.verbatims import answer, ensure_touchpoint
from tests.web.conftest import Login, logged_in

SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'
HARD = [2] * 20 + [3] * 8 + [6] * 2
EASY = [6] * 20 + [7] * 6 + [3] * 4


@pytest.fixture
def f(app: FastAPI) -> sessionmaker[Session]:
    sessions: sessionmaker[Session] = app.state.sessions
    return sessions


@pytest.fixture
def analyst(app: FastAPI, workspace: NewWorkspace, f: sessionmaker[Session]) -> Login:
    ensure_touchpoint(f, workspace.id)
    return logged_in(app, workspace.id, "analyst")


def form(login: Login, **fields: str) -> dict[str, str]:
    base = {
        "csrf": login.csrf,
        "touchpoint": "payer",
        "tag": "payment",
        "title": "Dire pourquoi la carte est refusée",
        "kind": "ux_change",
        "owner": "Léa",
        "status": "to_deliver",
        "due_on": "",
        "delivered_on": "",
        "notes": "",
    }
    return {**base, **fields}


def action_id(location: str) -> str:
    found = re.match(r"^/app/actions/(act_[0-9a-f]+)\?saved=created$", location)
    assert found is not None, location
    return found.group(1)


def test_an_analyst_logs_an_action_through_the_form(analyst: Login) -> None:
    r = analyst.client.post(
        "/app/actions", data=form(analyst, due_on="2026-05-01"), follow_redirects=False
    )
    assert r.status_code == 303
    made = action_id(r.headers["location"])
    page = analyst.client.get(f"/app/actions/{made}?saved=created")
    assert page.status_code == 200
    assert "Dire pourquoi la carte est refusée" in page.text
    assert 'role="status"' in page.text and 'id="deliver"' in page.text
    listing = analyst.client.get("/app/actions")
    assert f'href="/app/actions/{made}"' in listing.text.split('id="delivered"')[0]
    data = analyst.client.get(f"/app/actions/{made}?format=json").json()
    assert (data["tag"], data["owner"], data["due_on"], data["status"]) == (
        "payment",
        "Léa",
        "2026-05-01",
        "to_deliver",
    )
    assert data["created_by"] == analyst.account_id


def test_a_refused_form_says_why_next_to_the_field_and_keeps_what_was_typed(
    analyst: Login, app: FastAPI, workspace: NewWorkspace
) -> None:
    r = analyst.client.post(
        "/app/actions",
        data=form(analyst, status="delivered", owner="Équipe paiement", notes="À suivre"),
    )
    assert r.status_code == 422
    field = re.search(
        r'name="delivered_on"[^>]*>\s*<span class="field-error"[^>]*>([^<]+)<', r.text
    )
    assert field is not None and "date de livraison" in field.group(1)
    assert 'value="Équipe paiement"' in r.text and ">À suivre</textarea>" in r.text
    assert '<option value="delivered" selected>' in r.text
    assert service.list_actions(app.state.sessions, workspace.id) == []

    empty = analyst.client.post("/app/actions", data=form(analyst, title="  "))
    assert empty.status_code == 422
    assert re.search(r'name="title"[^>]*>\s*<span class="field-error"', empty.text)
    as_json = analyst.client.post("/app/actions?format=json", data=form(analyst, kind="magic"))
    assert as_json.status_code == 422
    assert as_json.json()["error"]["details"][0]["field"] == "kind"


def test_a_post_without_the_csrf_token_is_refused(
    analyst: Login, app: FastAPI, workspace: NewWorkspace
) -> None:
    fields = form(analyst)
    del fields["csrf"]
    assert analyst.client.post("/app/actions", data=fields).status_code == 403
    made = service.create_action(
        app.state.sessions, workspace.id, touchpoint="payer", title="FAQ", kind="faq"
    )
    r = analyst.client.post(
        f"/app/actions/{made['id']}",
        data={"csrf": "forged", "status": "delivered", "delivered_on": "2026-03-01"},
    )
    assert r.status_code == 403
    assert service.get_action(app.state.sessions, workspace.id, made["id"])["status"] == (
        "to_deliver"
    )
    assert len(service.list_actions(app.state.sessions, workspace.id)) == 1


def test_agents_can_neither_read_nor_log_actions(
    app: FastAPI, workspace: NewWorkspace, f: sessionmaker[Session]
) -> None:
    ensure_touchpoint(f, workspace.id)
    made = service.create_action(f, workspace.id, touchpoint="payer", title="FAQ", kind="faq")
    agent = logged_in(app, workspace.id, "agent", agent_id="ag-1")
    assert agent.client.get("/app/actions").status_code == 403
    assert agent.client.get(f"/app/actions/{made['id']}").status_code == 403
    assert agent.client.post("/app/actions", data=form(agent)).status_code == 403
    r = agent.client.post(f"/app/actions/{made['id']}", data={"csrf": agent.csrf, "title": "x"})
    assert r.status_code == 403
    assert [a["title"] for a in service.list_actions(f, workspace.id)] == ["FAQ"]
    admin = logged_in(app, workspace.id, "admin")
    assert admin.client.get("/app/actions").status_code == 200


def test_an_action_of_another_workspace_is_not_found(
    app: FastAPI, workspace: NewWorkspace, f: sessionmaker[Session]
) -> None:
    ensure_touchpoint(f, workspace.id)
    made = service.create_action(f, workspace.id, touchpoint="payer", title="FAQ", kind="faq")
    other = create_workspace(f, "Autre boutique")
    stranger = logged_in(app, other.id, "admin")
    assert stranger.client.get(f"/app/actions/{made['id']}").status_code == 404
    r = stranger.client.post(
        f"/app/actions/{made['id']}", data={"csrf": stranger.csrf, "title": "volé"}
    )
    assert r.status_code == 404
    assert made["id"] not in stranger.client.get("/app/actions").text
    assert service.get_action(f, workspace.id, made["id"])["title"] == "FAQ"


def test_script_in_title_and_notes_stays_text(analyst: Login) -> None:
    r = analyst.client.post(
        "/app/actions", data=form(analyst, title=SCRIPT, notes=SCRIPT), follow_redirects=False
    )
    made = action_id(r.headers["location"])
    for url in ("/app/actions", f"/app/actions/{made}"):
        html = analyst.client.get(url).text
        assert "<script>" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(" in html
    refused = analyst.client.post("/app/actions", data=form(analyst, title=SCRIPT, kind="?"))
    assert refused.status_code == 422 and "<script>" not in refused.text


def delivered_ago(days: int) -> tuple[date, datetime, datetime]:
    """A delivery ``days`` ago (Paris), with moments a week before and a few days after."""
    today = datetime.now(UTC).date()
    delivered = today - timedelta(days=days)
    at = datetime(delivered.year, delivered.month, delivered.day, 12, tzinfo=UTC)
    return delivered, at - timedelta(days=8), at + timedelta(days=2)


def test_marking_delivered_shows_the_proof_of_improvement(
    analyst: Login, f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    delivered, before, after = delivered_ago(10)
    answer(f, settings, workspace.id, [(s, None) for s in HARD], at=before)
    answer(f, settings, workspace.id, [(s, None) for s in EASY], at=after)
    r = analyst.client.post("/app/actions", data=form(analyst), follow_redirects=False)
    made = action_id(r.headers["location"])
    done = analyst.client.post(
        f"/app/actions/{made}",
        data={
            "csrf": analyst.csrf,
            "form": "deliver",
            "status": "delivered",
            "delivered_on": delivered.isoformat(),
        },
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"].endswith("?saved=updated")
    page = analyst.client.get(f"/app/actions/{made}")
    assert 'class="notice verdict-box" id="verdict"' in page.text
    assert '<svg class="chart" role="img"' in page.text and "<rect" in page.text
    data: dict[str, Any] = analyst.client.get(f"/app/actions/{made}?format=json").json()
    ba = data["before_after"]
    assert ba["improved"] is True and ba["difference"]["ci"][0] > 0
    assert ba["difference"]["value"] == pytest.approx(sum(EASY) / 30 - sum(HARD) / 30)
    # The page prints the JSON's figures, in French.
    assert f"{ba['before']['mean']:.2f}".replace(".", ",") in page.text
    assert "p &lt; 0,001" in page.text
    listing = analyst.client.get("/app/actions").text
    delivered_part = listing.split('id="delivered"')[1]
    assert f"/app/actions/{made}" in delivered_part and "flag good verdict" in delivered_part
    assert "2,5 → 5,8" in delivered_part

    reopened = analyst.client.post(
        f"/app/actions/{made}",
        data={"csrf": analyst.csrf, "form": "reopen", "status": "to_deliver"},
    )
    assert reopened.status_code == 200  # followed to the page
    again = analyst.client.get(f"/app/actions/{made}?format=json").json()
    assert (again["status"], again["delivered_on"], again["before_after"]) == (
        "to_deliver",
        None,
        None,
    )


def test_a_question_changed_across_the_date_is_flagged_on_the_page(
    analyst: Login, f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    delivered, before, after = delivered_ago(10)
    answer(f, settings, workspace.id, [(s, None) for s in HARD], at=before)
    touchpoint_service.update(f, workspace.id, "payer", TouchpointPatch(scale="1-5"))
    answer(f, settings, workspace.id, [(s, None) for s in [4, 5] * 15], at=after)
    made = service.create_action(
        f,
        workspace.id,
        touchpoint="payer",
        title="Nouvelle échelle",
        kind="other",
        status="delivered",
        delivered_on=delivered,
    )
    page = analyst.client.get(f"/app/actions/{made['id']}")
    assert page.status_code == 200
    assert 'id="not-comparable"' in page.text and 'id="verdict"' not in page.text
    assert "indice d" in page.text  # both sides shown on the effort index
    listing = analyst.client.get("/app/actions").text
    assert "Question modifiée" in listing


def test_a_refused_edit_keeps_the_values_and_changes_nothing(
    analyst: Login, f: sessionmaker[Session], workspace: NewWorkspace
) -> None:
    made = service.create_action(f, workspace.id, touchpoint="payer", title="FAQ", kind="faq")
    future = (datetime.now(UTC).date() + timedelta(days=30)).isoformat()
    r = analyst.client.post(
        f"/app/actions/{made['id']}",
        data={
            "csrf": analyst.csrf,
            "form": "deliver",
            "status": "delivered",
            "delivered_on": future,
        },
    )
    assert r.status_code == 422
    assert "dans le futur" in r.text and f'value="{future}"' in r.text
    edit = analyst.client.post(
        f"/app/actions/{made['id']}",
        data={**form(analyst, title="FAQ paiement", owner="Tom"), "form": "edit"},
        follow_redirects=False,
    )
    assert edit.status_code == 303
    saved = service.get_action(f, workspace.id, made["id"])
    assert (saved["title"], saved["owner"], saved["tag"], saved["status"]) == (
        "FAQ paiement",
        "Tom",
        "payment",
        "to_deliver",
    )


def test_pages_speak_the_users_language(
    app: FastAPI, workspace: NewWorkspace, f: sessionmaker[Session]
) -> None:
    ensure_touchpoint(f, workspace.id)
    made = service.create_action(f, workspace.id, touchpoint="payer", title="FAQ", kind="faq")
    english = logged_in(app, workspace.id, "analyst", lang="en")
    french = logged_in(app, workspace.id, "analyst", lang="fr")
    en, fr = (x.client.get(f"/app/actions/{made['id']}").text for x in (english, french))
    assert "Mark as delivered" in en and "FAQ / help article" in en
    assert "Marquer comme livrée" in fr and "FAQ / article d&#39;aide" in fr
    assert "Log an action" in english.client.get("/app/actions").text
    listing = french.client.get("/app/actions?format=json").json()
    assert [a["id"] for a in listing["actions"]] == [made["id"]]
