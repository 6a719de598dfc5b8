"""``/v1/integrations/helpdesk``: the connection through the API (secrets never shown), the
push by hand, and the outcome coming back on the signed inbound endpoint (Zendesk,
HubSpot v3, Fluide's own), idempotent, isolated and limited (both databases)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fluide.channels.helpdesk import signature_header
from fluide.jobs.helpdesk import push_pending
from fluide.services import follow_ups
from fluide.services.workspaces import NewWorkspace, create_workspace
from fluide.settings import Settings
from tests.helpdesk_fake import Fake, fake, with_fake_vendors, zendesk_fields
from tests.services.test_follow_ups import T0, respond, sessions

TOKEN = "zd-api-T0ken-never-shown-789"
ZENDESK_SECRET = "zendesk-webhook-signing-secret"
HUBSPOT_SECRET = "hubspot-app-client-secret"
__all__ = ["fake"]  # fixtures


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    """No lifespan, so no worker thread: pushes happen when a test calls push_pending, and
    never towards the real vendors."""
    return TestClient(app)


@pytest.fixture
def local(app: FastAPI, fake: Fake) -> Settings:
    """The app's settings with the vendors answered by the fake on 127.0.0.1."""
    s = with_fake_vendors(app.state.settings, fake)
    app.state.settings = s
    return s


def _zendesk(client: TestClient, auth: dict[str, str]) -> dict[str, Any]:
    body = zendesk_fields(TOKEN, signing_secret=ZENDESK_SECRET, mapping={"score": "360001"})
    r = client.put("/v1/integrations/helpdesk", json=body, headers=auth)
    assert r.status_code == 200, r.text
    return dict(r.json())


def _pushed_follow_up(app: FastAPI, settings: Settings, s: Settings, ws: str) -> str:
    respond(app, settings, ws, 2, "Trois essais", user="cust-1", at=datetime.now(UTC))
    assert push_pending(sessions(app), s) == 1
    [fu] = follow_ups.list_follow_ups(sessions(app), ws)
    assert fu["helpdesk"]["state"] == "pushed", fu["helpdesk"]
    return str(fu["id"])


def _zendesk_call(
    secret: str, body: dict[str, Any], stamp: str | None = None
) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body).encode()
    stamp = stamp or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    mac = hmac.new(secret.encode(), stamp.encode() + raw, hashlib.sha256).digest()
    return raw, {
        "X-Zendesk-Webhook-Signature": base64.b64encode(mac).decode(),
        "X-Zendesk-Webhook-Signature-Timestamp": stamp,
        "Content-Type": "application/json",
    }


def test_the_connection_never_shows_its_token_and_can_be_removed(
    client: TestClient, auth: dict[str, str], local: Settings
) -> None:
    made = _zendesk(client, auth)
    got = client.get("/v1/integrations/helpdesk", headers=auth)
    assert got.status_code == 200 and got.headers["cache-control"] == "no-store"
    for shown in (made, got.json()):
        assert TOKEN not in json.dumps(shown) and ZENDESK_SECRET not in json.dumps(shown)
        assert shown["token_set"] is True and shown["signing_secret_set"] is True
        assert shown["config"]["subdomain"] == "acme" and shown["mapping"] == {"score": "360001"}
        assert shown["inbound_url"].startswith(
            "http://testserver/v1/integrations/helpdesk/inbound/hd_"
        )
    # The same provider again without a token keeps the stored one.
    again = client.put(
        "/v1/integrations/helpdesk",
        json={"provider": "zendesk", "subdomain": "acme2", "email": "b@acme.example"},
        headers=auth,
    )
    assert again.status_code == 200 and again.json()["token_set"] is True
    assert client.delete("/v1/integrations/helpdesk", headers=auth).status_code == 204
    assert client.get("/v1/integrations/helpdesk", headers=auth).status_code == 404


def test_bad_input_is_refused_naming_the_field(client: TestClient, auth: dict[str, str]) -> None:
    r = client.put(
        "/v1/integrations/helpdesk",
        json={
            "provider": "zendesk",
            "subdomain": "acme",
            "email": "b@a.example",
            "token": "t",
            "mapping": {"score": "not-a-number"},
        },
        headers=auth,
    )
    assert r.status_code == 422
    assert r.json()["error"]["details"][0]["field"] == "mapping.score"
    r = client.put("/v1/integrations/helpdesk", json={"provider": "freshdesk"}, headers=auth)
    assert r.status_code == 422
    # A webhook to this machine, in production settings: refused.
    r = client.put(
        "/v1/integrations/helpdesk",
        json={"provider": "webhook", "url": "https://127.0.0.1:8443/hook"},
        headers=auth,
    )
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "url"
    assert client.get("/v1/integrations/helpdesk").status_code == 401  # no key


