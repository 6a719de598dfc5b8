"""The demo's mailbox and chat inbox: e-mail to a local SMTP server, a signed chat post."""

from __future__ import annotations

import html
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from fluide import secretbox
from fluide.api.routes import demo_inbox, demo_shop
from fluide.channels.outbound import Policy
from fluide.channels.webhook import (
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    encode_body,
    post_webhook,
    sign,
)
from fluide.demo import DEMO_NAME
from fluide.demo.inbox import DemoInbox
from fluide.jobs.deliveries import deliver
from fluide.jobs.senders import default_senders
from fluide.services import workspace_settings
from fluide.services.workspaces import NewWorkspace, create_workspace
from fluide.settings import Settings, load_settings
from fluide.storage.models import Delivery, Workspace
from tests.demo_database import demo_database
from tests.service.conftest import SECRET, event_body, touchpoint_body
from tests.service.test_survey import link_form


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return demo_database(f"sqlite:///{tmp_path / 'fluide.db'}")  # demo mode runs on it


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return load_settings(
        database_url=database_url,
        secret_key=SECRET,
        data_dir=tmp_path,
        public_url="http://testserver",
        demo=True,
        worker="external",
    )


@pytest.fixture
def inbox(app: FastAPI) -> Iterator[DemoInbox]:
    paths = {getattr(r, "path", "") for r in app.routes}
    if "/demo/mailbox" not in paths:
        app.include_router(demo_inbox.router)
    if "/demo/shop" not in paths:
        app.include_router(demo_shop.router)
    box = DemoInbox()
    app.state.demo_inbox = box
    yield box
    box.stop()


@pytest.fixture
def workspace(app: FastAPI) -> NewWorkspace:
    return create_workspace(app.state.sessions, DEMO_NAME)


def secret_of(app: FastAPI, ws_id: str) -> str:
    with app.state.sessions() as s:
        ws = s.get(Workspace, ws_id)
        assert ws is not None and ws.webhook_secret
        return secretbox.box(app.state.settings).open(ws.webhook_secret)


def invite(client: TestClient, auth: dict[str, str], user: str, type_: str, **extra: Any) -> str:
    """The delivery id of a new invitation for ``user``."""
    event = event_body(f"evt-{user}", user, type_, **extra)
    decision = client.post("/v1/events", headers=auth, json=event).json()
    assert decision["decision"] == "invited", decision
    app: FastAPI = client.app  # type: ignore[assignment]
    with app.state.sessions() as s:
        found = s.scalar(
            select(Delivery.id).where(Delivery.invitation_id == decision["invitation"]["id"])
        )
    assert found is not None
    return str(found)


def test_an_email_reaches_the_mailbox_and_a_click_records_the_score(
    client: TestClient,
    auth: dict[str, str],
    app: FastAPI,
    settings: Settings,
    inbox: DemoInbox,
) -> None:
    assert client.post("/v1/touchpoints", headers=auth, json=touchpoint_body()).status_code == 201
    delivery_id = invite(client, auth, "u-42", "payment_succeeded", channel="email")
    smtp_url = inbox.start_smtp()
    assert re.fullmatch(r"smtp://127\.0\.0\.1:\d+", smtp_url)
    with_smtp = settings.model_copy(update={"smtp_url": SecretStr(smtp_url)})

    outcome = deliver(app.state.sessions, with_smtp, delivery_id, default_senders())
    assert outcome.status == "sent", outcome
    deadline = time.monotonic() + 10
    while not inbox.emails() and time.monotonic() < deadline:
        time.sleep(0.05)
    (mail,) = inbox.emails()
    assert mail.to.endswith("u-42@example.com")

    r = client.get("/demo/mailbox")
    assert r.status_code == 200
    assert r.headers["content-security-policy"].startswith("default-src 'none'")
    assert mail.subject and mail.subject in html.unescape(r.text)
    assert "Boîte de réception de la démo" in r.text
    links = re.findall(r'href="(http://testserver/s/[^"]+\?score=7)"', r.text)
    assert links, r.text
    assert "Demo mailbox" in client.get("/demo/mailbox?lang=en").text

    path = html.unescape(links[0]).removeprefix("http://testserver")
    page = client.get(path)
    assert page.status_code == 200
    hist = client.get("/v1/users/u-42/history", headers=auth).json()
    assert next(e["response"] for e in hist["events"] if e["invitation"]) is None
    # The page's script (or its one button) posts the score: a person's click records it.
    fields = link_form(page.text)
    assert fields["score"] == "7"
    assert client.post(path.split("?")[0], data=fields).status_code == 200
    hist = client.get("/v1/users/u-42/history", headers=auth).json()
    answer = next(e["response"] for e in hist["events"] if e["invitation"])
    assert answer["score"] == 7


