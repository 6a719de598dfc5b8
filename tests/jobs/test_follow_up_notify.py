"""Telling assignees about new follow-ups: a real SMTP server and a real webhook receiver on
127.0.0.1, retries bounded, nothing secret written anywhere (both databases).

Every wait on a server is bounded; every moment is explicit. A webhook receiver on
127.0.0.1 is reachable only with FLUIDE_WEBHOOK_ALLOW_PRIVATE (:func:`private_ok`).
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from email.message import EmailMessage

import pytest
from fastapi import FastAPI
from sqlalchemy import delete

from fluide.channels.webhook import verify
from fluide.domain.follow_ups import MAX_ATTEMPTS, NOTIFY_BACKOFF
from fluide.jobs.follow_ups import notify_pending
from fluide.jobs.runner import InlineWorker
from fluide.services import follow_ups as service
from fluide.services import workspace_settings
from fluide.services.workspaces import NewWorkspace
from fluide.settings import Settings
from fluide.storage.dashboard_models import FollowUp
from fluide.storage.db import write_session
from fluide.storage.models import Workspace
from tests.channels.test_webhook_pinning import SECRET_BODY
from tests.channels.test_webhook_pinning import Receiver as AnsweringReceiver
from tests.service.test_email_delivery import (
    LOGIN,
    Server,
    body,
    free_port,
    mail_settings,
    received,
    smtp,
    smtp_auth,
)
from tests.service.test_webhook_delivery import Receiver
from tests.services.test_follow_ups import T0, account, respond, sessions

__all__ = ["smtp", "smtp_auth"]  # fixtures
SCRIPT = '<script>alert("x")</script> Le code SMS\nn\'arrive jamais'


def state(app: FastAPI, ws: str) -> dict[str, object]:
    [fu] = service.list_follow_ups(sessions(app), ws, now=T0)
    return fu


def private_ok(settings: Settings) -> Settings:
    """``settings`` with FLUIDE_WEBHOOK_ALLOW_PRIVATE=true: receivers on 127.0.0.1 allowed."""
    return settings.model_copy(update={"webhook_allow_private": True})


def hook(app: FastAPI, ws: str, url: str) -> str:
    """Point the workspace's chat webhook at ``url`` (private allowed); its signing secret."""
    body = workspace_settings.WorkspacePatch(chat_webhook_url=url)
    settings = private_ok(app.state.settings)
    workspace_settings.update(sessions(app), settings, ws, body)
    return workspace_settings.rotate_secret(sessions(app), settings, ws, "webhook")["secret"]


def test_a_new_follow_up_is_emailed_once_to_its_assignee_in_their_language(
    app: FastAPI, settings: Settings, workspace: NewWorkspace, smtp: Server
) -> None:
    mail = mail_settings(settings, smtp.url())
    agent = account(app, workspace.id, agent_id="a-1", lang="en")
    respond(app, settings, workspace.id, 2, SCRIPT, agent="a-1", user="cust-42")
    assert notify_pending(sessions(app), mail, T0) == 1
    envelope = smtp.inbox.one()
    assert envelope.rcpt_tos == [agent.email]
    m: EmailMessage = received(envelope)
    fu = state(app, workspace.id)
    assert m["Subject"] == "Follow-up to do for cust-42 (payer)"
    assert m["Content-Language"] == "en"
    text, html = body(m, "plain"), body(m, "html")
    link = f"http://testserver/app/follow-ups#fu-{fu['id']}"
    assert link in text and f'href="{link}"' in html
    assert f"Hello {agent.name}," in text and "> n'arrive jamais" in text
    assert '<script>alert("x")</script>' in text  # plain text: the customer's words as written
    assert "<script>" not in html and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "Please get back to them before" in text and "effort index 83/100" in text
    assert (fu["notification"], fu["notify_error"]) == ("sent", None)
    # Once only: the next rounds find nothing to do.
    assert notify_pending(sessions(app), mail, T0 + timedelta(hours=1)) == 0
    assert len(smtp.inbox.envelopes) == 1


def test_a_french_assignee_reads_french(
    app: FastAPI, settings: Settings, workspace: NewWorkspace, smtp: Server
) -> None:
    account(app, workspace.id, agent_id="a-1", lang="fr")
    respond(app, settings, workspace.id, 1, "Trop d'étapes", agent="a-1", user="cust-7")
    assert notify_pending(sessions(app), mail_settings(settings, smtp.url()), T0) == 1
    m = received(smtp.inbox.one())
    assert m["Subject"] == "Rappel à faire pour cust-7 (payer)"
    assert "Merci de le recontacter avant le" in body(m, "plain")


