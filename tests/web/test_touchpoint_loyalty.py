"""The touchpoint page's cards "Effort and loyalty" and "What drives effort": figures of
``GET /v1/touchpoints/{key}/loyalty`` and ``/drivers``, empty states, escaping, and the
admin's ``outcome_event_types``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient

from fluide.services.workspaces import NewWorkspace
from fluide.storage.db import write_session
from fluide.storage.models import ResponseTag
from fluide.storage.types import new_id
from tests.web.conftest import logged_in
from tests.web.test_overview import Answer, record

SCRIPT = "<script>alert(1)</script>"


def _fill(app: FastAPI, workspace: NewWorkspace, churn: bool = True) -> list[str]:
    """40 answers 40 days ago (observed over 30 days): 20 high effort, 20 low; 8 of the high
    and 2 of the low churned; 12 answers carry a tag named with a script."""
    at = datetime.now(UTC) - timedelta(days=40)
    answers = [Answer(1, agent=SCRIPT)] * 20 + [Answer(7, agent="a-1")] * 20
    ids = record(app, workspace.id, answers, at=at)
    client = TestClient(app)
    h = {"Authorization": f"Bearer {workspace.api_key}"}
    r = client.post(
        "/v1/tags",
        json={"key": "scripted", "names": {"fr": SCRIPT, "en": SCRIPT}, "examples": ["Un écran"]},
        headers=h,
    )
    assert r.status_code == 201, r.text
    with write_session(app.state.sessions) as s:
        for rid in ids[:12]:
            s.add(
                ResponseTag(
                    id=new_id("rt"),
                    workspace_id=workspace.id,
                    response_id=rid,
                    tag="scripted",
                    source="human",
                    confidence=1.0,
                )
            )
    if churn:
        users = api_users(app, workspace)
        who = users[:8] + users[20:22]
        events = [
            {
                "id": f"churn-{u}",
                "type": "churned",
                "user": {"id": u},
                "occurred_at": (at + timedelta(days=10)).isoformat(),
            }
            for u in who
        ]
        r = client.post("/v1/events", json={"events": events}, headers=h)
        assert r.status_code == 200, r.text
    return ids


def api_users(app: FastAPI, workspace: NewWorkspace) -> list[str]:
    """The answers' customers (host ids), in answer order."""
    from sqlalchemy import select

    from fluide.storage.models import EndUser, Response

    with app.state.sessions() as s:
        rows = s.execute(
            select(EndUser.external_id)
            .join(Response, Response.user_id == EndUser.id)
            .where(Response.workspace_id == workspace.id)
            .order_by(Response.responded_at)
        ).all()
    return [r[0] for r in rows]


def test_the_cards_show_churn_by_effort_and_the_drivers_in_both_languages(
    app: FastAPI, workspace: NewWorkspace
) -> None:
    _fill(app, workspace)
    en = logged_in(app, workspace.id, "analyst", lang="en").client
    page = en.get("/app/touchpoints/payer").text
    section = page.split('id="loyalty"')[1].split("</section>")[0]
    # High effort: 8 of 20 (40 %); low: 2 of 20 (10 %); within 30 days (too recent for 60, 90).
    assert "40% of customers who had a high-effort experience left within 30 days" in section
    assert "against 10% after a low-effort one" in section
    assert "Relative risk (high vs low effort): 4.00" in section
    assert "Correlation, not causation" in section
    drivers = page.split('id="drivers"')[1].split("</section>")[0]
    assert "What drives effort" in page and "Tag: &lt;script&gt;" in drivers
    assert "Agent" in drivers and "R²" in drivers
    assert SCRIPT not in page  # the tag and agent names are escaped everywhere
    fr = logged_in(app, workspace.id, "analyst", lang="fr").client
    page = fr.get("/app/touchpoints/payer").text
    assert "Effort et fidélité" in page and "Ce qui fait l&#39;effort" in page
    assert "sont partis dans les 30 jours" in page and "corrélation, pas causalité" in page.lower()


def test_without_outcomes_the_card_says_how_to_send_them(
    app: FastAPI, workspace: NewWorkspace
) -> None:
    record(app, workspace.id, [Answer(3)] * 3)
    page = (
        logged_in(app, workspace.id, "analyst", lang="en").client.get("/app/touchpoints/payer").text
    )
    empty = page.split('id="loyalty-empty"')[1].split("</p>")[0]
    assert "No churned event yet" in empty and "POST /v1/events" in empty
    assert 'href="/docs#/touchpoints"' in empty
    drivers = page.split('id="drivers-empty"')[1].split("</p>")[0]
    assert "Too few answers in this period to say what drives effort: 3, at least 30" in drivers


def test_admins_set_the_outcome_event_types(app: FastAPI, workspace: NewWorkspace) -> None:
    admin = logged_in(app, workspace.id, "admin", lang="en")
    page = admin.client.get("/app/admin").text
    assert 'value="churned, renewed, repurchased"' in page
    form = {"csrf": admin.csrf, "name": "Boutique", "timezone": "Europe/Paris"}
    form |= {"fatigue_days": "14", "sender_name": ""}
    r = admin.client.post(
        "/app/admin/settings",
        data=form | {"outcome_event_types": "cancelled, renewed, cancelled"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert 'value="cancelled, renewed"' in admin.client.get("/app/admin").text
    r = admin.client.post("/app/admin/settings", data=form | {"outcome_event_types": "x" * 201})
    assert r.status_code == 422
    field = r.text.split('name="outcome_event_types"')[1].split("</label>")[0]
    assert "is not an event type" in field
    r = admin.client.post("/app/admin/settings", data=form | {"outcome_event_types": ""})
    assert 'value="churned, renewed, repurchased"' in admin.client.get("/app/admin").text