def test_an_empty_mailbox_says_how_to_get_an_email(client: TestClient, inbox: DemoInbox) -> None:
    r = client.get("/demo/mailbox?lang=en")
    assert r.status_code == 200 and '"channel": "email"' in html.unescape(r.text)
    assert "No chat post yet" in client.get("/demo/inbox?lang=en").text


def test_a_chat_post_is_signed_verified_and_shown_once(
    client: TestClient,
    auth: dict[str, str],
    app: FastAPI,
    settings: Settings,
    inbox: DemoInbox,
    workspace: NewWorkspace,
    live_url: str,
) -> None:
    workspace_settings.update(
        app.state.sessions,
        settings,
        workspace.id,
        # demo mode (in settings): its own inbox on 127.0.0.1 is allowed
        workspace_settings.WorkspacePatch(chat_webhook_url=live_url + "/demo/webhook"),
    )
    tp = touchpoint_body(key="support", triggers=[{"event": "ticket_resolved"}], channels=["chat"])
    assert client.post("/v1/touchpoints", headers=auth, json=tp).status_code == 201
    delivery_id = invite(
        client, auth, "u-7", "ticket_resolved", properties={"ticket_id": "T-1", "agent_id": "a-7"}
    )

    outcome = deliver(app.state.sessions, settings, delivery_id, default_senders())
    assert outcome.status == "sent", outcome
    (post,) = inbox.chats()
    assert post.verified and post.idempotency_key and post.payload["ticket_id"] == "T-1"

    # A retry of the same delivery (same Idempotency-Key) is acknowledged, not stored twice.
    again = post_webhook(
        live_url + "/demo/webhook",
        secret_of(app, workspace.id),
        post.payload,
        idempotency_key=post.idempotency_key,
        policy=Policy.of(settings),
    )
    assert again.status == "sent"
    assert len(inbox.chats()) == 1

    r = client.get("/demo/inbox")
    assert r.status_code == 200 and "✓" in r.text and post.idempotency_key in r.text
    assert re.search(r'href="http://testserver/s/[^"]+\?score=7">7</a>', r.text), r.text
    assert "J&#39;ai pu payer facilement" in r.text


def signed_headers(secret: str, body: bytes, key: str) -> dict[str, str]:
    stamp = int(time.time())
    return {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: str(stamp),
        SIGNATURE_HEADER: sign(secret, stamp, body),
        IDEMPOTENCY_HEADER: key,
    }


def test_a_wrong_signature_is_refused_and_shown_as_such(
    client: TestClient, app: FastAPI, inbox: DemoInbox, workspace: NewWorkspace
) -> None:
    workspace_settings.rotate_secret(
        app.state.sessions, app.state.settings, workspace.id, "webhook"
    )
    body = encode_body({"text": "faux message"})
    headers = signed_headers("not-the-secret", body, "k-forged")
    r = client.post("/demo/webhook", content=body, headers=headers)
    assert r.status_code == 401
    (post,) = inbox.chats()
    assert not post.verified
    page = client.get("/demo/inbox").text
    assert "✗" in page and "faux message" in page and "✓" not in page


