"""The chat channel end to end: a ticket closes, Fluide posts a signed message to a real
HTTP receiver on 127.0.0.1; and the workspace settings API that configures it.

A receiver on 127.0.0.1 is reachable only where private targets are allowed
(``FLUIDE_WEBHOOK_ALLOW_PRIVATE``): the tests that post to one say so.
"""

from __future__ import annotations

import json
import queue
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fluide import secretbox
from fluide.api.routes import workspace as workspace_routes
from fluide.channels import DeliveryResult
from fluide.channels.compose import invitation_message
from fluide.channels.outbound import Policy
from fluide.channels.webhook import compose_chat, post_webhook, verify
from fluide.services.workspaces import NewWorkspace, create_workspace
from fluide.settings import Settings
from fluide.storage.models import Workspace
from tests.service.conftest import event_body, touchpoint_body

WAIT = 5.0  # seconds: every wait in this file is bounded
PRIVATE_OK = Policy(allow_private=True)


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


class Receiver:
    """A webhook receiver on 127.0.0.1: records every request, answers ``status``."""

    def __init__(
        self, status: int = 200, headers: dict[str, str] | None = None, delay: float = 0
    ) -> None:
        self.status = status
        self.headers = headers or {}
        self.delay = delay
        self.received: queue.Queue[Received] = queue.Queue()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                receiver.received.put(
                    Received(
                        self.command,
                        self.path,
                        {k.lower(): v for k, v in self.headers.items()},
                        body,
                    )
                )
                if receiver.delay:
                    time.sleep(receiver.delay)
                self.send_response(receiver.status)
                for name, value in receiver.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=WAIT)

    def request_with_key(self, key: str) -> Received:
        """The request carrying ``Idempotency-Key: key`` (others, e.g. the worker's, skipped)."""
        deadline = time.monotonic() + WAIT
        while (left := deadline - time.monotonic()) > 0:
            try:
                got = self.received.get(timeout=left)
            except queue.Empty:
                break
            if got.headers.get("idempotency-key") == key:
                return got
        raise AssertionError(f"no request with Idempotency-Key {key} within {WAIT} s")


@pytest.fixture
def api(app: FastAPI) -> Iterator[TestClient]:
    """The test client, with the workspace routes whether or not the app registers them."""
    if not any(getattr(r, "path", "") == "/v1/workspace" for r in app.routes):
        app.include_router(workspace_routes.router)
    with TestClient(app) as c:
        yield c


@pytest.fixture
def private_ok(app: FastAPI, settings: Settings) -> Settings:
    """The app runs with FLUIDE_WEBHOOK_ALLOW_PRIVATE=true (receivers on 127.0.0.1)."""
    allowed = settings.model_copy(update={"webhook_allow_private": True})
    app.state.settings = allowed
    return allowed


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def chat_invitation(api: TestClient, auth: dict[str, str]) -> dict[str, Any]:
    tp = touchpoint_body(
        key="support", task="résoudre un ticket", triggers=[{"event": "ticket_resolved"}]
    )
    tp["channels"] = ["chat"]
    assert api.post("/v1/touchpoints", headers=auth, json=tp).status_code == 201
    event = event_body(type_="ticket_resolved", properties={"ticket_id": "T-1", "agent_id": "a-7"})
    decision = api.post("/v1/events", headers=auth, json=event).json()
    assert decision["decision"] == "invited", decision
    assert decision["invitation"]["channel"] == "chat"
    return dict(decision["invitation"])


def deliver(app: FastAPI, settings: Settings, invitation_id: str, key: str) -> DeliveryResult:
    """What a chat delivery does: compose, then post to the workspace's webhook."""
    with app.state.sessions() as s:
        msg = invitation_message(s, settings, invitation_id)
        ws = s.get(Workspace, msg.workspace_id)
        assert ws is not None and ws.chat_webhook_url and ws.webhook_secret
        secret = secretbox.box(settings).open(ws.webhook_secret)
        return post_webhook(
            ws.chat_webhook_url,
            secret,
            compose_chat(msg),
            idempotency_key=key,
            policy=Policy.of(app.state.settings),
        )


# --- ticket closed → signed chat message --------------------------------------