def test_an_unreachable_server_is_retried_after_waits_then_given_up(
    app: FastAPI, settings: Settings, workspace: NewWorkspace, caplog: pytest.LogCaptureFixture
) -> None:
    password = "Sup3r-s3cret-pw"
    down = mail_settings(settings, f"smtp://ces:{password}@127.0.0.1:{free_port()}")
    account(app, workspace.id, agent_id="a-1")
    respond(app, settings, workspace.id, 2, "Bloqué", agent="a-1")
    factory = sessions(app)
    caplog.set_level(logging.DEBUG)
    moment = T0
    assert notify_pending(factory, down, moment) == 1
    fu = state(app, workspace.id)
    assert fu["notification"] == "retrying" and "cannot reach" in str(fu["notify_error"])
    assert notify_pending(factory, down, moment + timedelta(minutes=1)) == 0  # still waiting
    for wait in NOTIFY_BACKOFF:
        moment += wait
        assert notify_pending(factory, down, moment) == 1
    assert state(app, workspace.id)["notification"] == "failed"
    assert notify_pending(factory, down, moment + timedelta(days=3)) == 0
    with factory() as s:
        assert s.get_one(FollowUp, str(fu["id"])).notify_attempts == MAX_ATTEMPTS
    assert password not in caplog.text and password not in str(state(app, workspace.id))


def test_a_refused_recipient_stops_at_once_and_wrong_credentials_stay_secret(
    app: FastAPI,
    settings: Settings,
    workspace: NewWorkspace,
    smtp: Server,
    smtp_auth: Server,
    caplog: pytest.LogCaptureFixture,
) -> None:
    account(app, workspace.id, agent_id="a-1")
    respond(app, settings, workspace.id, 2, "Bloqué", agent="a-1")
    factory = sessions(app)
    caplog.set_level(logging.DEBUG)
    wrong = "N0t-the-Pa55word"
    assert (
        notify_pending(factory, mail_settings(settings, smtp_auth.url(f"{LOGIN}:{wrong}@")), T0)
        == 1
    )
    fu = state(app, workspace.id)
    assert fu["notification"] == "retrying" and "credentials" in str(fu["notify_error"])
    assert wrong not in caplog.text and wrong not in str(fu)
    smtp.inbox.rcpt_reply = "550 5.1.1 No such user"
    later = T0 + NOTIFY_BACKOFF[0]
    assert notify_pending(factory, mail_settings(settings, smtp.url()), later) == 1
    fu = state(app, workspace.id)
    assert fu["notification"] == "failed" and "550" in str(fu["notify_error"])
    assert (
        notify_pending(factory, mail_settings(settings, smtp.url()), later + timedelta(days=1)) == 0
    )


def test_without_an_assignee_the_chat_webhook_gets_one_signed_post(
    app: FastAPI, settings: Settings, workspace: NewWorkspace, smtp: Server
) -> None:
    respond(app, settings, workspace.id, 1, SCRIPT, user="cust-9")
    with Receiver() as receiver:
        secret = hook(app, workspace.id, receiver.url)
        mail = private_ok(mail_settings(settings, smtp.url()))
        assert notify_pending(sessions(app), mail, T0) == 1
        fu = state(app, workspace.id)
        got = receiver.request_with_key(f"follow-up-{fu['id']}")
    assert verify(
        secret,
        got.headers["x-fluide-timestamp"],
        got.headers["x-fluide-signature"],
        got.body,
    )
    payload = json.loads(got.body)
    assert payload["type"] == "follow_up.opened" and payload["follow_up_id"] == fu["id"]
    assert (payload["comment"], payload["customer"], payload["assignee"]) == (
        SCRIPT,
        "cust-9",
        None,
    )
    assert payload["url"] == f"http://testserver/app/follow-ups#fu-{fu['id']}"
    assert "<script>" not in payload["text"] and "&lt;script&gt;" in payload["text"]
    assert smtp.inbox.envelopes == []
    assert state(app, workspace.id)["notification"] == "sent"


