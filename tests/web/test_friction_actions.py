"""From a friction to an action: "Create an action" on backlog rows and top-3 cards, the
friction's actions list, and the trend markers of delivered actions and question versions
(both databases)."""

from __future__ import annotations

import html as markup
import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from fluide.api.schemas import TouchpointPatch
from fluide.services import actions as service
from fluide.services import touchpoints as touchpoint_service
from fluide.services.workspaces import NewWorkspace, create_workspace
from fluide.settings import Settings
from tests.verbatims import answer, ensure_touchpoint
from tests.web.conftest import Login, logged_in
from tests.web.test_backlog import frictions, recent

SCRIPT = '<script>alert("x")</script>'
NEW = "/app/actions/new?touchpoint=payer&amp;tag=payment"


@pytest.fixture
def analyst(app: FastAPI, workspace: NewWorkspace) -> Login:
    return logged_in(app, workspace.id, "analyst", lang="fr")


def selected(html: str, name: str) -> str | None:
    """The value of the selected option of select ``name``."""
    block = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert block is not None, name
    found = re.search(r'<option value="([^"]*)" selected>', block.group(1))
    return None if found is None else found.group(1)


def title_value(html: str) -> str:
    found = re.search(r'<input name="title" value="([^"]*)"', html)
    assert found is not None
    return markup.unescape(found.group(1))


def test_a_backlog_row_opens_the_action_form_prefilled_with_its_friction(
    analyst: Login,
    app: FastAPI,
    f: sessionmaker[Session],
    settings: Settings,
    workspace: NewWorkspace,
) -> None:
    frictions(f, settings, workspace.id, at=recent())
    backlog = analyst.client.get("/app/frictions").text
    row = backlog.split('id="friction-payer-payment"')[1].split("</tbody>")[0]
    assert f'class="new-action" href="{NEW}"' in row
    assert "Créer une action" in row

    page = analyst.client.get(markup.unescape(NEW))
    assert page.status_code == 200
    assert selected(page.text, "touchpoint") == "payer"
    assert selected(page.text, "tag") == "payment"
    assert title_value(page.text).startswith("Corriger « ")
    assert title_value(page.text).endswith("» (payer)")
    assert 'name="csrf"' in page.text and 'name="origin" value="new"' in page.text

    english = logged_in(app, workspace.id, "admin", lang="en")
    assert title_value(english.client.get(markup.unescape(NEW)).text).startswith("Fix “")