def test_a_resolved_ticket_posts_a_signed_chat_message_with_the_survey_link(
    api: TestClient, auth: dict[str, str], app: FastAPI, private_ok: Settings
) -> None:
    with Receiver(headers={"X-Request-Id": "req-42"}) as receiver:
        r = api.patch("/v1/workspace", headers=auth, json={"chat_webhook_url": receiver.url})
        assert r.status_code == 200 and r.json()["chat_webhook_url"] == receiver.url
        secret = api.post("/v1/workspace/secrets/webhook", headers=auth).json()["secret"]
        invitation = chat_invitation(api, auth)

        result = deliver(app, private_ok, invitation["id"], "test:" + invitation["id"])
        got = receiver.request_with_key("test:" + invitation["id"])

    assert result == DeliveryResult("sent", "HTTP 200 OK", "req-42")
    assert got.method == "POST" and got.path == "/hook"
    assert got.headers["content-type"] == "application/json"
    assert got.headers["user-agent"].startswith("Fluide/")
    assert verify(
        secret, got.headers["x-fluide-timestamp"], got.headers["x-fluide-signature"], got.body
    )
    assert not verify(
        secret,
        got.headers["x-fluide-timestamp"],
        got.headers["x-fluide-signature"],
        got.body + b" ",
    )
    body = got.json()
    # The link channel's URL (in the decision) is the one the chat message carries.
    assert body["survey_url"] == invitation["url"]
    assert invitation["url"] in body["text"] and f"<{invitation['url']}?score=7|7>" in body["text"]
    assert body["text"].startswith("*J'ai pu payer facilement*")  # the customer's language
    assert body["type"] == "ces.invitation" and body["invitation_id"] == invitation["id"]
    assert body["ticket_id"] == "T-1" and body["agent_id"] == "a-7" and body["user_id"] == "u-42"
    assert body["touchpoint"] == "support" and body["lang"] == "fr"
    assert len(body["scale"]) == 7 and body["scale"][6]["url"] == invitation["url"] + "?score=7"


def post_once(receiver_url: str, **kwargs: Any) -> DeliveryResult:
    return post_webhook(
        receiver_url, "s3cret", {"text": "hé"}, idempotency_key="k-1", policy=PRIVATE_OK, **kwargs
    )


@pytest.mark.parametrize(
    ("status", "expected"),
    [(200, "sent"), (204, "sent"), (500, "retry"), (503, "retry"), (429, "retry"), (400, "failed")],
)
def test_the_receiver_answer_decides_sent_retry_or_failed(status: int, expected: str) -> None:
    headers = {"Retry-After": "17"} if status == 429 else {}
    with Receiver(status, headers) as receiver:
        result = post_once(receiver.url)
        got = receiver.request_with_key("k-1")
    assert result.status == expected and str(status) in result.detail
    assert "s3cret" not in result.detail
    assert verify(
        "s3cret", got.headers["x-fluide-timestamp"], got.headers["x-fluide-signature"], got.body
    )
    if status == 429:
        assert "Retry-After: 17" in result.detail


def test_a_receiver_that_is_down_is_retried() -> None:
    result = post_once(f"http://127.0.0.1:{free_port()}/hook", timeout=2)
    assert result.status == "retry" and "connection" in result.detail
    assert "s3cret" not in result.detail


def test_a_receiver_too_slow_is_retried() -> None:
    with Receiver(delay=1.5) as receiver:
        started = time.monotonic()
        result = post_once(receiver.url, timeout=0.3)
        assert time.monotonic() - started < WAIT
    assert result.status == "retry" and "timeout" in result.detail


# --- the workspace settings API -----------------------------------------------

FIELDS = {
    "id",
    "brand_color",
    "logo",
    "name",
    "timezone",
    "fatigue_days",
    "sender_name",
    "chat_webhook_url",
    "widget_public_key",
    "has_webhook_secret",
    "has_widget_secret",
    "comment_retention_days",
    "personal_data_retention_days",
    "contact_event_types",
    "promise_alert_hours",
    "outcome_event_types",
    "benchmark_opt_in",
}


def test_reading_the_settings_never_shows_a_secret(
    api: TestClient, auth: dict[str, str], workspace: NewWorkspace
) -> None:
    first = api.get("/v1/workspace", headers=auth).json()
    assert set(first) == FIELDS and first["id"] == workspace.id and first["name"] == "Boutique"
    assert first["timezone"] == "Europe/Paris" and first["fatigue_days"] == 14
    webhook = api.post("/v1/workspace/secrets/webhook", headers=auth).json()["secret"]
    widget = api.post("/v1/workspace/secrets/widget", headers=auth).json()["secret"]
    r = api.get("/v1/workspace", headers=auth)
    data = r.json()
    assert data["has_webhook_secret"] is True and data["has_widget_secret"] is True
    assert webhook not in r.text and widget not in r.text
    patched = api.patch("/v1/workspace", headers=auth, json={"sender_name": "Durand"})
    assert webhook not in patched.text and widget not in patched.text