def test_markup_in_emails_and_chat_posts_stays_text(
    client: TestClient, app: FastAPI, inbox: DemoInbox, workspace: NewWorkspace
) -> None:
    raw = (
        b"From: x@example.com\r\nTo: <script>alert(1)</script>@example.com\r\n"
        b"Subject: <script>alert('s')</script>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        b"<script>alert('b')</script> http://evil.example/x http://testserver/s/abc?score=2\r\n"
    )
    inbox.add_email(raw)
    page = client.get("/demo/mailbox").text
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert 'href="http://evil.example' not in page
    assert 'href="http://testserver/s/abc?score=2"' in page

    secret = workspace_settings.rotate_secret(
        app.state.sessions, app.state.settings, workspace.id, "webhook"
    )
    text = "&lt;script&gt;alert(1)&lt;/script&gt; <http://evil.example/|clic> <javascript:x|y>"
    body = encode_body({"text": text})
    r = client.post(
        "/demo/webhook", content=body, headers=signed_headers(secret["secret"], body, "k")
    )
    assert r.status_code == 200
    page = client.get("/demo/inbox").text
    assert "<script>" not in page and "&lt;script&gt;alert(1)" in page
    assert 'href="http://evil.example' not in page and 'href="javascript' not in page
    assert "✓" in page


def test_the_demo_points_its_webhook_at_its_own_inbox_on_this_machine_only(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    from fluide.cli.service import _demo_chat_webhook

    factory = app.state.sessions
    _demo_chat_webhook(factory, settings, workspace.id, "192.168.1.5", 8000)
    with factory() as s:
        assert s.get_one(Workspace, workspace.id).chat_webhook_url is None  # a LAN address
    _demo_chat_webhook(factory, settings, workspace.id, "0.0.0.0", 8000)
    with factory() as s:
        ws = s.get_one(Workspace, workspace.id)
        assert ws.chat_webhook_url == "http://127.0.0.1:8000/demo/webhook" and ws.webhook_secret


HTML_MAIL = (
    b"From: x@example.com\r\nTo: u-1@example.com\r\nSubject: Une question\r\n"
    b"MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=B\r\n\r\n"
    b"--B\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nNotez : http://testserver/s/t?score=3\r\n"
    b"--B\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
    b'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body><p>Notez</p>'
    b'<a href="http://testserver/s/t?score=3">3</a><script>alert("x")</script></body></html>\r\n'
    b"--B--\r\n"
)


def test_the_html_email_is_shown_as_sent_in_a_sandboxed_frame_without_scripts(
    client: TestClient, inbox: DemoInbox
) -> None:
    inbox.add_email(HTML_MAIL)
    page = client.get("/demo/mailbox").text
    frame = re.search(r"<iframe [^>]*>", page)
    assert frame is not None, page
    tag = frame.group(0)
    sandbox = re.search(r'sandbox="([^"]*)"', tag)
    assert sandbox is not None and "allow-scripts" not in sandbox.group(1)
    assert "allow-same-origin" not in sandbox.group(1)
    srcdoc = re.search(r'srcdoc="([^"]*)"', tag)
    assert srcdoc is not None
    # The e-mail's markup is an attribute value (escaped), never markup of this page.
    assert "<script>" not in page and "&lt;script&gt;" in srcdoc.group(1)
    document = html.unescape(srcdoc.group(1))
    assert document.startswith('<!DOCTYPE html><html><head><base target="_top"><meta')
    assert '<a href="http://testserver/s/t?score=3">3</a>' in document
    # The text part stays, its own links clickable, under the frame.
    assert "<details><summary>Version texte</summary>" in page
    assert 'href="http://testserver/s/t?score=3"' in page


def test_mailbox_times_are_in_the_demo_workspaces_zone_and_say_which(
    client: TestClient, app: FastAPI, inbox: DemoInbox, workspace: NewWorkspace
) -> None:
    from datetime import UTC, datetime

    from fluide.demo.inbox import ReceivedEmail

    inbox.add_email(HTML_MAIL)
    sent = inbox.emails()[0]
    at = datetime(2026, 7, 1, 10, 5, tzinfo=UTC)
    inbox._emails[0] = ReceivedEmail(
        at, sent.mail_from, sent.to, sent.subject, sent.text, sent.message, sent.html
    )
    client.patch(
        "/v1/workspace",
        headers={"Authorization": f"Bearer {workspace.api_key}"},
        json={"timezone": "America/New_York"},
    )
    page = client.get("/demo/mailbox?lang=en").text
    assert "6:05\u202fAM (America/New_York)" in page or "6:05 AM (America/New_York)" in page
    client.patch(
        "/v1/workspace",
        headers={"Authorization": f"Bearer {workspace.api_key}"},
        json={"timezone": "Europe/Paris"},
    )
    assert "12:05 (Europe/Paris)" in client.get("/demo/mailbox").text