def test_with_no_smtp_server_an_assignees_follow_up_goes_to_the_webhook(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    agent = account(app, workspace.id, agent_id="a-1")
    respond(app, settings, workspace.id, 2, "Bloqué", agent="a-1")
    assert settings.smtp_url is None
    with Receiver() as receiver:
        hook(app, workspace.id, receiver.url)
        assert notify_pending(sessions(app), private_ok(settings), T0) == 1
        got = receiver.request_with_key(f"follow-up-{state(app, workspace.id)['id']}")
    assert json.loads(got.body)["assignee"] == agent.name


def test_a_webhook_stored_pointing_inside_is_refused_when_notifying(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    respond(app, settings, workspace.id, 1, "Bloqué", user="cust-9")
    with Receiver() as receiver:
        port = receiver.url.split(":")[2].split("/")[0]
        with write_session(sessions(app)) as s:
            ws = s.get_one(Workspace, workspace.id)  # as a direct database edit would: unchecked
            ws.chat_webhook_url, ws.webhook_secret = f"https://2130706433:{port}/hook", "s" * 43
        assert notify_pending(sessions(app), settings, T0) == 1
        assert receiver.received.empty()
    fu = state(app, workspace.id)
    assert fu["notification"] == "failed"
    assert str(fu["notify_error"]).startswith(
        "webhook URL refused, nothing sent: The webhook URL points to this machine"
    )


def test_a_receivers_answer_is_not_kept_in_the_follow_up(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    respond(app, settings, workspace.id, 1, "Bloqué", user="cust-9")
    with AnsweringReceiver(503, reason="Oops wJalrXUtnFEMI", body=SECRET_BODY) as receiver:
        hook(app, workspace.id, f"http://127.0.0.1:{receiver.port}/hook")
        assert notify_pending(sessions(app), private_ok(settings), T0) == 1
        receiver.one()
    fu = state(app, workspace.id)
    assert (fu["notification"], fu["notify_error"]) == (
        "retrying",
        "HTTP 503 Service Unavailable",
    )


def test_with_nowhere_to_send_nothing_is_sent_until_someone_can_be_told(
    app: FastAPI, settings: Settings, workspace: NewWorkspace, smtp: Server
) -> None:
    factory = sessions(app)
    mail = mail_settings(settings, smtp.url())
    respond(app, settings, workspace.id, 2, "Bloqué")  # no agent, no webhook
    assert notify_pending(factory, mail, T0) == 0
    assert state(app, workspace.id)["notification"] == "pending"
    analyst = account(app, workspace.id, role="analyst")
    agent = account(app, workspace.id, agent_id="a-4")
    fu_id = str(state(app, workspace.id)["id"])
    service.update_follow_up(factory, workspace.id, fu_id, by=analyst, assignee_id=agent.account_id)
    assert notify_pending(factory, mail, T0 + timedelta(minutes=5)) == 1
    assert smtp.inbox.one().rcpt_tos == [agent.email]


def test_closed_and_backfilled_follow_ups_are_not_notified(
    app: FastAPI, settings: Settings, workspace: NewWorkspace, smtp: Server
) -> None:
    factory = sessions(app)
    account(app, workspace.id, agent_id="a-1")
    respond(app, settings, workspace.id, 2, "Réglé tout de suite", agent="a-1")
    fu_id = str(state(app, workspace.id)["id"])
    service.update_follow_up(
        factory, workspace.id, fu_id, by=None, status="closed", outcome="other"
    )
    respond(app, settings, workspace.id, 1, "Ancien", agent="a-1", at=T0 - timedelta(days=20))
    with write_session(factory) as s:
        s.execute(delete(FollowUp).where(FollowUp.id != fu_id))
    assert service.backfill(factory, workspace.id, now=T0) == 1
    assert notify_pending(factory, mail_settings(settings, smtp.url()), T0) == 0
    assert smtp.inbox.envelopes == []


def test_the_worker_loop_sends_follow_up_notifications(
    app: FastAPI, settings: Settings, workspace: NewWorkspace, smtp: Server
) -> None:
    agent = account(app, workspace.id, agent_id="a-1")
    respond(app, settings, workspace.id, 2, "Bloqué", agent="a-1")
    worker = InlineWorker(sessions(app), mail_settings(settings, smtp.url()), {})
    worker.run_once()
    assert smtp.inbox.one().rcpt_tos == [agent.email]
    assert state(app, workspace.id)["notification"] == "sent"
