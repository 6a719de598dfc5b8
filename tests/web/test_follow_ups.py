"""The follow-ups page: who sees what, closing with an outcome, CSRF, escaping (both DBs)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from markupsafe import escape

from fluide.api.routes import follow_ups as follow_up_api
from fluide.services import follow_ups as service
from fluide.services.workspaces import NewWorkspace, create_workspace
from fluide.settings import Settings
from tests.services.test_follow_ups import respond, sessions
from tests.web.conftest import csrf_of, logged_in

NOW = datetime.now(UTC)


def ids_on(page: str) -> list[str]:
    return re.findall(r'<tr id="fu-([^"]+)"', page)


def only(app: FastAPI, ws: str, **filters: object) -> dict[str, object]:
    [fu] = service.list_follow_ups(sessions(app), ws, **filters)  # type: ignore[arg-type]
    return fu


def test_analysts_see_every_follow_up_with_the_same_data_as_json(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    analyst = logged_in(app, workspace.id, "analyst", lang="en")
    respond(app, settings, workspace.id, 2, "Trois essais", agent="a-1", at=NOW)
    respond(app, settings, workspace.id, 1, "Bloqué", at=NOW - timedelta(days=3))
    page = analyst.client.get("/app/follow-ups")
    assert page.status_code == 200
    assert len(ids_on(page.text)) == 2
    assert "Follow-ups" in page.text and "late" in page.text
    data = analyst.client.get("/app/follow-ups?format=json").json()
    assert data["counts"] == {"open": 2, "overdue": 1, "closed_this_week": 0}
    assert [f["comment"] for f in data["follow_ups"]] == ["Bloqué", "Trois essais"]
    assert data["follow_ups"][0]["overdue"] is True
    assert set(data["follow_ups"][0]) >= {
        "id",
        "touchpoint",
        "touchpoint_task",
        "response_id",
        "score",
        "effort_group",
        "comment",
        "customer",
        "customer_email",
        "agent_id",
        "assignee_id",
        "assignee",
        "status",
        "outcome",
        "note",
        "reason",
        "created_at",
        "due_at",
        "closed_at",
        "overdue",
    }
    # The overdue row stands out, saying by how much.
    late_id = data["follow_ups"][0]["id"]
    row = re.search(rf'<tr id="fu-{late_id}" class="open overdue">(.*?)</tr>', page.text, re.S)
    assert row is not None and re.search(r"\d+ (hours|days) late", row.group(1))


def test_an_agent_sees_only_their_own_follow_ups(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    agent = logged_in(app, workspace.id, "agent", agent_id="a-1")
    logged_in(app, workspace.id, "agent", agent_id="a-2")
    respond(app, settings, workspace.id, 2, "Mon client", agent="a-1", at=NOW)
    respond(app, settings, workspace.id, 1, "Le client de l'autre", agent="a-2", at=NOW)
    page = agent.client.get("/app/follow-ups")
    assert "Mon client" in page.text and "Le client de l&#39;autre" not in page.text
    assert "autre" not in page.text
    data = agent.client.get("/app/follow-ups?format=json&assignee=none&status=all").json()
    assert [f["comment"] for f in data["follow_ups"]] == ["Mon client"]
    assert data["counts"]["open"] == 1 and data["assignees"] == []
    assert 'name="assignee_id"' not in page.text  # agents do not assign


def test_an_agent_cannot_update_another_agents_follow_up_by_posting_its_id(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    agent = logged_in(app, workspace.id, "agent", agent_id="a-1")
    logged_in(app, workspace.id, "agent", agent_id="a-2")
    respond(app, settings, workspace.id, 1, "Le client de l'autre", agent="a-2", at=NOW)
    respond(app, settings, workspace.id, 2, "Mon client", agent="a-1", at=NOW)
    theirs = next(
        f for f in service.list_follow_ups(sessions(app), workspace.id) if f["agent_id"] == "a-2"
    )
    r = agent.client.post(
        f"/app/follow-ups/{theirs['id']}",
        data={"csrf": agent.csrf, "status": "closed", "outcome": "resolved"},
        follow_redirects=False,
    )
    assert r.status_code == 404
    mine = next(
        f for f in service.list_follow_ups(sessions(app), workspace.id) if f["agent_id"] == "a-1"
    )
    r = agent.client.post(
        f"/app/follow-ups/{mine['id']}",
        data={"csrf": agent.csrf, "assignee_id": str(theirs["assignee_id"])},
        follow_redirects=False,
    )
    assert r.status_code == 403
    states = {
        f["agent_id"]: (f["status"], f["assignee_id"])
        for f in service.list_follow_ups(sessions(app), workspace.id)
    }
    assert states == {
        "a-2": ("open", theirs["assignee_id"]),
        "a-1": ("open", mine["assignee_id"]),
    }


def test_closing_with_an_outcome_through_the_form_comes_back_to_the_row(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    agent = logged_in(app, workspace.id, "agent", agent_id="a-1")
    respond(app, settings, workspace.id, 2, "Mon client", agent="a-1", at=NOW)
    fu_id = agent.client.get("/app/follow-ups?format=json").json()["follow_ups"][0]["id"]
    started = agent.client.post(
        f"/app/follow-ups/{fu_id}",
        data={"csrf": agent.csrf, "status": "in_progress", "back": "/app/follow-ups?status=all"},
        follow_redirects=False,
    )
    assert started.status_code == 303
    assert started.headers["location"] == f"/app/follow-ups?status=all#fu-{fu_id}"
    without = agent.client.post(
        f"/app/follow-ups/{fu_id}",
        data={"csrf": agent.csrf, "status": "closed", "outcome": "", "note": "Rappelé"},
        follow_redirects=False,
    )
    assert without.status_code == 422
    assert "résultat" in without.text.lower() or "outcome" in without.text
    closed = agent.client.post(
        f"/app/follow-ups/{fu_id}",
        data={
            "csrf": agent.csrf,
            "status": "closed",
            "outcome": "resolved",
            "note": "Rappelé, paiement passé",
            "back": "https://evil.example/app/follow-ups",
        },
        follow_redirects=False,
    )
    assert closed.status_code == 303
    assert closed.headers["location"] == f"/app/follow-ups#fu-{fu_id}"
    fu = agent.client.get("/app/follow-ups?format=json&status=closed").json()["follow_ups"][0]
    assert (fu["status"], fu["outcome"], fu["note"]) == (
        "closed",
        "resolved",
        "Rappelé, paiement passé",
    )
    # Closed ones leave the default list (to do or in progress).
    assert agent.client.get("/app/follow-ups?format=json").json()["follow_ups"] == []


def test_a_post_without_the_csrf_token_is_refused(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    analyst = logged_in(app, workspace.id, "analyst")
    respond(app, settings, workspace.id, 2, "Trop long", at=NOW)
    fu_id = only(app, workspace.id)["id"]
    for token in (None, "forged"):
        data = {"status": "closed", "outcome": "resolved"}
        if token:
            data["csrf"] = token
        r = analyst.client.post(f"/app/follow-ups/{fu_id}", data=data, follow_redirects=False)
        assert r.status_code == 403
    assert only(app, workspace.id)["status"] == "open"


def test_analysts_assign_and_filter_by_assignee_touchpoint_and_lateness(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    analyst = logged_in(app, workspace.id, "analyst")
    agent = logged_in(app, workspace.id, "agent", agent_id="a-5")
    respond(app, settings, workspace.id, 2, "Récent", at=NOW)
    respond(
        app, settings, workspace.id, 1, "Ancien", at=NOW - timedelta(days=3), touchpoint="livrer"
    )
    recent = only(app, workspace.id, touchpoint="payer")
    r = analyst.client.post(
        f"/app/follow-ups/{recent['id']}",
        data={"csrf": analyst.csrf, "assignee_id": agent.account_id},
        follow_redirects=False,
    )
    assert r.status_code == 303
    get = analyst.client.get
    mine = get(f"/app/follow-ups?format=json&assignee={agent.account_id}").json()["follow_ups"]
    assert [f["comment"] for f in mine] == ["Récent"]
    assert [
        f["comment"] for f in get("/app/follow-ups?format=json&assignee=none").json()["follow_ups"]
    ] == ["Ancien"]
    assert [
        f["comment"] for f in get("/app/follow-ups?format=json&overdue=1").json()["follow_ups"]
    ] == ["Ancien"]
    assert [
        f["comment"]
        for f in get("/app/follow-ups?format=json&touchpoint=payer").json()["follow_ups"]
    ] == ["Récent"]
    # The agent now sees it as theirs.
    assert [
        f["comment"] for f in agent.client.get("/app/follow-ups?format=json").json()["follow_ups"]
    ] == ["Récent"]


def test_bad_filters_are_explained_not_crashed_on(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    analyst = logged_in(app, workspace.id, "analyst", lang="en")
    bad = analyst.client.get("/app/follow-ups?status=pending")
    assert bad.status_code == 422 and "active, open, in_progress, closed, all" in bad.text
    assert analyst.client.get("/app/follow-ups?overdue=maybe").status_code == 422
    unknown = analyst.client.get("/app/follow-ups?touchpoint=nope&format=json")
    assert unknown.status_code == 404 and unknown.json()["error"]["message"]
    # NUL characters (which PostgreSQL refuses) are answered, never a 500.
    assert analyst.client.get("/app/follow-ups?assignee=%00").status_code == 422
    assert analyst.client.get("/app/follow-ups?touchpoint=a%00").status_code == 422
    post = analyst.client.post(
        "/app/follow-ups/fu%00", data={"csrf": analyst.csrf, "status": "open"}
    )
    assert post.status_code == 404


def test_a_script_in_a_comment_stays_text_on_the_page(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    analyst = logged_in(app, workspace.id, "analyst")
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    respond(app, settings, workspace.id, 1, attack, at=NOW)
    page = analyst.client.get("/app/follow-ups").text
    assert "<script>alert" not in page and "<img src=x" not in page
    assert str(escape(attack)) in page


def test_another_workspaces_follow_up_is_not_found(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    other = create_workspace(sessions(app), "Autre boutique")
    respond(app, settings, other.id, 2, "Chez l'autre", at=NOW)
    theirs = only(app, other.id)["id"]
    analyst = logged_in(app, workspace.id, "admin")
    r = analyst.client.post(
        f"/app/follow-ups/{theirs}",
        data={"csrf": analyst.csrf, "status": "closed", "outcome": "resolved"},
        follow_redirects=False,
    )
    assert r.status_code == 404
    assert analyst.client.get("/app/follow-ups?format=json&status=all").json()["follow_ups"] == []
    assert only(app, other.id)["status"] == "open"


def test_the_page_speaks_french_by_default(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    agent = logged_in(app, workspace.id, "agent", agent_id="a-1")
    respond(app, settings, workspace.id, 2, "Mon client", agent="a-1", at=NOW)
    page = agent.client.get("/app/follow-ups").text
    assert "Rappels clients" in page and "Clôturer" in page and "échéance dans" in page


# --- /v1/follow-ups (Bearer API key) ----------------------------------------------------


def api(app: FastAPI) -> TestClient:
    """A client of the app, with the follow-ups API whether or not app.py registers it yet."""
    if not any(getattr(r, "path", "") == "/v1/follow-ups" for r in app.routes):
        app.include_router(follow_up_api.router)
    return TestClient(app)


def test_the_api_lists_and_closes_follow_ups_with_the_workspace_key(
    app: FastAPI, settings: Settings, workspace: NewWorkspace, auth: dict[str, str]
) -> None:
    client = api(app)
    respond(app, settings, workspace.id, 2, "Trop long", at=NOW - timedelta(days=3))
    assert client.get("/v1/follow-ups").status_code == 401
    listed = client.get("/v1/follow-ups?status=active&overdue=true", headers=auth).json()
    assert listed["counts"] == {"open": 1, "overdue": 1, "closed_this_week": 0}
    [fu] = listed["follow_ups"]
    assert fu["overdue"] is True and fu["comment"] == "Trop long"
    refused = client.patch(f"/v1/follow-ups/{fu['id']}", headers=auth, json={"status": "closed"})
    assert refused.status_code == 422
    assert refused.json()["error"]["details"][0]["field"] == "outcome"
    bad = client.patch(f"/v1/follow-ups/{fu['id']}", headers=auth, json={"outcome": "fixed"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid"
    done = client.patch(
        f"/v1/follow-ups/{fu['id']}",
        headers=auth,
        json={"status": "closed", "outcome": "no_answer", "note": "Deux appels, messagerie."},
    )
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["outcome"]) == ("closed", "no_answer")
    assert client.get(f"/v1/follow-ups/{fu['id']}", headers=auth).json()["closed_at"]


def test_the_api_never_reaches_another_workspaces_follow_up(
    app: FastAPI, settings: Settings, workspace: NewWorkspace, auth: dict[str, str]
) -> None:
    client = api(app)
    other = create_workspace(sessions(app), "Autre boutique")
    respond(app, settings, other.id, 2, "Chez l'autre", at=NOW)
    theirs = only(app, other.id)["id"]
    assert client.get(f"/v1/follow-ups/{theirs}", headers=auth).status_code == 404
    patched = client.patch(f"/v1/follow-ups/{theirs}", headers=auth, json={"status": "in_progress"})
    assert patched.status_code == 404
    assert client.get("/v1/follow-ups", headers=auth).json()["follow_ups"] == []


# --- Consent on the hosted survey page ------------------------------------------------


def test_ticking_the_consent_box_on_the_survey_page_opens_a_follow_up(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    # An easy answer first (no follow-up), then the customer changes it and asks to be called.
    _, token = respond(app, settings, workspace.id, 6, None, at=NOW)
    customer = TestClient(app)
    survey = customer.get(f"/s/{token}").text
    assert "J&#39;accepte d&#39;être recontacté·e à ce sujet" in survey
    assert 'type="checkbox" name="callback" value="1"' in survey
    assert service.list_follow_ups(sessions(app), workspace.id) == []
    r = customer.post(
        f"/s/{token}",
        data={"score": "1", "comment": "", "callback": "1", "csrf": csrf_of(survey)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    fu = only(app, workspace.id)
    assert (fu["reason"], fu["callback"], fu["score"]) == ("callback", True, 1)
    # Sending the page again without the box ticked keeps the consent given.
    r = customer.post(
        f"/s/{token}",
        data={"score": "1", "comment": "Toujours bloqué", "csrf": csrf_of(survey)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    fu = only(app, workspace.id)
    assert (fu["reason"], fu["callback"]) == ("both", True)
