"""The weekly report page: roles, subscriptions with CSRF, HTML, JSON and PDF, the
viewer's language (both databases)."""

from __future__ import annotations

import html as markup
import re

import pypdfium2
import pytest
from fastapi import FastAPI

from fluide.domain.frictions import iso_week_start, previous_iso_week
from fluide.domain.periods import period_label
from fluide.render.weekly import render_report_html, report_body
from fluide.services.report_subscriptions import add_subscription
from fluide.services.weekly_report import weekly_report
from fluide.services.workspaces import NewWorkspace, create_workspace
from fluide.settings import Settings
from fluide.storage.types import utcnow
from tests.web.conftest import csrf_of, logged_in
from tests.weekly_data import build

FORM = {"email": "csm@example.com", "lang": "en"}
NEW_ACTION = "/app/actions/new?touchpoint=payer&amp;tag=payment"


def last_week() -> str:
    """The last complete ISO week in Paris: the page's default, from the real clock."""
    return previous_iso_week(period_label(utcnow(), "Europe/Paris", "week"))


@pytest.fixture
def week(app: FastAPI, settings: Settings, workspace: NewWorkspace) -> str:
    label = last_week()
    monday = iso_week_start(label)
    build(app.state.sessions, settings, workspace.id, weeks=4, week_of=monday, now=utcnow())
    return label


def test_an_analyst_sees_the_report_of_last_week_with_escaped_verbatims(
    app: FastAPI, workspace: NewWorkspace, week: str
) -> None:
    login = logged_in(app, workspace.id, "analyst")
    r = login.client.get("/app/report")
    assert r.status_code == 200
    page = r.text
    assert "Rapport hebdomadaire" in page and f"Semaine {week[-2:]}" in page
    assert page.count("<svg") == 2
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#39;x&#39;)" in page
    assert f'href="/app/report.pdf?week={week}"' in page
    # Read-only subscriptions for an analyst: no form posts to them.
    assert 'action="/app/report/subscriptions"' not in page
    assert "Seul un administrateur peut modifier qui le reçoit." in page


def test_the_page_is_in_the_viewer_language(
    app: FastAPI, workspace: NewWorkspace, week: str
) -> None:
    login = logged_in(app, workspace.id, "analyst", lang="en")
    page = login.client.get(f"/app/report?week={week}").text
    assert '<html lang="en">' in page and "Weekly report" in page and "Overdue follow-ups" in page
    assert "Rapport hebdomadaire" not in page