def test_test_connection_and_push_by_hand_through_the_api(
    app: FastAPI,
    client: TestClient,
    auth: dict[str, str],
    local: Settings,
    settings: Settings,
    workspace: NewWorkspace,
    fake: Fake,
) -> None:
    assert client.post("/v1/integrations/helpdesk/test", headers=auth).status_code == 404
    respond(app, settings, workspace.id, 2, "Trop long", at=T0)  # before the connection
    _zendesk(client, auth)
    assert client.post("/v1/integrations/helpdesk/test", headers=auth).json()["ok"] is True
    [fu] = follow_ups.list_follow_ups(sessions(app), workspace.id, now=T0)
    assert fu["helpdesk"] is None
    r = client.post(f"/v1/follow-ups/{fu['id']}/push", headers=auth)
    assert r.status_code == 202 and r.json()["state"] == "pending"
    assert push_pending(sessions(app), local) == 1
    one = client.get(f"/v1/follow-ups/{fu['id']}", headers=auth).json()
    assert one["helpdesk"]["external_url"] == "https://acme.zendesk.com/agent/tickets/35436"
    assert client.post(f"/v1/follow-ups/{fu['id']}/push", headers=auth).status_code == 409
    assert client.post("/v1/follow-ups/fu_nope/push", headers=auth).status_code == 404


def test_a_solved_zendesk_ticket_closes_its_follow_up_once_with_the_agents_note(
    app: FastAPI,
    client: TestClient,
    auth: dict[str, str],
    local: Settings,
    settings: Settings,
    workspace: NewWorkspace,
) -> None:
    inbound = _zendesk(client, auth)["inbound_url"].removeprefix("http://testserver")
    fu_id = _pushed_follow_up(app, settings, local, workspace.id)
    body = {"ticket_id": "35436", "status": "solved", "note": "Rappelée, paiement passé."}
    raw, headers = _zendesk_call(ZENDESK_SECRET, body)
    r = client.post(inbound, content=raw, headers=headers)
    assert r.status_code == 200, r.text
    assert r.json() == {"received": 1, "closed": 1}
    fu = follow_ups.get_follow_up(sessions(app), workspace.id, fu_id)
    assert (fu["status"], fu["outcome"], fu["note"]) == (
        "closed",
        "resolved",
        "Rappelée, paiement passé.",
    )
    assert fu["helpdesk"]["remote_status"] == "solved"
    # The same call again (a retry of the vendor): nothing more.
    again = client.post(inbound, content=raw, headers=headers)
    assert again.json() == {"received": 1, "unchanged": 1}
    assert follow_ups.get_follow_up(sessions(app), workspace.id, fu_id)["note"] == fu["note"]


def test_a_bad_or_stale_signature_and_an_unknown_id_are_refused_alike(
    app: FastAPI,
    client: TestClient,
    auth: dict[str, str],
    local: Settings,
    settings: Settings,
    workspace: NewWorkspace,
) -> None:
    inbound = _zendesk(client, auth)["inbound_url"].removeprefix("http://testserver")
    fu_id = _pushed_follow_up(app, settings, local, workspace.id)
    body = {"ticket_id": "35436", "status": "solved"}
    raw, headers = _zendesk_call("not-the-secret", body)
    assert client.post(inbound, content=raw, headers=headers).status_code == 401
    raw, headers = _zendesk_call(ZENDESK_SECRET, body, stamp="2020-01-01T00:00:00Z")
    assert client.post(inbound, content=raw, headers=headers).status_code == 401
    raw, headers = _zendesk_call(ZENDESK_SECRET, body)
    unknown = client.post(
        "/v1/integrations/helpdesk/inbound/hd_unknown", content=raw, headers=headers
    )
    assert unknown.status_code == 401
    assert unknown.json()["error"]["code"] == "bad_signature"
    raw, headers = _zendesk_call(ZENDESK_SECRET, {"nothing": 1})
    assert client.post(inbound, content=raw, headers=headers).status_code == 422
    big = b'{"ticket_id": "1", "status": "solved", "note": "' + b"x" * 70_000 + b'"}'
    assert client.post(inbound, content=big, headers=headers).status_code == 413
    assert follow_ups.get_follow_up(sessions(app), workspace.id, fu_id)["status"] == "open"


