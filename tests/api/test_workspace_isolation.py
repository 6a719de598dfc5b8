"""Two workspaces, every API operation (both databases): workspace B's key, given workspace
A's ids and names, never reads, changes or reveals anything of A.

A is the demo workspace with a row in every table (``tests/services/transfer_data.py``).
Every operation the app publishes must be listed in :data:`CALLS` (or in
:data:`NOT_BY_API_KEY` with the reason), so a new operation joins the suite.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fluide.services import transfer
from fluide.services.workspaces import create_workspace
from fluide.settings import Settings
from fluide.storage.dashboard_models import Action, FollowUp
from fluide.storage.db import write_session
from fluide.storage.helpdesk_models import HelpdeskConnection
from fluide.storage.models import (
    ApiKey,
    EndUser,
    Invitation,
    Response,
    Topic,
    Touchpoint,
)
from tests.services.transfer_data import END, fill

NOT_BY_API_KEY = {
    "GET /healthz": "no workspace",
    "GET /readyz": "no workspace",
    "POST /v1/responses": "the invitation's signed token is the credential",
    "GET /w/v1/pending": "widget signature (tests/service/test_widget_api.py)",
    "POST /w/v1/invitations/{invitation_id}/{what}": "widget signature",
    "POST /w/v1/track": "widget signature (tests/service/test_browser_events.py)",
    "POST /w/v1/responses": "widget signature",
    "POST /v1/integrations/helpdesk/inbound/{inbound_id}": "help desk's signature",
}


@dataclass(frozen=True)
class Of:
    """Workspace A's ids and names, as B would guess or steal them."""

    user: str
    response: str
    action: str
    follow_up: str
    topic: str
    tag: str
    touchpoint: str
    agent: str
    key_prefix: str


