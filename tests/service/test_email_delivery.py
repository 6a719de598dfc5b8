"""E-mail end to end: a real SMTP server on loopback, the score link, opt-out, templates.

The SMTP server is aiosmtpd running in this process on 127.0.0.1; every wait
on it is bounded.
"""

from __future__ import annotations

import email
import logging
import re
import socket
import threading
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from fluide.api.routes import email_templates, optout
from fluide.channels import DeliveryResult
from fluide.channels.compose import invitation_message, opt_out_token
from fluide.channels.email import compose_email, send_email
from fluide.services.email_templates import template_for
from fluide.services.workspaces import create_workspace
from fluide.settings import Settings, load_settings
from fluide.storage.models import EndUser
from tests.channels.test_email import message
from tests.service.conftest import event_body, touchpoint_body
from tests.service.test_survey import link_form

WAIT = 10  # seconds, at most, for anything the SMTP server does
LOGIN, PASSWORD = "ces@boutique.fr", "s3cret-Pa55:w/rd"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Inbox:
    """An aiosmtpd handler keeping what it accepts; it can refuse recipients or data."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []
        self.rcpt_reply: str | None = None
        self.data_reply: str | None = None
        self.arrived = threading.Event()

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.data_reply:
            return self.data_reply
        self.envelopes.append(envelope)
        self.arrived.set()
        return "250 Message accepted for delivery"

    def one(self) -> Envelope:
        assert self.arrived.wait(WAIT), "nothing arrived"
        assert len(self.envelopes) == 1
        return self.envelopes[0]


def authenticator(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == LOGIN.encode()
        and auth_data.password == PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)  # a refusal answers 535


class Server:
    def __init__(self, *, auth: bool = False) -> None:
        self.inbox = Inbox()
        self.port = free_port()
        extra: dict[str, Any] = (
            {"authenticator": authenticator, "auth_required": True, "auth_require_tls": False}
            if auth
            else {}
        )
        self.controller = Controller(
            self.inbox, hostname="127.0.0.1", port=self.port, ready_timeout=WAIT, **extra
        )

    def url(self, credentials: str = "") -> str:
        return f"smtp://{credentials}127.0.0.1:{self.port}"


@pytest.fixture
def smtp() -> Iterator[Server]:
    server = Server()
    server.controller.start()
    try:
        yield server
    finally:
        server.controller.stop()


@pytest.fixture
def smtp_auth() -> Iterator[Server]:
    server = Server(auth=True)
    server.controller.start()
    try:
        yield server
    finally:
        server.controller.stop()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """The app with the opt-out page and the templates API (once, even if app.py has them)."""
    paths = {getattr(r, "path", "") for r in app.routes}
    if "/o/{token}" not in paths:
        app.include_router(optout.router)
    if "/v1/email-templates" not in paths:
        app.include_router(email_templates.router)
    with TestClient(app) as c:
        yield c


def mail_settings(base: Settings, url: str) -> Settings:
    return base.model_copy(update={"smtp_url": SecretStr(url)})


def plain_settings(tmp_path: Path, url: str) -> Settings:
    """For SMTP-only tests: no database involved."""
    return load_settings(demo=True, data_dir=tmp_path, smtp_url=url)


def received(envelope: Envelope) -> EmailMessage:
    assert isinstance(envelope.content, bytes)
    m = email.message_from_bytes(envelope.content, policy=policy.default)
    assert isinstance(m, EmailMessage)
    return m


def body(m: EmailMessage, kind: str) -> str:
    part = m.get_body((kind,))
    assert part is not None
    content: str = part.get_content()
    return content.replace("\r\n", "\n")


def invite_by_email(
    client: TestClient, auth: dict[str, str], event_id: str = "evt-1", **user: object
) -> str:
    client.post("/v1/touchpoints", headers=auth, json=touchpoint_body(task="payer votre facture"))
    payload = event_body(event_id, channel="email")
    payload["user"].update(user)
    r = client.post("/v1/events", headers=auth, json=payload)
    assert r.json()["decision"] == "invited", r.json()
    return str(r.json()["invitation"]["id"])


def send_invitation(app: FastAPI, settings: Settings, invitation_id: str) -> Any:
    with app.state.sessions() as s:
        msg = invitation_message(s, settings, invitation_id)
        template = template_for(s, msg.workspace_id, msg.lang)
    composed = compose_email(msg, settings, template, idempotency_key=f"{invitation_id}:email")
    return send_email(settings, composed, timeout=WAIT)


def history(client: TestClient, auth: dict[str, str], user: str = "u-42") -> Any:
    return client.get(f"/v1/users/{user}/history", headers=auth).json()


# --- Sending ------------------------------------------------------------------------------


def test_an_invitation_goes_out_and_its_score_link_records_the_answer(
    client: TestClient, auth: dict[str, str], app: FastAPI, settings: Settings, smtp: Server
) -> None:
    inv = invite_by_email(client, auth)
    result = send_invitation(app, mail_settings(settings, smtp.url()), inv)
    assert result.status == "sent", result.detail
    assert result.provider_id == f"<{inv}-email@fluide>"

    envelope = smtp.inbox.one()
    assert envelope.mail_from == "ces@localhost" and envelope.rcpt_tos == ["u-42@example.com"]
    m = received(envelope)
    assert m["Subject"] == "Payer votre facture : était-ce facile ?"
    assert m["From"].addresses[0].display_name == "Boutique"
    assert m["Message-ID"] == result.provider_id and m["X-Fluide-Invitation"] == inv
    assert m["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert m["List-Unsubscribe"].startswith("<http://testserver/o/")
    text, html = body(m, "plain"), body(m, "html")
    assert "J'ai pu payer facilement" in text and "J&#39;ai pu payer facilement" in html
    links = re.findall(r"^(\d+)(?: \([^)]*\))? : (http://testserver/s/\S+)$", text, re.M)
    assert [int(p) for p, _ in links] == [1, 2, 3, 4, 5, 6, 7]
    for _, url in links:
        assert f'href="{url}"' in html

    six = dict(links)["6"].removeprefix("http://testserver")
    page = client.get(six)
    assert page.status_code == 200
    assert history(client, auth)["events"][0]["response"] is None  # opening records nothing
    # The page's script (or its one button) posts the chosen point: a person's click records it.
    r = client.post(six.split("?")[0], data=link_form(page.text))
    assert r.status_code == 200 and "Merci" in r.text
    answered = history(client, auth)["events"][0]
    assert answered["invitation"]["id"] == inv and answered["response"]["score"] == 6


@pytest.mark.parametrize(
    ("where", "reply", "status"),
    [
        ("rcpt", "550 5.1.1 no such user", "failed"),
        ("rcpt", "451 4.3.0 try later", "retry"),
        ("data", "554 5.6.0 message refused", "failed"),
        ("data", "452 4.3.1 mailbox full", "retry"),
    ],
)
def test_smtp_refusals_are_failed_when_permanent_and_retried_when_temporary(
    tmp_path: Path, smtp: Server, where: str, reply: str, status: str
) -> None:
    if where == "rcpt":
        smtp.inbox.rcpt_reply = reply
    else:
        smtp.inbox.data_reply = reply
    settings = plain_settings(tmp_path, smtp.url())
    result = send_email(settings, compose_email(message(), settings, idempotency_key="k"))
    assert result.status == status
    assert reply.split(" ", 1)[0] in result.detail and reply.rsplit(" ", 1)[-1] in result.detail
    assert result.provider_id == "<k@fluide>" and smtp.inbox.envelopes == []


def test_a_server_that_is_down_means_retry(tmp_path: Path) -> None:
    settings = plain_settings(tmp_path, f"smtp://127.0.0.1:{free_port()}")
    result = send_email(
        settings, compose_email(message(), settings, idempotency_key="k"), timeout=5
    )
    assert result.status == "retry" and "cannot reach 127.0.0.1" in result.detail


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_smtp_auth_works_and_the_password_is_never_shown(
    tmp_path: Path, smtp_auth: Server, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    quoted = "ces%40boutique.fr:s3cret-Pa55%3Aw%2Frd@"
    results: list[DeliveryResult] = []
    wrong, accented = quoted.replace("s3cret", "wrong"), quoted.replace("s3cret", "s%C3%A9cret")
    for credentials in ("", quoted, wrong, accented):
        settings = plain_settings(tmp_path, smtp_auth.url(credentials))
        m = compose_email(message(), settings, idempotency_key=f"k{len(results)}")
        results.append(send_email(settings, m, timeout=WAIT))
    anonymous, good, bad, not_ascii = results
    assert anonymous.status == "failed" and "530" in anonymous.detail  # authentication required
    assert good.status == "sent", good.detail
    assert bad.status == "retry" and "credentials" in bad.detail and "535" in bad.detail
    assert not_ascii.status == "failed" and "ASCII" in not_ascii.detail
    assert len(smtp_auth.inbox.envelopes) == 1
    shown = [r.detail for r in results] + [r.getMessage() for r in caplog.records]
    for secret in (PASSWORD, "s3cret-Pa55", "s3cret-Pa55%3Aw%2Frd", "wrong-Pa55", "sécret"):
        assert all(secret not in text for text in shown), secret


# --- Opt-out ------------------------------------------------------------------------------


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "no CSRF field on the page"
    return found.group(1)


def opt_out_path(app: FastAPI, settings: Settings, user: str = "u-42") -> str:
    with app.state.sessions() as s:
        row = s.query(EndUser).filter_by(external_id=user).one()
        return f"/o/{opt_out_token(settings, row.workspace_id, row.id)}"


def test_opt_out_page_asks_then_stops_every_future_question(
    client: TestClient, auth: dict[str, str], app: FastAPI, settings: Settings
) -> None:
    invite_by_email(client, auth)
    path = opt_out_path(app, settings)
    r = client.get(path)
    assert r.status_code == 200 and '<html lang="fr">' in r.text
    assert "Ne plus recevoir de questions de Boutique ?" in r.text
    assert r.headers["content-security-policy"].startswith("default-src 'none'")
    assert r.headers["referrer-policy"] == "no-referrer"
    assert history(client, auth)["user"]["opted_out"] is False  # opening the link changes nothing

    refused = client.post(path, data={"csrf": "forged"})
    assert refused.status_code == 403 and history(client, auth)["user"]["opted_out"] is False

    done = client.post(path, data={"csrf": csrf_of(r.text)})
    assert done.status_code == 200 and "Vous ne recevrez plus ces questions" in done.text
    assert history(client, auth)["user"]["opted_out"] is True
    with app.state.sessions() as s:
        first = s.query(EndUser).filter_by(external_id="u-42").one().opted_out_at
    again = client.post(path, data={"csrf": csrf_of(r.text)})
    assert again.status_code == 200
    with app.state.sessions() as s:
        assert s.query(EndUser).filter_by(external_id="u-42").one().opted_out_at == first
    assert "Vous ne recevrez plus" in client.get(path).text

    later = client.post("/v1/events", headers=auth, json=event_body("evt-2", channel="email"))
    assert later.json()["decision"] == "opted_out" and later.json()["invitation"] is None


def test_one_click_unsubscribe_from_the_mail_client_needs_no_form(
    client: TestClient, auth: dict[str, str], app: FastAPI, settings: Settings, smtp: Server
) -> None:
    """RFC 8058: the client POSTs ``List-Unsubscribe=One-Click`` to the header's URL."""
    inv = invite_by_email(client, auth, locale="en")
    assert send_invitation(app, mail_settings(settings, smtp.url()), inv).status == "sent"
    header = received(smtp.inbox.one())["List-Unsubscribe"]
    path = header.strip("<>").removeprefix("http://testserver")
    boundary = "fluide-boundary"
    multipart = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\n'
        f"One-Click\r\n--{boundary}--\r\n"
    )
    r = client.post(
        path,
        content=multipart,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert r.status_code == 200 and "You will no longer receive these questions" in r.text
    assert history(client, auth)["user"]["opted_out"] is True
    urlencoded = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert urlencoded.status_code == 200


def test_opt_out_links_that_are_altered_or_name_nobody_are_404(
    client: TestClient, auth: dict[str, str], app: FastAPI, settings: Settings
) -> None:
    invite_by_email(client, auth)
    path = opt_out_path(app, settings)
    tampered = path[:-1] + ("A" if path[-1] != "A" else "B")
    nobody = f"/o/{opt_out_token(settings, 'ws_0', 'usr_0')}"
    for target in (tampered, nobody, "/o/garbage", "/o/%C3%A9t%C3%A9.%C3%A9"):
        for r in (client.get(target), client.post(target, data={"List-Unsubscribe": "One-Click"})):
            assert r.status_code == 404
            assert "Ce lien de désinscription n&#39;est pas valide" in r.text
            assert "This opt-out link is not valid" in r.text
    assert history(client, auth)["user"]["opted_out"] is False


# --- Workspace templates ------------------------------------------------------------------


def test_templates_default_then_the_workspace_wording_then_back(
    client: TestClient, auth: dict[str, str], app: FastAPI, settings: Settings, smtp: Server
) -> None:
    listed = client.get("/v1/email-templates", headers=auth).json()["templates"]
    assert [(t["lang"], t["default"]) for t in listed] == [("fr", True), ("en", True)]
    assert listed[0]["subject"] == "{task} : était-ce facile ?"
    assert listed[0]["signature"] == "L'équipe Boutique" and listed[1]["subject"].endswith("easy?")

    wording = {
        "subject": "Votre avis sur « {task} »",
        "intro": "Bonjour !\n\nVous venez de {task}.",
        "signature": "Léa",
    }
    r = client.put("/v1/email-templates/fr", headers=auth, json=wording)
    assert r.status_code == 200 and r.json()["default"] is False
    listed = client.get("/v1/email-templates", headers=auth).json()["templates"]
    assert listed[0]["subject"] == wording["subject"] and listed[1]["default"] is True

    inv = invite_by_email(client, auth)
    assert send_invitation(app, mail_settings(settings, smtp.url()), inv).status == "sent"
    m = received(smtp.inbox.one())
    assert m["Subject"] == "Votre avis sur « payer votre facture »"
    assert body(m, "plain").startswith("Bonjour !\n\nVous venez de payer votre facture.")

    r = client.delete("/v1/email-templates/fr", headers=auth)
    assert r.status_code == 200 and r.json()["default"] is True
    assert client.delete("/v1/email-templates/fr", headers=auth).status_code == 200
    assert client.get("/v1/email-templates", headers=auth).json()["templates"][0]["default"]


@pytest.mark.parametrize(
    ("subject", "fragment"),
    [
        ("{tache} : était-ce facile ?", "{task}"),
        ("Payer {task} }", "{task}"),
        ("Ligne 1\nLigne 2", "une seule ligne"),
        ("   ", "vide"),
    ],
)
def test_a_subject_with_other_placeholders_or_lines_is_refused_clearly(
    client: TestClient, auth: dict[str, str], subject: str, fragment: str
) -> None:
    r = client.put(
        "/v1/email-templates/fr",
        headers=auth,
        json={"subject": subject, "intro": "", "signature": ""},
    )
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "invalid_template" and fragment in error["message"]
    assert error["details"] == {"field": "subject"}
    english = client.put(
        "/v1/email-templates/fr",
        headers={**auth, "Accept-Language": "en"},
        json={"subject": subject, "intro": "", "signature": ""},
    )
    assert english.json()["error"]["message"].startswith("The subject")


def test_template_limits_languages_and_keys(client: TestClient, auth: dict[str, str]) -> None:
    ok = {"subject": "{task}", "intro": "", "signature": ""}
    too_long = client.put("/v1/email-templates/fr", headers=auth, json={**ok, "subject": "x" * 201})
    assert too_long.status_code == 422 and too_long.json()["error"]["code"] == "invalid"
    long_intro = client.put(
        "/v1/email-templates/fr", headers=auth, json={**ok, "intro": "x" * 2001}
    )
    assert long_intro.status_code == 422
    braces = client.put("/v1/email-templates/en", headers=auth, json={**ok, "intro": "{name}"})
    assert braces.status_code == 422 and braces.json()["error"]["details"] == {"field": "intro"}
    nul = client.put("/v1/email-templates/en", headers=auth, json={**ok, "signature": "a\x00b"})
    assert nul.status_code == 422
    assert client.put("/v1/email-templates/de", headers=auth, json=ok).status_code == 422
    assert client.get("/v1/email-templates").status_code == 401
    assert client.put("/v1/email-templates/fr", json=ok).status_code == 401


def test_templates_belong_to_their_workspace(
    client: TestClient, auth: dict[str, str], app: FastAPI
) -> None:
    other = create_workspace(app.state.sessions, "Autre boutique")
    other_auth = {"Authorization": f"Bearer {other.api_key}"}
    mine = {"subject": "Boutique : {task}", "intro": "", "signature": ""}
    assert client.put("/v1/email-templates/fr", headers=auth, json=mine).status_code == 200
    theirs = client.get("/v1/email-templates", headers=other_auth).json()["templates"]
    assert theirs[0]["default"] is True and theirs[0]["signature"] == "L'équipe Autre boutique"
    assert client.delete("/v1/email-templates/fr", headers=other_auth).status_code == 200
    kept = client.get("/v1/email-templates", headers=auth).json()["templates"][0]
    assert kept["default"] is False and kept["subject"] == "Boutique : {task}"
