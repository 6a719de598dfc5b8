"""The Overview and Touchpoint pages in a real browser: log in through the form, open the
overview, click through to a touchpoint, correct a verbatim's tags inline.

Screenshots of both pages go to ``out/test-artifacts`` (``FLUIDE_TEST_SCREENSHOTS=1``).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from fluide.services.workspaces import create_workspace
from fluide.storage.models import EndUser, Response, ResponseTag
from tests.browser.conftest import NO_BROWSER, SKIP_REASON, screenshot
from tests.web.conftest import PASSWORD, make_account
from tests.web.test_overview import Answer, record, tag_as

pytestmark = pytest.mark.skipif(NO_BROWSER, reason=SKIP_REASON)

COMMENTS = {
    "payment": ["Carte refusée deux fois", "Le 3D Secure ne s'affiche pas", "Paiement bloqué"],
    "delay": ["Livraison annoncée en 5 jours, reçue en 12", "Trop d'attente au téléphone"],
    "login": ["Impossible de me reconnecter après la mise à jour"],
}


def _fill(app: FastAPI, ws: str) -> str:
    """Eight weeks of answers on three touchpoints, with tagged comments; one verbatim's id."""
    rng = random.Random(6)
    now = datetime.now(UTC)
    # The overview's week is the ISO week in the workspace's zone: on a Monday just
    # after midnight in Paris, "a few hours ago" is last week, so this week's answers
    # start no earlier than the week does.
    local = now.astimezone(ZoneInfo("Europe/Paris"))
    monday = (local - timedelta(days=local.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    week_start = monday.astimezone(UTC)
    tags: dict[str, list[tuple[str, str, float]]] = {}
    plan = {"payer": (34, 0.0), "livrer": (22, 0.6), "contacter": (9, 1.2)}
    for weeks_ago in range(7, -1, -1):
        for key, (volume, harder) in plan.items():
            answers = []
            for _ in range(volume):
                score = max(1, min(7, round(rng.gauss(5.6 - harder - 0.15 * weeks_ago, 1.4))))
                tag = rng.choice(list(COMMENTS)) if score <= 3 and rng.random() < 0.7 else None
                comment = rng.choice(COMMENTS[tag]) if tag else None
                outcome = "failure" if score <= 2 and rng.random() < 0.5 else None
                answers.append(
                    Answer(score, comment, outcome=outcome, agent=rng.choice(["a-1", "a-2"]))
                )
            start = now - timedelta(weeks=weeks_ago, hours=2 + volume)
            if weeks_ago == 0:
                start = max(start, week_start + timedelta(seconds=10))
            ids = record(app, ws, answers, touchpoint=key, at=start)
            for rid, a in zip(ids, answers, strict=True):
                if a.comment:
                    tag = next(t for t, texts in COMMENTS.items() if a.comment in texts)
                    tags[rid] = [(tag, "model", round(rng.uniform(0.55, 0.95), 2))]
    text = "Carte refusée, puis on m'a dit de rappeler le service client"
    at = max(now - timedelta(minutes=5), week_start + timedelta(seconds=90))
    (kept,) = record(app, ws, [Answer(2, text)], at=at)
    tags[kept] = [("payment", "model", 0.74)]
    tag_as(app, ws, tags)
    return kept


def test_log_in_open_the_overview_and_correct_a_tag(app: FastAPI, live_url: str, page: Any) -> None:
    ws = create_workspace(app.state.sessions, "Boutique Fluide")
    rid = _fill(app, ws.id)
    _, email = make_account(app, ws.id, "analyst", lang="fr", name="Camille")

    page.goto(f"{live_url}/app")
    assert "/app/login" in page.url
    page.fill('input[name="email"]', email)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_url(f"{live_url}/app")
    assert page.inner_text("h1") == "Vue d'ensemble"
    rows = page.locator("table.overview tbody tr")
    assert rows.count() == 3
    assert page.locator("table.overview svg.spark").count() == 3
    assert page.locator("ol.frictions > li").count() >= 1
    screenshot(page, "dashboard-overview", full_page=True)

    page.click('#tp-payer a[href="/app/touchpoints/payer"]')
    page.wait_for_url(f"{live_url}/app/touchpoints/payer")
    assert page.inner_text("h1").startswith("payer")
    assert page.locator("svg.bars").count() == 1 and page.locator("svg.trend").count() == 1
    # Effort and loyalty: no churn sent yet, the card says how; the drivers are ranked.
    assert page.inner_text("#loyalty-title") == "Effort et fidélité"
    assert "Aucun événement churned" in page.inner_text("#loyalty-empty")
    assert page.inner_text("#drivers-title") == "Ce qui fait l'effort"
    assert page.locator("#drivers-table tbody tr").count() >= 2
    assert "Étiquette : " in page.inner_text("#drivers-table")

    item = page.locator(f"#v-{rid}")
    item.locator("summary").click()
    item.locator('input[name="tag.payment"]').uncheck()
    item.locator('input[name="tag.recontact"]').check()
    item.locator('button[type="submit"]').click()
    page.wait_for_selector("p.notice")
    assert "notice=tags_saved" in page.url
    item = page.locator(f"#v-{rid}")
    assert item.locator(".tag.human").count() == 1
    assert "Recontacts" in item.locator(".tag.human").inner_text()
    screenshot(page, "dashboard-touchpoint", full_page=True)

    with app.state.sessions() as s:
        stored = s.execute(
            select(ResponseTag.tag, ResponseTag.source).where(ResponseTag.response_id == rid)
        ).all()
    assert stored == [("recontact", "human")]
    assert page.messages == []


def test_the_touchpoint_pages_loyalty_cards_in_english(
    app: FastAPI, live_url: str, page: Any
) -> None:
    ws = create_workspace(app.state.sessions, "Boutique Fluide")
    _fill(app, ws.id)
    with app.state.sessions() as s:
        users = [
            u
            for (u,) in s.execute(
                select(EndUser.external_id)
                .join(Response, Response.user_id == EndUser.id)
                .where(Response.workspace_id == ws.id, Response.score <= 2)
            ).all()
        ]
    now = datetime.now(UTC)
    events = [
        {"id": f"churn-{u}", "type": "churned", "user": {"id": u}, "occurred_at": now.isoformat()}
        for u in users[:10]
    ]
    r = TestClient(app).post(
        "/v1/events", json={"events": events}, headers={"Authorization": f"Bearer {ws.api_key}"}
    )
    assert r.status_code == 200, r.text
    _, email = make_account(app, ws.id, "analyst", lang="en", name="Sam")
    page.goto(f"{live_url}/app/login")
    page.fill('input[name="email"]', email)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_url(f"{live_url}/app")
    page.goto(f"{live_url}/app/touchpoints/payer")
    assert page.inner_text("#loyalty-title") == "Effort and loyalty"
    assert "high-effort experience left within" in page.inner_text("#loyalty-sentence")
    assert page.locator("#loyalty-groups tbody tr").count() == 3
    assert page.inner_text("#drivers-title") == "What drives effort"
    assert "R²" in page.inner_text("#drivers")
    screenshot(page, "dashboard-touchpoint-loyalty", full_page=True)
    assert page.messages == []