def test_an_agent_may_not_see_the_report_and_a_visitor_is_sent_to_log_in(
    app: FastAPI, workspace: NewWorkspace
) -> None:
    agent = logged_in(app, workspace.id, "agent", agent_id="julien")
    assert agent.client.get("/app/report").status_code == 403
    assert agent.client.get("/app/report.pdf").status_code == 403
    visitor = logged_in(app, workspace.id, "analyst").client
    visitor.cookies.clear()
    r = visitor.get("/app/report?week=2026-W40", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/app/login?next=/app/report")


def test_another_week_is_chosen_and_a_bad_one_is_explained(
    app: FastAPI, workspace: NewWorkspace, week: str
) -> None:
    login = logged_in(app, workspace.id, "analyst", lang="en")
    before = previous_iso_week(week)
    page = login.client.get(f"/app/report?week={before}").text
    assert f"Week {before[-2:]}" in page and f'href="/app/report?week={week}"' in page
    r = login.client.get("/app/report?week=2026-47")
    assert r.status_code == 422
    assert "2026-47 is not an ISO week: write it like 2026-W47." in r.text
    assert 'name="week" value="2026-47"' in r.text  # the picker keeps what was typed
    j = login.client.get("/app/report?week=2026-47&format=json")
    assert j.status_code == 422 and j.json()["error"]["details"] == [{"field": "week"}]
    assert login.client.get("/app/report.pdf?week=W9").status_code == 422


def test_the_json_is_the_report_document(app: FastAPI, workspace: NewWorkspace, week: str) -> None:
    login = logged_in(app, workspace.id, "analyst")
    doc = login.client.get(f"/app/report?week={week}&format=json").json()
    assert doc["report"]["week"] == week and doc["report"]["metric"] == "mean"
    assert doc["report"]["ces"]["week"]["n"] == 11
    # login, two comments in the week, is too thin for the top 3.
    assert {f["tag"] for f in doc["report"]["frictions"]["top"]} == {"payment"}
    assert doc["subscriptions"] == [] and doc["runs"] == []


def test_the_pdf_download_is_one_page(app: FastAPI, workspace: NewWorkspace, week: str) -> None:
    login = logged_in(app, workspace.id, "analyst")
    r = login.client.get(f"/app/report.pdf?week={week}")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert f'filename="fluide-report-{week}.pdf"' in r.headers["content-disposition"]
    assert len(pypdfium2.PdfDocument(r.content)) == 1


def test_an_admin_adds_and_removes_subscribers(app: FastAPI, workspace: NewWorkspace) -> None:
    admin = logged_in(app, workspace.id, "admin")
    page = admin.client.get("/app/report").text
    assert 'action="/app/report/subscriptions"' in page
    r = admin.client.post(
        "/app/report/subscriptions",
        data={**FORM, "csrf": csrf_of(page), "week": "2026-W40"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/app/report?done=added&week=2026-W40"
    page = admin.client.get(r.headers["location"]).text
    assert "L&#39;adresse recevra le prochain rapport hebdomadaire." in page
    assert "csm@example.com" in page and "English" in page
    doc = admin.client.get("/app/report?format=json").json()
    (sub,) = doc["subscriptions"]
    assert (sub["email"], sub["lang"]) == ("csm@example.com", "en")
    r = admin.client.post(
        f"/app/report/subscriptions/{sub['id']}/delete",
        data={"csrf": admin.csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert admin.client.get("/app/report?format=json").json()["subscriptions"] == []


def test_a_bad_address_or_a_second_subscription_is_explained(
    app: FastAPI, workspace: NewWorkspace
) -> None:
    admin = logged_in(app, workspace.id, "admin", lang="en")
    r = admin.client.post(
        "/app/report/subscriptions",
        data={"email": "not-an-address", "lang": "fr", "csrf": admin.csrf},
    )
    assert r.status_code == 422 and "Not an e-mail address: not-an-address." in r.text
    assert 'value="not-an-address"' in r.text
    r = admin.client.post(
        "/app/report/subscriptions",
        data={"email": "a@example.com", "lang": "de", "csrf": admin.csrf},
    )
    assert r.status_code == 422 and "Unknown language de; allowed: fr, en." in r.text
    add_subscription(app.state.sessions, workspace.id, "csm@example.com", "fr")
    r = admin.client.post("/app/report/subscriptions", data={**FORM, "csrf": admin.csrf})
    assert r.status_code == 409 and "csm@example.com already receives the weekly report." in r.text


def test_subscription_forms_need_the_csrf_token_and_an_admin(
    app: FastAPI, workspace: NewWorkspace
) -> None:
    admin = logged_in(app, workspace.id, "admin")
    assert admin.client.post("/app/report/subscriptions", data=FORM).status_code == 403
    assert (
        admin.client.post("/app/report/subscriptions", data={**FORM, "csrf": "forged"}).status_code
        == 403
    )
    sub = add_subscription(app.state.sessions, workspace.id, "boss@example.com", "fr")
    assert admin.client.post(f"/app/report/subscriptions/{sub['id']}/delete").status_code == 403
    analyst = logged_in(app, workspace.id, "analyst")
    r = analyst.client.post("/app/report/subscriptions", data={**FORM, "csrf": analyst.csrf})
    assert r.status_code == 403
    r = analyst.client.post(
        f"/app/report/subscriptions/{sub['id']}/delete", data={"csrf": analyst.csrf}
    )
    assert r.status_code == 403
    assert admin.client.get("/app/report?format=json").json()["subscriptions"][0]["id"] == sub["id"]


def test_another_workspace_subscription_cannot_be_removed(
    app: FastAPI, workspace: NewWorkspace
) -> None:
    other = create_workspace(app.state.sessions, "Agence")
    theirs = add_subscription(app.state.sessions, other.id, "them@example.com", "fr")
    admin = logged_in(app, workspace.id, "admin")
    r = admin.client.post(
        f"/app/report/subscriptions/{theirs['id']}/delete", data={"csrf": admin.csrf}
    )
    assert r.status_code == 404
    other_admin = logged_in(app, other.id, "admin")
    doc = other_admin.client.get("/app/report?format=json").json()
    assert [s["email"] for s in doc["subscriptions"]] == ["them@example.com"]
    assert "them@example.com" not in admin.client.get("/app/report").text


def action_links(page: str) -> list[str]:
    """The addresses of the "Create an action" links of a page."""
    return re.findall(r'<a class="new-action" href="([^"]+)">', page)


@pytest.mark.parametrize("role", ["admin", "analyst"])
def test_the_top_frictions_offer_an_action_prefilled_with_their_touchpoint_and_tag(
    app: FastAPI, workspace: NewWorkspace, week: str, role: str
) -> None:
    login = logged_in(app, workspace.id, role, lang="en")
    page = login.client.get(f"/app/report?week={week}").text
    # The one top friction (payment), where it weighs most (payer).
    assert action_links(page) == [NEW_ACTION]
    assert f'href="{NEW_ACTION}">Create an action</a>' in page
    form = login.client.get(markup.unescape(NEW_ACTION))
    assert form.status_code == 200
    assert re.search(r'<option value="payer" selected>', form.text)
    assert re.search(r'<option value="payment" selected>', form.text)
    french = logged_in(app, workspace.id, role).client.get(f"/app/report?week={week}").text
    assert f'href="{NEW_ACTION}">Créer une action</a>' in french


def test_an_agent_gets_no_report_so_no_action_link(
    app: FastAPI, workspace: NewWorkspace, week: str
) -> None:
    agent = logged_in(app, workspace.id, "agent", agent_id="julien")
    r = agent.client.get(f"/app/report?week={week}")
    assert r.status_code == 403 and action_links(r.text) == []
    assert "/app/actions/new" not in r.text


def test_the_pdf_and_the_mailed_html_have_no_action_link(
    app: FastAPI, settings: Settings, workspace: NewWorkspace, week: str
) -> None:
    login = logged_in(app, workspace.id, "admin", lang="en")
    pdf = login.client.get(f"/app/report.pdf?week={week}").content
    document = pypdfium2.PdfDocument(pdf)
    text = "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    document.close()
    assert "Top 3 frictions" in text and "Create an action" not in text
    doc = weekly_report(app.state.sessions, settings, workspace.id, week=week, lang="en")
    assert [f["touchpoint"] for f in doc["frictions"]["top"]] == ["payer"]
    for lang in ("fr", "en"):
        mailed = render_report_html(doc, lang)  # the e-mail's HTML part
        assert 'class="wr-frictions"' in mailed and "/app/actions/new" not in mailed
        assert "Create an action" not in mailed and "Créer une action" not in mailed
    # The same body as the page's, without the links.
    assert "/app/actions/new" not in str(report_body(doc, "en"))
