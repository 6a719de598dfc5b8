"""The agents pages: ranking, roles, isolation, escaping, bad filters (both databases)."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from fluide.api.routes import agents as api_agents
from fluide.services import agents as service
from fluide.services.workspaces import NewWorkspace, create_workspace
from fluide.settings import Settings
from tests.services.test_agents import record, team
from tests.web.conftest import logged_in


@pytest.fixture
def f(app: FastAPI) -> sessionmaker[Session]:
    sessions: sessionmaker[Session] = app.state.sessions
    return sessions


def ranked_names(html: str) -> list[str]:
    return re.findall(r'<a href="/app/agents/[^"]+">([^<]+)</a>', html)


def test_analyst_sees_every_agent_ranked_on_shrunk_estimates_with_the_reason(
    app: FastAPI, f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    team(f, settings, workspace.id)
    analyst = logged_in(app, workspace.id, "analyst", lang="en")
    r = analyst.client.get("/app/agents")
    assert r.status_code == 200
    names = ranked_names(r.text)
    assert names[:2] == ["steady", "lucky"] and len(names) == 6
    assert "Why the ranking does not follow the raw figures" in r.text
    assert '<svg class="chart dots"' in r.text and "Shrunk effort index" in r.text
    data = analyst.client.get("/app/agents?format=json").json()
    assert [a["agent_id"] for a in data["agents"]][:2] == ["steady", "lucky"]
    assert data == service.agent_table(f, workspace.id, lang="en")


def test_the_page_is_in_french_for_a_french_account(
    app: FastAPI, f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    record(f, settings, workspace.id, "a-7", [7, 6, 5])
    analyst = logged_in(app, workspace.id, "admin", lang="fr")
    html = analyst.client.get("/app/agents").text
    assert "Pourquoi le classement ne suit pas les chiffres bruts" in html
    assert "Indice d&#39;effort corrigé" in html


def test_an_agent_is_sent_to_their_own_page_and_sees_no_colleague(
    app: FastAPI, f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    record(f, settings, workspace.id, "a-7", [(7, "Merci Amel"), (3, "Trop d'attente")])
    record(f, settings, workspace.id, "b-2", [(7, "Bravo Bruno"), (1, "Furieux contre Bruno")])
    agent = logged_in(app, workspace.id, "agent", agent_id="a-7", name="Amel Roux")
    r = agent.client.get("/app/agents?from=2020-01-01", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/app/agents/a-7?from=2020-01-01"
    page = agent.client.get("/app/agents/a-7")
    assert page.status_code == 200
    assert (
        "Amel Roux" in page.text and "Merci Amel" in page.text and "Trop d&#39;attente" in page.text
    )
    assert "Bruno" not in page.text and "b-2" not in page.text
    data = agent.client.get("/app/agents/a-7?format=json").json()
    assert data["agent"]["agent_id"] == "a-7" and "agents" not in data
    assert "b-2" not in str(data) and "Bruno" not in str(data)


def test_an_agent_is_refused_a_colleagues_page(
    app: FastAPI, f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    record(f, settings, workspace.id, "b-2", [7, 6])
    agent = logged_in(app, workspace.id, "agent", agent_id="a-7")
    assert agent.client.get("/app/agents/b-2").status_code == 403
    assert agent.client.get("/app/agents/b-2?format=json").status_code == 403
    # An unknown id is refused the same way: no hint of who exists.
    assert agent.client.get("/app/agents/nobody").status_code == 403


def test_an_agent_account_without_agent_id_gets_a_clear_message(
    app: FastAPI, f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    record(f, settings, workspace.id, "b-2", [7, 6])
    agent = logged_in(app, workspace.id, "agent", lang="en")
    r = agent.client.get("/app/agents", follow_redirects=False)
    assert r.status_code == 200
    assert "not linked to an agent id" in r.text and "b-2" not in r.text
    assert agent.client.get("/app/agents/b-2").status_code == 403


def test_an_agent_of_another_workspace_is_not_found(
    app: FastAPI, f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    other = create_workspace(f, "Concurrent")
    record(f, settings, other.id, "x-1", [(7, "Secret d'ailleurs")])
    record(f, settings, workspace.id, "a-7", [6])
    analyst = logged_in(app, workspace.id, "analyst")
    assert analyst.client.get("/app/agents/x-1").status_code == 404
    assert analyst.client.get("/app/agents/x-1?format=json").status_code == 404
    table = analyst.client.get("/app/agents").text
    assert "x-1" not in table and "Secret" not in table
    # The other workspace's agent with the same id sees their own answers only.
    mine = logged_in(app, workspace.id, "agent", agent_id="x-1")
    page = mine.client.get("/app/agents/x-1")
    assert page.status_code == 200 and "Secret" not in page.text


def test_a_script_in_a_comment_stays_inert_on_the_agent_page(
    app: FastAPI, f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    record(
        f,
        settings,
        workspace.id,
        "a-7",
        [(7, "<script>alert('x')</script> top"), (1, "<img src=x onerror=alert(1)>")],
    )
    analyst = logged_in(app, workspace.id, "analyst")
    html = analyst.client.get("/app/agents/a-7").text
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; top" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


@pytest.mark.parametrize(
    ("query", "status", "expected"),
    [
        ("from=03/02/2026", 422, "from must be a date such as 2026-03-02; got 03/02/2026."),
        ("to=yesterday", 422, "to must be a date such as 2026-03-02; got yesterday."),
        ("from=2026-03-09&to=2026-03-01", 422, "The period starts after it ends"),
        ("touchpoint=Nope!", 422, "Unknown touchpoint Nope!"),
        ("touchpoint=nowhere", 404, "nowhere"),
    ],
)
def test_bad_filters_give_a_clear_error_on_the_page_and_in_json(
    app: FastAPI, workspace: NewWorkspace, query: str, status: int, expected: str
) -> None:
    analyst = logged_in(app, workspace.id, "analyst", lang="en")
    for path in ("/app/agents", "/app/agents/a-7"):
        r = analyst.client.get(f"{path}?{query}")
        assert r.status_code == status, r.text
        assert expected.replace("'", "&#39;") in r.text
        assert 'name="from"' in r.text  # the filters stay, to correct them
        j = analyst.client.get(f"{path}?{query}&format=json")
        assert j.status_code == status and expected in j.json()["error"]["message"]


def test_a_logged_out_visitor_is_sent_to_the_login_form(app: FastAPI) -> None:
    client = TestClient(app, base_url="http://127.0.0.1")
    r = client.get("/app/agents", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/app/login")


def test_v1_agents_takes_the_api_key_and_gives_the_page_figures(
    app: FastAPI, f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    if not any(getattr(r, "path", "") == "/v1/agents" for r in app.routes):
        app.include_router(api_agents.router)  # until the app registers it
    record(f, settings, workspace.id, "a-7", [7, 6, 5])
    record(f, settings, workspace.id, "b-2", [(2, "Long"), 3])
    client = TestClient(app)
    assert client.get("/v1/agents").status_code == 401
    key = {"Authorization": f"Bearer {workspace.api_key}", "Accept-Language": "en"}
    r = client.get("/v1/agents", headers=key)
    assert r.status_code == 200
    assert r.json() == service.agent_table(f, workspace.id, lang="en")
    one = client.get("/v1/agents/b-2", headers=key).json()
    assert one["agent"]["n"] == 2 and [v["comment"] for v in one["hardest"]] == ["Long"]
    assert client.get("/v1/agents/zz", headers=key).status_code == 404
    bad = client.get("/v1/agents?from=2026-03-09&to=2026-03-01", headers=key)
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "from"
    other = create_workspace(f, "Autre")
    foreign = {"Authorization": f"Bearer {other.api_key}"}
    assert client.get("/v1/agents", headers=foreign).json()["agents"] == []
    assert client.get("/v1/agents/a-7", headers=foreign).status_code == 404


def test_without_answers_the_page_says_how_answers_get_an_agent(
    app: FastAPI, workspace: NewWorkspace
) -> None:
    analyst = logged_in(app, workspace.id, "analyst", lang="en")
    r = analyst.client.get("/app/agents")
    assert r.status_code == 200
    assert "No agent has answers in this period" in r.text and "<svg" not in r.text
