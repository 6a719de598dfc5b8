"""The demo mailbox in Chromium: the HTML e-mail as the customer sees it, in a sandboxed
frame where no script runs, whose score link answers in the whole tab."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import select

from fluide.api.routes import demo_inbox
from fluide.demo.inbox import DemoInbox
from fluide.jobs.deliveries import deliver
from fluide.jobs.senders import default_senders
from fluide.services.workspaces import create_workspace
from fluide.settings import Settings, load_settings
from fluide.storage.models import Delivery, Response
from tests.browser.conftest import NO_BROWSER, SKIP_REASON, screenshot
from tests.service.conftest import SECRET, LiveServer, event_body, touchpoint_body

pytestmark = pytest.mark.skipif(NO_BROWSER, reason=SKIP_REASON)

SCRIPTED = (
    b"From: x@example.com\r\nTo: u-9@example.com\r\nSubject: Piege\r\nMIME-Version: 1.0\r\n"
    b"Content-Type: text/html; charset=utf-8\r\n\r\n"
    b"<html><head></head><body><p id='p'>Avant</p>"
    b"<script>document.getElementById('p').textContent='PWNED';"
    b"try{parent.document.title='PWNED'}catch(e){}</script></body></html>\r\n"
)


@pytest.fixture
def port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def settings(tmp_path: Path, port: int) -> Settings:
    """The survey links of e-mails point at the live server."""
    return load_settings(
        database_url=f"sqlite:///{tmp_path / 'fluide.db'}",
        secret_key=SECRET,
        data_dir=tmp_path,
        public_url=f"http://127.0.0.1:{port}",
        worker="external",
    )


@pytest.fixture
def inbox(app: FastAPI) -> Iterator[DemoInbox]:
    app.include_router(demo_inbox.router)
    box = DemoInbox()
    app.state.demo_inbox = box
    yield box
    box.stop()


@pytest.fixture
def live_url(app: FastAPI, inbox: DemoInbox, port: int) -> Iterator[str]:
    server = LiveServer(app)
    server.config.port = port
    with server as url:
        yield url


def an_email(app: FastAPI, settings: Settings, inbox: DemoInbox, live_url: str) -> None:
    ws = create_workspace(app.state.sessions, "Boutique")
    auth = {"Authorization": f"Bearer {ws.api_key}"}
    with httpx.Client(base_url=live_url, headers=auth, timeout=30) as http:
        assert http.post("/v1/touchpoints", json=touchpoint_body()).status_code == 201
        body = event_body("evt-1", "u-42", "payment_succeeded", channel="email")
        decision = http.post("/v1/events", json=body).json()
    assert decision["decision"] == "invited", decision
    with app.state.sessions() as s:
        delivery = s.scalar(
            select(Delivery.id).where(Delivery.invitation_id == decision["invitation"]["id"])
        )
    smtp = settings.model_copy(update={"smtp_url": SecretStr(inbox.start_smtp())})
    assert deliver(app.state.sessions, smtp, str(delivery), default_senders()).status == "sent"
    deadline = time.monotonic() + 10
    while not inbox.emails() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert inbox.emails() and inbox.emails()[0].html


def test_the_mailbox_shows_the_html_email_and_its_score_link_answers(
    page: Any, app: FastAPI, settings: Settings, inbox: DemoInbox, live_url: str
) -> None:
    an_email(app, settings, inbox, live_url)
    page.goto(f"{live_url}/demo/mailbox")
    frame = page.frame_locator("iframe.mail-html")
    link = frame.locator("a[href*='score=2']").first
    link.wait_for()
    screenshot(page, "demo-mailbox-html")
    # As in a webmail, the e-mail's links open a new tab (outside the sandbox).
    with page.context.expect_page() as opened:
        link.click()
    survey = opened.value
    survey.wait_for_url("**?thanks=score")
    survey.get_by_role("button", name="Ajouter un commentaire").wait_for()
    with app.state.sessions() as s:
        assert [r.score for r in s.scalars(select(Response))] == [2]
    assert page.messages == []


def test_a_script_in_an_email_does_not_run(page: Any, inbox: DemoInbox, live_url: str) -> None:
    inbox.add_email(SCRIPTED)
    page.goto(f"{live_url}/demo/mailbox")
    frame = page.frame_locator("iframe.mail-html")
    frame.locator("#p").wait_for()
    time.sleep(0.3)
    assert frame.locator("#p").inner_text() == "Avant"
    assert "PWNED" not in page.title()
