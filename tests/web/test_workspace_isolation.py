"""Two workspaces, every dashboard page and form that takes an id or a key (both databases):
an admin of workspace B, given workspace A's ids, gets a 404 and changes nothing of A.

The form routes are read from the dashboard's routers, so a new one that takes an id must join
:data:`FORMS` (or :data:`NO_ID`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlalchemy import select

from fluide.services.workspaces import create_workspace
from fluide.settings import Settings
from fluide.storage.dashboard_models import Account, ReportSubscription
from fluide.storage.db import write_session
from fluide.web.routes import ROUTERS
from tests.api.test_workspace_isolation import give_helpdesk, ids_of, secrets_of, snapshot
from tests.services.transfer_data import fill
from tests.web.conftest import logged_in

NO_ID = {
    "/app/account/password",
    "/app/actions",
    "/app/admin/accounts",
    "/app/admin/settings",
    "/app/admin/logo",
    "/app/admin/helpdesk",
    "/app/admin/helpdesk/test",
    "/app/admin/helpdesk/delete",
    "/app/report/subscriptions",
    "/app/login",
    "/app/logout",
    "/app/lang",
    "/app/login/sso",
    "/app/admin/sso",
    "/app/topics/refresh",
    "/app/admin/touchpoints",
    "/app/admin/touchpoint-preview",
}
"""Forms that act on the caller's own workspace only (they name no object)."""

PAGES = [
    "/app/actions/{action}",
    "/app/agents/{agent}",
    "/app/touchpoints/{touchpoint}",
    "/app/admin/touchpoints/{touchpoint}/edit",
]

# Route → (URL with A's ids, form fields).
FORMS: dict[str, tuple[str, dict[str, Any]]] = {
    "/app/actions/{action_id}": (
        "/app/actions/{action}",
        {"title": "Stolen", "status": "delivered", "delivered_on": "2026-11-20"},
    ),
    "/app/admin/accounts/{account_id}": ("/app/admin/accounts/{account}", {"action": "disable"}),
    "/app/admin/touchpoints/{key}": ("/app/admin/touchpoints/{touchpoint}", {"active": "0"}),
    "/app/follow-ups/{follow_up_id}": (
        "/app/follow-ups/{follow_up}",
        {"status": "closed", "outcome": "resolved"},
    ),
    "/app/follow-ups/{follow_up_id}/push": ("/app/follow-ups/{follow_up}/push", {}),
    "/app/report/subscriptions/{subscription_id}/delete": (
        "/app/report/subscriptions/{subscription}/delete",
        {},
    ),
    "/app/topics/{topic_id}/accept": (
        "/app/topics/{topic}/accept",
        {"key": "stolen_topic", "name": "Volé"},
    ),
    "/app/topics/{topic_id}/dismiss": ("/app/topics/{topic}/dismiss", {}),
    "/app/touchpoints/{key}/verbatims/{response_id}/tags": (
        "/app/touchpoints/{touchpoint}/verbatims/{response}/tags",
        {"tag.payment": "1"},
    ),
    "/app/admin/touchpoints/{key}/edit": (
        "/app/admin/touchpoints/{touchpoint}/edit",
        {"task": "volé", "question_fr": "Volé", "scale": "1-7", "polarity": "ease"},
    ),
    "/app/admin/touchpoints/{key}/test": (
        "/app/admin/touchpoints/{touchpoint}/test",
        {"event_type": "payment_succeeded", "user_id": "{user}", "lang": "fr"},
    ),
    # Ids and keys in the form itself; the bulk form counts an id it does not find as missing.
    "/app/verbatims/bulk": (
        "/app/verbatims/bulk",
        {"ids": "{response}", "action": "add", "tag": "payment"},
    ),
    "/app/frictions/feasibility": (
        "/app/frictions/feasibility",
        {"touchpoint": "{touchpoint}", "tag": "payment", "feasibility": "1"},
    ),
}


def form_routes() -> set[str]:
    return {
        r.path
        for router in ROUTERS
        for r in router.routes
        if isinstance(r, APIRoute) and "POST" in (r.methods or ())
    }


def test_an_admin_of_workspace_b_opens_and_changes_nothing_of_workspace_a(
    app: FastAPI, settings: Settings, tmp_path: Path
) -> None:
    factory = app.state.sessions
    a = fill(factory, settings)
    b = create_workspace(factory, "Rivale")
    assert form_routes() == set(FORMS) | NO_ID
    with write_session(factory) as s:
        s.add(
            ReportSubscription(id="rsub_a_only", workspace_id=a.workspace_id, email="r@a.example")
        )
    with factory() as s:
        account = s.scalars(
            select(Account.id).where(Account.workspace_id == a.workspace_id).limit(1)
        ).one()
    of = ids_of(factory, a.workspace_id)
    values = {**vars(of), "account": account, "subscription": "rsub_a_only"}
    hidden = secrets_of(factory, a.workspace_id)
    before = snapshot(factory, settings, a.workspace_id, tmp_path / "before")
    give_helpdesk(factory, b.id)
    admin = logged_in(app, b.id, "admin", lang="en")
    problems: list[str] = []

    def check(what: str, url: str, status: int, text: str, expected: int = 404) -> None:
        leaked = sorted(v for v in hidden if v in text and v not in url)
        if status != expected:
            problems.append(f"{what}: {status}, not 404: {text[:200]}")
        if leaked:
            problems.append(f"{what}: shows A's {leaked[:3]}")

    for page in PAGES:
        url = page.format(**values)
        r = admin.client.get(url)
        check(f"GET {page}", url, r.status_code, r.text)
    for route, (template, fields) in FORMS.items():
        url = template.format(**values)
        data = {"csrf": admin.csrf, **{k: v.format(**values) for k, v in fields.items()}}
        r = admin.client.post(url, data=data, follow_redirects=False)
        if route == "/app/verbatims/bulk":
            assert "changed=0" in r.headers["location"] and "missing=1" in r.headers["location"]
            check(f"POST {route}", url, r.status_code, r.text, 303)
        else:
            check(f"POST {route}", url, r.status_code, r.text)
    assert problems == [], "\n".join(problems)
    assert snapshot(factory, settings, a.workspace_id, tmp_path / "after") == before