def test_settings_change_only_what_is_sent(api: TestClient, auth: dict[str, str]) -> None:
    r = api.patch(
        "/v1/workspace",
        headers=auth,
        json={
            "name": "  Boutique Durand ",
            "timezone": "America/Montreal",
            "fatigue_days": 30,
            "sender_name": "L'équipe Durand",
        },
    )
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["name"] == "Boutique Durand" and data["timezone"] == "America/Montreal"
    assert data["fatigue_days"] == 30 and data["sender_name"] == "L'équipe Durand"
    r = api.patch("/v1/workspace", headers=auth, json={"fatigue_days": 7})
    assert r.json()["timezone"] == "America/Montreal" and r.json()["fatigue_days"] == 7
    assert (
        api.patch("/v1/workspace", headers=auth, json={"sender_name": None}).json()["sender_name"]
        is None
    )
    assert api.get("/v1/workspace", headers=auth).json()["fatigue_days"] == 7


@pytest.mark.parametrize(
    "body",
    [
        {"timezone": "Mars/Olympus"},
        {"timezone": "../../etc/passwd"},
        {"fatigue_days": 0},
        {"fatigue_days": 366},
        {"name": ""},
        {"name": None},
        {"timezone": None},
        {"fatigue_days": None},
        {"webhook_secret": "mine"},  # secrets are made by Fluide, never sent
        {"id": "ws_other"},
    ],
)
def test_invalid_settings_are_refused(
    api: TestClient, auth: dict[str, str], body: dict[str, Any]
) -> None:
    before = api.get("/v1/workspace", headers=auth).json()
    r = api.patch("/v1/workspace", headers=auth, json=body)
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid", r.text
    assert api.get("/v1/workspace", headers=auth).json() == before


def test_an_unknown_time_zone_is_explained_in_french_or_english(
    api: TestClient, auth: dict[str, str]
) -> None:
    body = {"timezone": "Mars/Olympus"}
    fr = api.patch("/v1/workspace", headers=auth, json=body).json()["error"]
    en = api.patch("/v1/workspace", headers={**auth, "Accept-Language": "en"}, json=body).json()[
        "error"
    ]
    assert fr["message"].startswith("Fuseau horaire inconnu dans timezone : Mars/Olympus")
    assert en["message"].startswith("Unknown time zone Mars/Olympus")
    assert fr["message"] != en["message"] and fr["details"][0]["field"] == "timezone"


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.slack.com/services/T000/B000/XXXXXXXX",
        "http://127.0.0.1:9000/hook",
        "http://localhost:9000/hook",
        "http://[::1]:9000/hook",
    ],
)
def test_https_and_loopback_webhooks_are_accepted(
    api: TestClient, auth: dict[str, str], private_ok: Settings, url: str
) -> None:
    r = api.patch("/v1/workspace", headers=auth, json={"chat_webhook_url": url})
    assert r.status_code == 200, r.text
    assert r.json()["chat_webhook_url"] == url and r.json()["has_webhook_secret"] is True
    cleared = api.patch("/v1/workspace", headers=auth, json={"chat_webhook_url": None})
    assert cleared.json()["chat_webhook_url"] is None


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/hook",
        "http://10.0.0.7/hook",
        "ftp://example.com/hook",
        "https://user:pw@example.com/hook",
        "not a url",
    ],
)
def test_other_webhook_urls_are_refused_saying_why(
    api: TestClient, auth: dict[str, str], url: str
) -> None:
    r = api.patch("/v1/workspace", headers=auth, json={"chat_webhook_url": url})
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "invalid" and error["details"][0]["field"] == "chat_webhook_url"
    assert "webhook" in error["message"]  # French by default: « L'URL du webhook… »
    assert api.get("/v1/workspace", headers=auth).json()["chat_webhook_url"] is None


def test_clear_text_http_is_refused_in_french_and_english(
    api: TestClient, auth: dict[str, str]
) -> None:
    body = {"chat_webhook_url": "http://example.com/hook"}
    fr = api.patch("/v1/workspace", headers=auth, json=body).json()["error"]["message"]
    en_headers = {**auth, "Accept-Language": "en-GB,en;q=0.8"}
    en = api.patch("/v1/workspace", headers=en_headers, json=body).json()["error"]["message"]
    assert fr.startswith("L'URL du webhook doit commencer par https://")
    assert en.startswith("The webhook URL must start with https://")