# Operation → (path and query with A's ids, JSON body, whether it must be a 404).
Call = tuple[str, Any, bool]
CALLS: dict[str, Callable[[Of], Call]] = {
    "GET /v1/workspace": lambda a: ("/v1/workspace", None, False),
    "PATCH /v1/workspace": lambda a: ("/v1/workspace", {"fatigue_days": 3}, False),
    "GET /v1/workspace/logo": lambda a: ("/v1/workspace/logo", None, False),
    "PUT /v1/workspace/logo": lambda a: ("/v1/workspace/logo", None, False),
    "DELETE /v1/workspace/logo": lambda a: ("/v1/workspace/logo", None, False),
    "POST /v1/workspace/secrets/{kind}": lambda a: ("/v1/workspace/secrets/webhook", None, False),
    "GET /v1/workspace/api-keys": lambda a: ("/v1/workspace/api-keys", None, False),
    # POST /v1/workspace/api-keys ends B's key: called last, see the test.
    "DELETE /v1/workspace/api-keys/{prefix}": lambda a: (
        f"/v1/workspace/api-keys/{a.key_prefix}",
        None,
        True,
    ),
    "GET /v1/workspace/sso": lambda a: ("/v1/workspace/sso", None, False),
    "PUT /v1/workspace/sso": lambda a: ("/v1/workspace/sso", {}, False),
    "DELETE /v1/workspace/sso": lambda a: ("/v1/workspace/sso", None, False),
    "GET /v1/touchpoints": lambda a: ("/v1/touchpoints", None, False),
    "POST /v1/touchpoints": lambda a: ("/v1/touchpoints", {"key": a.touchpoint}, False),
    "GET /v1/touchpoints/{key}": lambda a: (f"/v1/touchpoints/{a.touchpoint}", None, True),
    "GET /v1/touchpoints/{key}/attempts": lambda a: (
        f"/v1/touchpoints/{a.touchpoint}/attempts",
        None,
        True,
    ),
    "GET /v1/touchpoints/{key}/loyalty": lambda a: (
        f"/v1/touchpoints/{a.touchpoint}/loyalty",
        None,
        True,
    ),
    "GET /v1/touchpoints/{key}/drivers": lambda a: (
        f"/v1/touchpoints/{a.touchpoint}/drivers",
        None,
        True,
    ),
    "PATCH /v1/touchpoints/{key}": lambda a: (
        f"/v1/touchpoints/{a.touchpoint}",
        {"sampling": 0.5, "active": False},
        True,
    ),
    "POST /v1/events": lambda a: (
        "/v1/events",
        {
            "id": "b-evt-1",
            "type": "payment_succeeded",
            "occurred_at": END.isoformat(),
            "user": {"id": "b-user-1", "email": "b@rival.example"},
        },
        False,
    ),
    "GET /v1/users/{user_id}/history": lambda a: (f"/v1/users/{a.user}/history", None, True),
    "DELETE /v1/users/{user_id}": lambda a: (f"/v1/users/{a.user}", None, True),
    "GET /v1/metrics": lambda a: (f"/v1/metrics?touchpoint={a.touchpoint}", None, False),
    "GET /v1/benchmark": lambda a: ("/v1/benchmark", None, False),
    "GET /v1/recontacts": lambda a: ("/v1/recontacts?by=reason&by=agent", None, False),
    "GET /v1/email-templates": lambda a: ("/v1/email-templates", None, False),
    "PUT /v1/email-templates/{lang}": lambda a: (
        "/v1/email-templates/fr",
        {"subject": "{task} ?", "intro": "Bonjour", "signature": "B"},
        False,
    ),
    "DELETE /v1/email-templates/{lang}": lambda a: ("/v1/email-templates/fr", None, False),
    "GET /v1/funnel": lambda a: (f"/v1/funnel?touchpoint={a.touchpoint}", None, False),
    "GET /v1/tags": lambda a: ("/v1/tags", None, False),
    "POST /v1/tags": lambda a: (
        "/v1/tags",
        {"key": "b_own_tag", "names": {"fr": "B", "en": "B"}, "examples": ["b"]},
        False,
    ),
    "GET /v1/tags/{key}": lambda a: (f"/v1/tags/{a.tag}", None, True),
    "PATCH /v1/tags/{key}": lambda a: (
        f"/v1/tags/{a.tag}",
        {"names": {"fr": "Volé", "en": "Stolen"}},
        True,
    ),
    "POST /v1/tags/{key}/merge": lambda a: (f"/v1/tags/{a.tag}/merge", {"into": "payment"}, True),
    "POST /v1/tags/{key}/examples": lambda a: (
        f"/v1/tags/{a.tag}/examples",
        {"examples": ["volé"]},
        True,
    ),
    "GET /v1/verbatims": lambda a: ("/v1/verbatims?limit=200", None, False),
    "GET /v1/verbatims/{response_id}": lambda a: (f"/v1/verbatims/{a.response}", None, True),
    "PUT /v1/verbatims/{response_id}/tags": lambda a: (
        f"/v1/verbatims/{a.response}/tags",
        {"tags": ["payment"]},
        True,
    ),
    "POST /v1/verbatims/retag": lambda a: ("/v1/verbatims/retag", {"ids": [a.response]}, False),
    "GET /v1/frictions": lambda a: (f"/v1/frictions?touchpoint={a.touchpoint}", None, False),
    "GET /v1/topics": lambda a: ("/v1/topics", None, False),
    "POST /v1/topics/refresh": lambda a: ("/v1/topics/refresh", None, False),
    "POST /v1/topics/{topic_id}/accept": lambda a: (
        f"/v1/topics/{a.topic}/accept",
        {"key": "stolen_topic", "names": {"fr": "Volé", "en": "Stolen"}},
        True,
    ),
    "POST /v1/topics/{topic_id}/dismiss": lambda a: (f"/v1/topics/{a.topic}/dismiss", None, True),
    "GET /v1/actions": lambda a: (f"/v1/actions?touchpoint={a.touchpoint}", None, False),
    "POST /v1/actions": lambda a: (
        "/v1/actions",
        {"touchpoint": a.touchpoint, "title": "B's action", "kind": "product"},
        False,
    ),
    "GET /v1/actions/{action_id}": lambda a: (f"/v1/actions/{a.action}", None, True),
    "PATCH /v1/actions/{action_id}": lambda a: (
        f"/v1/actions/{a.action}",
        {"title": "Stolen", "status": "delivered", "delivered_on": "2026-11-20"},
        True,
    ),
    "GET /v1/backlog": lambda a: ("/v1/backlog", None, False),
    "PUT /v1/backlog/feasibility": lambda a: (
        "/v1/backlog/feasibility",
        {"touchpoint": a.touchpoint, "tag": "payment", "feasibility": 1},
        False,
    ),
    "GET /v1/agents": lambda a: (f"/v1/agents?touchpoint={a.touchpoint}", None, False),
    "GET /v1/agents/{agent_id}": lambda a: (f"/v1/agents/{a.agent}", None, False),
    "GET /v1/follow-ups": lambda a: ("/v1/follow-ups", None, False),
    "GET /v1/follow-ups/{follow_up_id}": lambda a: (f"/v1/follow-ups/{a.follow_up}", None, True),
    "PATCH /v1/follow-ups/{follow_up_id}": lambda a: (
        f"/v1/follow-ups/{a.follow_up}",
        {"status": "closed", "outcome": "resolved", "note": "stolen"},
        True,
    ),
    "POST /v1/follow-ups/{follow_up_id}/push": lambda a: (
        f"/v1/follow-ups/{a.follow_up}/push",
        None,
        True,
    ),
    "GET /v1/integrations/helpdesk": lambda a: ("/v1/integrations/helpdesk", None, False),
    "PUT /v1/integrations/helpdesk": lambda a: ("/v1/integrations/helpdesk", {}, False),
    "DELETE /v1/integrations/helpdesk": lambda a: ("/v1/integrations/helpdesk", None, False),
    "POST /v1/integrations/helpdesk/test": lambda a: (
        "/v1/integrations/helpdesk/test",
        None,
        False,
    ),
}
ROTATE = "POST /v1/workspace/api-keys"
A_TAG = "a_only_tag"


