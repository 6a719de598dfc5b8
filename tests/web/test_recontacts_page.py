"""The "Recontacts and delays" page, the new follow-up reasons on the follow-ups page,
and the contact settings on the admin page (both databases)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import FastAPI

from fluide.services.workspaces import NewWorkspace
from fluide.settings import Settings
from tests.services.test_contact_follow_ups import contact
from tests.web.conftest import logged_in

NOW = datetime.now(UTC).replace(microsecond=0)
SCRIPT = "<script>alert(1)</script>"


def test_the_page_shows_the_figures_and_who_is_recontacting_now(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    ws = workspace.id
    # Recontacting now: two contacts a day apart, the latest yesterday.
    contact(app, settings, ws, SCRIPT, NOW - timedelta(days=2), reason=SCRIPT, agent_id="a-1")
    contact(app, settings, ws, SCRIPT, NOW - timedelta(days=1), "call", channel="chat")
    # Came back too, but weeks ago; and a customer who contacted once.
    contact(app, settings, ws, "old", NOW - timedelta(days=30))
    contact(app, settings, ws, "old", NOW - timedelta(days=29))
    contact(app, settings, ws, "once", NOW - timedelta(hours=3))

    en = logged_in(app, ws, "analyst", lang="en").client
    page = en.get("/app/recontacts")
    assert page.status_code == 200
    html = page.text
    assert 'href="/app/recontacts" aria-current="page">Recontacts and delays</a>' in html
    now_table = html.split('id="recontacting-now"')[1].split("</table>")[0]
    assert now_table.count("<tr>") == 2  # the header and one customer
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in now_table and SCRIPT not in html
    assert "phone, chat" in now_table
    assert 'href="/app/follow-ups#fu-' in now_table  # the recontact follow-up opened
    for words in ("Recontact rate", "Share of contacts followed by another contact", "By reason"):
        assert words in html
    assert "By channel" in html and "By agent" in html and "Weekly recontact rate" in html

    data = en.get("/app/recontacts?format=json").json()
    assert data["doc"]["overall"]["contacts"] == 5
    assert [c["customer"] for c in data["now"]] == [SCRIPT]

    fr = logged_in(app, ws, "analyst", lang="fr").client
    html = fr.get("/app/recontacts").text
    assert "Recontacts et délais" in html and "Recontactent en ce moment" in html
    assert "Par motif" in html and SCRIPT not in html
    bad = fr.get("/app/recontacts?from=2026-13-01")
    assert bad.status_code == 422 and "from" in bad.text

    # The follow-ups page names the new reason in both languages.
    assert "Recontact : le client est revenu dans la fenêtre" in fr.get("/app/follow-ups").text
    html = en.get("/app/follow-ups").text
    assert "Recontact: the customer came back within the window" in html
    assert "2 contacts within 7 days (latest by chat" in html and "Before any survey" in html

    # Agents do not see the page.
    agent = logged_in(app, ws, "agent", agent_id="a-1").client
    assert agent.get("/app/recontacts").status_code == 403


def test_admins_set_the_contact_event_types_and_the_promise_alert(
    app: FastAPI, workspace: NewWorkspace
) -> None:
    admin = logged_in(app, workspace.id, "admin", lang="en")
    page = admin.client.get("/app/admin").text
    assert 'value="ticket_opened, contact, call, chat_started"' in page and 'value="4"' in page
    form = {"csrf": admin.csrf, "name": "Boutique", "timezone": "Europe/Paris"}
    form |= {"fatigue_days": "14", "sender_name": ""}
    good = form | {"contact_event_types": "phone_call, ticket_opened", "promise_alert_hours": "6"}
    r = admin.client.post("/app/admin/settings", data=good, follow_redirects=False)
    assert r.status_code == 303
    page = admin.client.get("/app/admin").text
    assert 'value="phone_call, ticket_opened"' in page and 'value="6"' in page
    r = admin.client.post(
        "/app/admin/settings", data=good | {"contact_event_types": "ticket_resolved"}
    )
    assert r.status_code == 422
    field = r.text.split('name="contact_event_types"')[1].split("</label>")[0]
    assert "ticket_resolved resolves a ticket" in field
    r = admin.client.post("/app/admin/settings", data=good | {"promise_alert_hours": "500"})
    assert r.status_code == 422 and "from 1 to 168" in r.text
