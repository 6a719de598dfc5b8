"""Server-side request forgery through the chat webhook (both databases): a URL pointing
inside is refused when it is set (``PATCH /v1/workspace``) and again when posting, and
nothing a receiver answers beyond its status code is stored or logged."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from fluide.jobs.deliveries import deliver
from fluide.jobs.senders import default_senders
from fluide.services.workspaces import NewWorkspace
from fluide.settings import Settings, load_settings
from fluide.storage.db import write_session
from fluide.storage.models import Delivery, Workspace
from tests.channels.test_webhook_pinning import SECRET_BODY
from tests.channels.test_webhook_pinning import Receiver as AnsweringReceiver
from tests.service.conftest import SECRET
from tests.service.test_webhook_delivery import Receiver, api, chat_invitation, private_ok

__all__ = ["api", "private_ok"]  # fixtures

PUBLIC = "https://hooks.slack.com/services/T000/B000/XXXXXXXX"

REFUSED = [
    ("http://127.0.0.1:6379/", "scheme"),
    ("https://127.0.0.1:6379/", "loopback"),
    ("https://localhost/hook", "loopback"),
    ("https://localhost./hook", "loopback"),
    ("https://admin.localhost/hook", "loopback"),
    ("https://[::1]/hook", "loopback"),
    ("https://2130706433/hook", "loopback"),
    ("https://0x7f000001/hook", "loopback"),
    ("https://0177.0.0.1/hook", "loopback"),
    ("https://127.1/hook", "loopback"),
    ("https://0x7f.1/hook", "loopback"),
    ("https://[::ffff:127.0.0.1]/hook", "loopback"),
    ("https://[::ffff:7f00:1]/hook", "loopback"),
    ("https://10.0.0.5/hook", "private"),
    ("https://172.16.0.1/hook", "private"),
    ("https://192.168.1.10/hook", "private"),
    ("https://100.64.0.1/hook", "private"),
    ("https://[fd00::1]/hook", "private"),
    ("https://redis:6379/", "private"),
    ("https://169.254.169.254/latest/meta-data/", "metadata"),
    ("https://metadata.google.internal/computeMetadata/v1/", "metadata"),
    ("https://[fe80::1]/hook", "link_local"),
    ("https://0.0.0.0/hook", "special"),
    ("https://[::]/hook", "special"),
    ("https://224.0.0.1/hook", "special"),
]


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """No worker inside the app: each test runs the delivery itself."""
    return load_settings(
        database_url=database_url,
        secret_key=SECRET,
        data_dir=tmp_path,
        public_url="http://testserver",
        worker="external",
    )


def error_of(r: Any) -> dict[str, Any]:
    assert r.status_code == 422, r.text
    error: dict[str, Any] = r.json()["error"]
    assert error["code"] == "invalid" and error["details"][0]["field"] == "chat_webhook_url"
    return error


def store_url(app: FastAPI, ws_id: str, url: str) -> None:
    """Write the URL as an older version (or a direct database edit) would have: unchecked."""
    with write_session(app.state.sessions) as s:
        ws = s.get_one(Workspace, ws_id)
        ws.chat_webhook_url, ws.webhook_secret = url, "s3cret-" + "x" * 40


def delivery_of(app: FastAPI, invitation_id: str) -> Delivery:
    with app.state.sessions() as s:
        d = s.scalars(select(Delivery).where(Delivery.invitation_id == invitation_id)).one()
        s.expunge(d)
        return d


# --- when the URL is set ------------------------------------------------------------


@pytest.mark.parametrize(("url", "rule"), REFUSED)
def test_a_webhook_pointing_inside_is_refused_and_the_setting_kept(
    api: TestClient, auth: dict[str, str], url: str, rule: str
) -> None:
    assert api.patch("/v1/workspace", headers=auth, json={"chat_webhook_url": PUBLIC}).is_success
    before = api.get("/v1/workspace", headers=auth).json()
    error = error_of(api.patch("/v1/workspace", headers=auth, json={"chat_webhook_url": url}))
    assert error["details"][0]["rule"] == rule
    assert api.get("/v1/workspace", headers=auth).json() == before


@pytest.mark.parametrize(
    "url",
    [
        PUBLIC,
        "https://support.example.com:8443/fluide?x=1",
        "https://8.8.8.8/hook",
        "https://[2606:4700:4700::1111]/hook",
        "https://127.0.0.1.nip.io/hook",  # a name: judged after DNS, when posting
    ],
)
def test_a_public_webhook_is_accepted(api: TestClient, auth: dict[str, str], url: str) -> None:
    r = api.patch("/v1/workspace", headers=auth, json={"chat_webhook_url": url})
    assert r.status_code == 200 and r.json()["chat_webhook_url"] == url


def test_the_refusal_names_the_range_and_the_setting_in_french_and_english(
    api: TestClient, auth: dict[str, str]
) -> None:
    body = {"chat_webhook_url": "https://127.0.0.1:6379/"}
    fr = error_of(api.patch("/v1/workspace", headers=auth, json=body))["message"]
    en_headers = {**auth, "Accept-Language": "en"}
    en = error_of(api.patch("/v1/workspace", headers=en_headers, json=body))["message"]
    assert fr.startswith("L'URL du webhook désigne cette machine (boucle locale : 127.0.0.0/8")
    assert en.startswith("The webhook URL points to this machine (loopback: 127.0.0.0/8")
    assert "FLUIDE_WEBHOOK_ALLOW_PRIVATE=true" in fr and "FLUIDE_WEBHOOK_ALLOW_PRIVATE=true" in en


def test_allow_private_opens_internal_receivers_but_never_metadata(
    api: TestClient, auth: dict[str, str], private_ok: Settings
) -> None:
    for url in ("http://10.0.0.5:8080/hook", "https://redis.internal/x", "http://[::1]:9/h"):
        r = api.patch("/v1/workspace", headers=auth, json={"chat_webhook_url": url})
        assert r.status_code == 200, (url, r.text)
    for url, rule in [
        ("https://169.254.169.254/", "metadata"),
        ("https://metadata.google.internal/", "metadata"),
        ("https://169.254.1.1/", "link_local"),
        ("http://8.8.8.8/hook", "scheme"),  # clear text to the internet, still
    ]:
        error = error_of(api.patch("/v1/workspace", headers=auth, json={"chat_webhook_url": url}))
        assert error["details"][0]["rule"] == rule


def test_demo_mode_opens_this_machine_only(
    api: TestClient, auth: dict[str, str], app: FastAPI, settings: Settings
) -> None:
    app.state.settings = settings.model_copy(update={"demo": True})
    demo_inbox = {"chat_webhook_url": "http://127.0.0.1:8000/demo/webhook"}
    assert api.patch("/v1/workspace", headers=auth, json=demo_inbox).status_code == 200
    inside = {"chat_webhook_url": "https://10.0.0.5/hook"}
    error = error_of(api.patch("/v1/workspace", headers=auth, json=inside))
    assert error["details"][0]["rule"] == "private"
    assert api.get("/v1/workspace", headers=auth).json()["chat_webhook_url"].endswith("/webhook")


# --- when posting -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "spelling", ["127.0.0.1", "2130706433", "0x7f.1", "127.1", "localhost.", "[::ffff:7f00:1]"]
)
def test_a_stored_webhook_pointing_inside_is_refused_when_sending(
    api: TestClient,
    auth: dict[str, str],
    app: FastAPI,
    settings: Settings,
    workspace: NewWorkspace,
    spelling: str,
) -> None:
    with Receiver() as receiver:
        port = receiver.url.split(":")[2].split("/")[0]
        store_url(app, workspace.id, f"https://{spelling}:{port}/hook")
        invitation = chat_invitation(api, auth)
        d = delivery_of(app, invitation["id"])
        outcome = deliver(app.state.sessions, settings, d.id, default_senders())
        assert receiver.received.empty()
    stored = delivery_of(app, invitation["id"])
    assert outcome.status == stored.status == "failed"
    assert stored.last_error is not None
    assert stored.last_error.startswith("webhook URL refused, nothing sent: The webhook URL points")


def test_a_receivers_answer_is_never_stored_or_logged(
    api: TestClient,
    auth: dict[str, str],
    app: FastAPI,
    private_ok: Settings,
    workspace: NewWorkspace,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    with AnsweringReceiver(500, reason="Oops wJalrXUtnFEMI", body=SECRET_BODY) as receiver:
        store_url(app, workspace.id, f"http://127.0.0.1:{receiver.port}/hook/T0-SECRET-PATH")
        invitation = chat_invitation(api, auth)
        d = delivery_of(app, invitation["id"])
        outcome = deliver(app.state.sessions, private_ok, d.id, default_senders())
        receiver.one()
    stored = delivery_of(app, invitation["id"])
    assert outcome.status == stored.status == "retry"
    assert stored.last_error == "HTTP 500 Internal Server Error"
    # Nor the HTTP client's own lines: they hold the URL (Slack's has its token in the path)
    # and the receiver's reason phrase.
    for secret in ("wJalrXUtnFEMI", "Traceback", "aws_secret_access_key", "Oops", "SECRET-PATH"):
        assert secret not in caplog.text