def test_a_rotated_secret_is_shown_once_and_the_new_one_signs(
    api: TestClient, auth: dict[str, str], app: FastAPI, private_ok: Settings
) -> None:
    with Receiver() as receiver:
        api.patch("/v1/workspace", headers=auth, json={"chat_webhook_url": receiver.url})
        r1 = api.post("/v1/workspace/secrets/webhook", headers=auth)
        assert r1.status_code == 200 and r1.headers["cache-control"] == "no-store"
        assert set(r1.json()) == {"kind", "secret"} and r1.json()["kind"] == "webhook"
        old = r1.json()["secret"]
        new = api.post("/v1/workspace/secrets/webhook", headers=auth).json()["secret"]
        assert new != old and len(new) >= 43
        assert new not in api.get("/v1/workspace", headers=auth).text
        invitation = chat_invitation(api, auth)
        assert deliver(app, private_ok, invitation["id"], "rotated").status == "sent"
        got = receiver.request_with_key("rotated")
    stamp, signature = got.headers["x-fluide-timestamp"], got.headers["x-fluide-signature"]
    assert verify(new, stamp, signature, got.body)
    assert not verify(old, stamp, signature, got.body)


def test_rotating_the_widget_secret_keeps_the_public_key(
    api: TestClient, auth: dict[str, str], app: FastAPI, workspace: NewWorkspace
) -> None:
    with app.state.sessions() as s:
        ws = s.get(Workspace, workspace.id)
        assert ws is not None
        ws.widget_public_key = "wpk_already_embedded_in_pages"
        s.commit()
    first = api.post("/v1/workspace/secrets/widget", headers=auth).json()
    second = api.post("/v1/workspace/secrets/widget", headers=auth).json()
    assert first["kind"] == "widget" and first["secret"] != second["secret"]
    data = api.get("/v1/workspace", headers=auth).json()
    assert data["widget_public_key"] == "wpk_already_embedded_in_pages"
    assert data["has_widget_secret"] is True and data["has_webhook_secret"] is False
    with app.state.sessions() as s:
        ws = s.get(Workspace, workspace.id)
        assert ws is not None and ws.widget_secret
        assert secretbox.box(app.state.settings).open(ws.widget_secret) == second["secret"]


def test_a_first_widget_secret_comes_with_a_public_key(
    api: TestClient, auth: dict[str, str]
) -> None:
    assert api.get("/v1/workspace", headers=auth).json()["widget_public_key"] is None
    api.post("/v1/workspace/secrets/widget", headers=auth)
    key = api.get("/v1/workspace", headers=auth).json()["widget_public_key"]
    assert key and key.startswith("pk_")
    api.post("/v1/workspace/secrets/widget", headers=auth)
    assert api.get("/v1/workspace", headers=auth).json()["widget_public_key"] == key


def test_an_unknown_secret_kind_or_no_key_is_refused(api: TestClient, auth: dict[str, str]) -> None:
    assert api.post("/v1/workspace/secrets/smtp", headers=auth).status_code == 422
    assert api.get("/v1/workspace").status_code == 401
    assert api.post("/v1/workspace/secrets/webhook").status_code == 401
    bad = {"Authorization": "Bearer flk_unknown"}
    assert api.patch("/v1/workspace", headers=bad, json={"name": "x"}).status_code == 401


def test_each_key_sees_and_changes_its_own_workspace_only(
    api: TestClient, auth: dict[str, str], app: FastAPI, workspace: NewWorkspace
) -> None:
    other = create_workspace(app.state.sessions, "Atelier")
    other_auth = {"Authorization": f"Bearer {other.api_key}"}
    api.patch(
        "/v1/workspace",
        headers=auth,
        json={"name": "Boutique 2", "chat_webhook_url": "https://hooks.slack.com/services/A"},
    )
    secret = api.post("/v1/workspace/secrets/webhook", headers=auth).json()["secret"]
    theirs = api.get("/v1/workspace", headers=other_auth).json()
    assert theirs["id"] == other.id and theirs["name"] == "Atelier"
    assert theirs["chat_webhook_url"] is None and theirs["has_webhook_secret"] is False
    api.post("/v1/workspace/secrets/webhook", headers=other_auth)
    box = secretbox.box(app.state.settings)
    with app.state.sessions() as s:
        mine = s.get(Workspace, workspace.id)
        assert mine is not None and mine.webhook_secret and mine.name == "Boutique 2"
        assert box.open(mine.webhook_secret) == secret
        them = s.get(Workspace, other.id)
        assert them is not None and them.webhook_secret
        assert box.open(them.webhook_secret) != secret