def operations(app: FastAPI) -> set[str]:
    return {f"{m.upper()} {p}" for p, ops in app.openapi()["paths"].items() for m in ops}


def ids_of(factory: sessionmaker[Session], ws: str) -> Of:
    with factory() as s:

        def first(column: Any, *where: Any) -> str:
            value = s.scalars(select(column).where(*where).order_by(column).limit(1)).first()
            assert value is not None, column
            return str(value)

        return Of(
            user=first(EndUser.external_id, EndUser.workspace_id == ws),
            response=first(Response.id, Response.workspace_id == ws, Response.comment.is_not(None)),
            action=first(Action.id, Action.workspace_id == ws),
            follow_up=first(FollowUp.id, FollowUp.workspace_id == ws),
            topic=first(Topic.id, Topic.workspace_id == ws),
            tag=A_TAG,
            touchpoint=first(Touchpoint.key, Touchpoint.workspace_id == ws),
            agent=first(
                Response.agent_id, Response.workspace_id == ws, Response.agent_id.is_not(None)
            ),
            key_prefix=first(ApiKey.prefix, ApiKey.workspace_id == ws),
        )


def secrets_of(factory: sessionmaker[Session], ws: str) -> set[str]:
    """What of A must never appear in an answer to B: e-mails, comments, titles, ids."""
    with factory() as s:
        found: set[str] = set()
        for column, where in (
            (EndUser.email, EndUser.workspace_id == ws),
            (Response.comment, Response.workspace_id == ws),
            (Response.id, Response.workspace_id == ws),
            (Invitation.id, Invitation.workspace_id == ws),
            (Action.title, Action.workspace_id == ws),
            (FollowUp.id, FollowUp.workspace_id == ws),
            (Topic.label, Topic.workspace_id == ws),
            (HelpdeskConnection.inbound_id, HelpdeskConnection.workspace_id == ws),
        ):
            found |= {str(v) for v in s.scalars(select(column).where(where)) if v}
    return {v for v in found if len(v) >= 8}


def snapshot(factory: sessionmaker[Session], settings: Settings, ws: str, out: Path) -> str:
    """Every row of the workspace, as its export writes them."""
    transfer.export_workspace(factory, ws, out, hooks=transfer.export_hooks(settings), now=END)
    return "\n".join(
        f"{p.name}\n{p.read_text()}" for p in sorted(out.iterdir()) if p.name != "manifest.json"
    )


def give_helpdesk(factory: sessionmaker[Session], ws: str) -> None:
    """A help desk of the workspace's own, so that a push looks the follow-up up."""
    with write_session(factory) as s:
        s.add(
            HelpdeskConnection(
                workspace_id=ws,
                provider="zendesk",
                config={"subdomain": "rival", "email": "bot@rival.example", "mapping": {}},
                credential="rival-token-value-0123456789",
                signing_secret="rival-signing-secret-0123456789",
                inbound_id="hd_rival",
                push_on_create=False,
                push_since=END,
                created_at=END,
                updated_at=END,
            )
        )


def test_workspace_b_reads_changes_and_learns_nothing_of_workspace_a(
    app: FastAPI, settings: Settings, tmp_path: Path
) -> None:
    factory = app.state.sessions
    a = fill(factory, settings)
    b = create_workspace(factory, "Rivale")
    give_helpdesk(factory, b.id)
    a_auth = {"Authorization": f"Bearer {a.api_key}"}
    with TestClient(app) as client:
        tag = {"key": A_TAG, "names": {"fr": "A", "en": "A"}, "examples": ["une attente"]}
        assert client.post("/v1/tags", headers=a_auth, json=tag).status_code == 201
    assert operations(app) == set(CALLS) | set(NOT_BY_API_KEY) | {ROTATE}
    of = ids_of(factory, a.workspace_id)
    hidden = secrets_of(factory, a.workspace_id)
    before = snapshot(factory, settings, a.workspace_id, tmp_path / "before")
    b_auth = {"Authorization": f"Bearer {b.api_key}", "Accept-Language": "en"}
    problems: list[str] = []
    with TestClient(app) as client:
        for label, make in [
            *CALLS.items(),
            (ROTATE, lambda a: ("/v1/workspace/api-keys", None, False)),
        ]:
            method = label.split(" ", 1)[0]
            url, body, must_404 = make(of)
            r = client.request(method, url, headers=b_auth, json=body)
            text = r.text
            leaked = sorted(v for v in hidden if v in text and v not in url)
            if r.status_code in (401, 403) or r.status_code >= 500:
                problems.append(f"{label}: {r.status_code} {text[:200]}")
            if must_404 and r.status_code != 404:
                problems.append(f"{label}: {r.status_code}, not 404: {text[:200]}")
            if leaked:
                problems.append(f"{label}: answers A's {leaked[:3]}")
        # A's own key still works: B's calls did not end it.
        assert client.get("/v1/workspace", headers=a_auth).status_code == 200
    assert problems == [], "\n".join(problems)
    assert snapshot(factory, settings, a.workspace_id, tmp_path / "after") == before