def test_another_workspaces_call_cannot_close_this_workspaces_follow_up(
    app: FastAPI,
    client: TestClient,
    auth: dict[str, str],
    local: Settings,
    settings: Settings,
    workspace: NewWorkspace,
) -> None:
    _zendesk(client, auth)
    fu_id = _pushed_follow_up(app, settings, local, workspace.id)
    other = create_workspace(sessions(app), "Autre")
    other_auth = {"Authorization": f"Bearer {other.api_key}"}
    theirs = (
        client.put(
            "/v1/integrations/helpdesk",
            json={
                "provider": "zendesk",
                "subdomain": "other",
                "email": "o@o.example",
                "token": "x",
                "signing_secret": "their-secret",
            },
            headers=other_auth,
        )
        .json()["inbound_url"]
        .removeprefix("http://testserver")
    )
    raw, headers = _zendesk_call("their-secret", {"ticket_id": "35436", "status": "solved"})
    r = client.post(theirs, content=raw, headers=headers)
    assert r.status_code == 200 and r.json() == {"received": 1, "unknown": 1}
    assert follow_ups.get_follow_up(sessions(app), workspace.id, fu_id)["status"] == "open"


def test_a_hubspot_v3_signed_stage_change_closes_the_follow_up(
    app: FastAPI,
    client: TestClient,
    auth: dict[str, str],
    local: Settings,
    settings: Settings,
    workspace: NewWorkspace,
) -> None:
    made = client.put(
        "/v1/integrations/helpdesk",
        json={"provider": "hubspot", "token": "pat-x", "signing_secret": HUBSPOT_SECRET},
        headers=auth,
    ).json()
    uri = made["inbound_url"]
    fu_id = _pushed_follow_up(app, settings, local, workspace.id)
    events = [
        {
            "eventId": 1,
            "subscriptionType": "ticket.propertyChange",
            "objectId": 512,
            "propertyName": "hs_pipeline_stage",
            "propertyValue": "4",
            "occurredAt": int(time.time() * 1000),
        }
    ]
    raw = json.dumps(events).encode()
    stamp = str(int(time.time() * 1000))
    mac = hmac.new(
        HUBSPOT_SECRET.encode(), b"POST" + uri.encode() + raw + stamp.encode(), hashlib.sha256
    )
    headers = {
        "X-HubSpot-Signature-v3": base64.b64encode(mac.digest()).decode(),
        "X-HubSpot-Request-Timestamp": stamp,
        "Content-Type": "application/json",
    }
    r = client.post(uri.removeprefix("http://testserver"), content=raw, headers=headers)
    assert r.status_code == 200 and r.json() == {"received": 1, "closed": 1}, r.text
    fu = follow_ups.get_follow_up(sessions(app), workspace.id, fu_id)
    assert (fu["status"], fu["outcome"]) == ("closed", "resolved")


def test_the_generic_webhook_signs_back_with_its_own_secret(
    app: FastAPI,
    client: TestClient,
    auth: dict[str, str],
    local: Settings,
    settings: Settings,
    workspace: NewWorkspace,
    fake: Fake,
) -> None:
    made = client.put(
        "/v1/integrations/helpdesk",
        json={"provider": "webhook", "url": fake.url + "/hook"},
        headers=auth,
    ).json()
    secret = made["secret"]
    assert "secret" not in client.get("/v1/integrations/helpdesk", headers=auth).json()
    fu_id = _pushed_follow_up(app, settings, local, workspace.id)
    raw = json.dumps({"follow_up_id": fu_id, "status": "done", "note": "Vu au téléphone"}).encode()
    headers = {"X-Fluide-Signature": signature_header(secret, int(time.time()), raw)}
    inbound = made["inbound_url"].removeprefix("http://testserver")
    assert client.post(inbound, content=raw, headers=headers).json() == {"received": 1, "closed": 1}
    assert follow_ups.get_follow_up(sessions(app), workspace.id, fu_id)["note"] == "Vu au téléphone"