def test_saving_the_prefilled_form_logs_the_action_against_the_friction(
    analyst: Login, f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    frictions(f, settings, workspace.id, at=recent())
    page = analyst.client.get(markup.unescape(NEW)).text
    fields = {
        "csrf": analyst.csrf,
        "origin": "new",
        "touchpoint": selected(page, "touchpoint") or "",
        "tag": selected(page, "tag") or "",
        "title": title_value(page),
        "kind": "faq",
        "status": "to_deliver",
    }
    r = analyst.client.post("/app/actions", data=fields, follow_redirects=False)
    assert r.status_code == 303
    made = service.list_actions(f, workspace.id)
    assert [(a["touchpoint"], a["tag"], a["created_by"]) for a in made] == [
        ("payer", "payment", analyst.account_id)
    ]
    again = analyst.client.get(markup.unescape(NEW)).text
    assert 'id="existing"' in again and "déjà 1 action." in again


def test_a_refused_prefilled_form_comes_back_on_its_page_with_what_was_typed(
    analyst: Login, f: sessionmaker[Session], workspace: NewWorkspace
) -> None:
    ensure_touchpoint(f, workspace.id)
    fields = {
        "csrf": analyst.csrf,
        "origin": "new",
        "touchpoint": "payer",
        "tag": "payment",
        "title": "  ",
        "kind": "faq",
        "status": "to_deliver",
        "owner": "Léa",
    }
    r = analyst.client.post("/app/actions", data=fields)
    assert r.status_code == 422
    assert "<h1>Créer une action</h1>" in r.text
    assert re.search(r'name="title"[^>]*>\s*<span class="field-error"', r.text)
    assert 'value="Léa"' in r.text and selected(r.text, "tag") == "payment"
    assert service.list_actions(f, workspace.id) == []
    no_csrf = {k: v for k, v in fields.items() if k != "csrf"} | {"title": "FAQ"}
    assert analyst.client.post("/app/actions", data=no_csrf).status_code == 403
    assert service.list_actions(f, workspace.id) == []


def test_a_link_to_an_unknown_friction_says_so_next_to_the_field(
    analyst: Login, f: sessionmaker[Session], workspace: NewWorkspace
) -> None:
    ensure_touchpoint(f, workspace.id)
    page = analyst.client.get("/app/actions/new?touchpoint=nowhere&tag=%3Cscript%3E")
    assert page.status_code == 200
    assert "Aucun point de contact nowhere dans cet espace." in page.text
    assert "&lt;script&gt;" in page.text and "<script>" not in page.text
    too_long = analyst.client.get("/app/actions/new?touchpoint=" + "x" * 65)
    assert too_long.status_code in (400, 422)


def test_agents_cannot_open_the_action_form(
    app: FastAPI, f: sessionmaker[Session], workspace: NewWorkspace
) -> None:
    ensure_touchpoint(f, workspace.id)
    agent = logged_in(app, workspace.id, "agent", agent_id="ag-1")
    assert agent.client.get(markup.unescape(NEW)).status_code == 403


def test_a_friction_with_actions_links_to_its_own_actions(
    analyst: Login, f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    frictions(f, settings, workspace.id, at=recent())
    for title, tag in (("FAQ carte", "payment"), ("Macro carte", "payment"), ("Relance", "delay")):
        service.create_action(f, workspace.id, touchpoint="payer", title=title, kind="faq", tag=tag)
    backlog = analyst.client.get("/app/frictions").text
    row = backlog.split('id="friction-payer-payment"')[1].split("</tbody>")[0]
    link = re.search(r'class="friction-actions" href="([^"]+)">([^<]+)<', row)
    assert link is not None
    assert link.group(2) == "2 actions"
    listing = analyst.client.get(markup.unescape(link.group(1)))
    assert listing.status_code == 200 and 'id="filter"' in listing.text
    assert "FAQ carte" in listing.text and "Macro carte" in listing.text
    assert "Relance" not in listing.text
    as_json = analyst.client.get(markup.unescape(link.group(1)) + "&format=json").json()
    assert sorted(a["title"] for a in as_json["actions"]) == ["FAQ carte", "Macro carte"]
    delay = backlog.split('id="friction-payer-delay"')[1].split("</tbody>")[0]
    assert ">1 action<" in delay
    unknown = analyst.client.get("/app/actions?touchpoint=nowhere&tag=payment")
    assert unknown.status_code == 422
    assert "Aucun point de contact nowhere dans cet espace." in unknown.text


def test_the_api_lists_one_frictions_actions_with_the_same_parameters(
    client: TestClient, auth: dict[str, str], f: sessionmaker[Session], workspace: NewWorkspace
) -> None:
    ensure_touchpoint(f, workspace.id)
    ensure_touchpoint(f, workspace.id, "livrer")
    service.create_action(f, workspace.id, touchpoint="payer", title="A", kind="faq", tag="payment")
    service.create_action(f, workspace.id, touchpoint="payer", title="B", kind="faq", tag="delay")
    service.create_action(
        f, workspace.id, touchpoint="livrer", title="C", kind="faq", tag="payment"
    )
    r = client.get("/v1/actions?touchpoint=payer&tag=payment", headers=auth)
    assert r.status_code == 200
    assert [a["title"] for a in r.json()["actions"]] == ["A"]
    r = client.get("/v1/actions?tag=payment", headers=auth)
    assert sorted(a["title"] for a in r.json()["actions"]) == ["A", "C"]
    r = client.get("/v1/actions?touchpoint=payer", headers=auth)
    assert sorted(a["title"] for a in r.json()["actions"]) == ["A", "B"]
    unknown = client.get("/v1/actions?touchpoint=nowhere", headers=auth)
    assert unknown.status_code == 422
    assert unknown.json()["error"]["details"][0]["field"] == "touchpoint"


def test_the_overview_top_friction_card_offers_to_create_an_action(
    analyst: Login, f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    frictions(f, settings, workspace.id, at=recent())
    service.create_action(
        f, workspace.id, touchpoint="payer", title="FAQ", kind="faq", tag="payment"
    )
    page = analyst.client.get("/app").text
    cards = page.split('<ol class="frictions">')[1].split("</ol>")[0]
    assert f'class="new-action" href="{NEW}"' in cards
    assert 'class="new-action" href="/app/actions/new?touchpoint=payer&amp;tag=delay"' in cards
    assert (
        'class="friction-actions" href="/app/actions?touchpoint=payer&amp;tag=payment">1 action<'
        in cards
    )


def delivered_days_ago(days: int) -> str:
    return (datetime.now(UTC).date() - timedelta(days=days)).isoformat()


def markers_of(html: str, kind: str) -> list[str]:
    return re.findall(rf'<a class="marker {kind}"[^>]*>.*?</a>', html, re.S)


def test_the_trends_mark_delivered_actions_and_question_versions_escaped(
    analyst: Login, f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    answer(f, settings, workspace.id, [(3, None)] * 6, at=datetime.now(UTC) - timedelta(days=20))
    made = service.create_action(
        f,
        workspace.id,
        touchpoint="payer",
        title=SCRIPT,
        kind="faq",
        status="delivered",
        delivered_on=delivered_days_ago(10),
    )
    service.create_action(f, workspace.id, touchpoint="payer", title="Pas livrée", kind="faq")
    question = {"fr": "Payer a été simple", "en": "Paying was simple"}
    touchpoint_service.update(f, workspace.id, "payer", TouchpointPatch(question=question))
    answer(f, settings, workspace.id, [(6, None)] * 6)

    for url in ("/app/touchpoints/payer", "/app"):
        html = analyst.client.get(url).text
        assert "<script>" not in html, url
        actions = markers_of(html, "action")
        assert len(actions) == 1, url
        assert f'href="/app/actions/{made["id"]}"' in actions[0]
        assert 'aria-label="Action livrée le ' in actions[0]
        assert "&lt;script&gt;alert(" in actions[0]
        versions = markers_of(html, "question_version")
        assert len(versions) == 1 and "Version 2 de la question" in versions[0], url
        assert "Pas livrée" not in html.split("<svg")[1].split("</svg>")[0]
    tp_page = analyst.client.get("/app/touchpoints/payer").text
    assert ">question v2</text>" in tp_page
    data = analyst.client.get("/app/touchpoints/payer?format=json").json()
    assert [(m["kind"], m.get("title")) for m in data["markers"]] == [
        ("action", SCRIPT),
        ("question_version", None),
    ]
    assert data["markers"][0]["date"] == delivered_days_ago(10)


def test_markers_outside_the_window_or_of_another_workspace_are_not_drawn(
    analyst: Login,
    app: FastAPI,
    f: sessionmaker[Session],
    settings: Settings,
    workspace: NewWorkspace,
) -> None:
    answer(f, settings, workspace.id, [(3, None)] * 6, at=datetime.now(UTC) - timedelta(days=3))
    service.create_action(
        f,
        workspace.id,
        touchpoint="payer",
        title="Il y a longtemps",
        kind="faq",
        status="delivered",
        delivered_on=delivered_days_ago(200),
    )
    other = create_workspace(f, "Autre boutique")
    ensure_touchpoint(f, other.id)
    service.create_action(
        f,
        other.id,
        touchpoint="payer",
        title="Action d'un autre espace",
        kind="faq",
        status="delivered",
        delivered_on=delivered_days_ago(5),
    )
    for url in ("/app/touchpoints/payer", "/app"):
        html = analyst.client.get(url).text
        assert markers_of(html, "action") == [], url
        assert "Action d'un autre espace" not in html and "Il y a longtemps" not in html
    long = analyst.client.get("/app/touchpoints/payer?weeks=52").text
    assert len(markers_of(long, "action")) == 1


def test_the_small_charts_have_an_axis_and_scale_to_their_box(
    analyst: Login, f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    answer(f, settings, workspace.id, [(3, None)] * 6, at=datetime.now(UTC) - timedelta(days=3))
    html = analyst.client.get("/app").text
    spark = re.search(r'<svg class="chart spark".*?</svg>', html, re.S)
    assert spark is not None
    svg = spark.group(0)
    assert 'width="100%"' in svg and 'viewBox="0 0 260 96"' in svg
    # The scale's ends (1–7 here) and the window's first and last days.
    assert re.findall(r'<text class="y-label"[^>]*>([^<]+)<', svg) == ["1", "7"]
    days = re.findall(r'<text class="x-label"[^>]*>([^<]+)<', svg)
    assert len(days) == 2 and all(re.search(r"\d", d) for d in days)
