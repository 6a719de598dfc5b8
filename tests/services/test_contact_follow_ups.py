"""Proactive follow-ups opened by contacts, before any survey: ``recontact`` when a
customer's second contact comes within W days, ``delay`` when an open ticket's promise
is about to be missed (both databases; every moment explicit)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI

from fluide.api.schemas import EventIn
from fluide.jobs.follow_ups import chat_text, notice_of, notify_pending
from fluide.services import follow_ups as service
from fluide.services.contact_follow_ups import open_missed_promises
from fluide.services.erasure import erase_user
from fluide.services.events import record_events
from fluide.services.workspaces import NewWorkspace
from fluide.settings import Settings
from fluide.storage.follow_ups import destination
from tests.service.test_email_delivery import Server, body, mail_settings, received, smtp
from tests.services.test_follow_ups import account, sessions
from tests.verbatims import workspace_row

__all__ = ["smtp"]  # fixture
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
_n = itertools.count()


def contact(
    app: FastAPI,
    settings: Settings,
    ws: str,
    customer: str,
    at: datetime,
    type_: str = "ticket_opened",
    **properties: Any,
) -> None:
    event = EventIn(
        id=f"evt-{next(_n)}",
        type=type_,
        occurred_at=at,
        user={"id": customer},  # type: ignore[arg-type]
        properties={"channel": "phone", "reason": "billing", **properties},
    )
    factory = sessions(app)
    record_events(factory, workspace_row(factory, ws), [event], settings, now=at)


def opened(app: FastAPI, ws: str, now: datetime = T0) -> list[dict[str, Any]]:
    return service.list_follow_ups(sessions(app), ws, now=now)


def test_a_second_contact_within_the_window_opens_one_recontact_follow_up(
    app: FastAPI, settings: Settings, workspace: NewWorkspace, smtp: Server
) -> None:
    ws = workspace.id
    agent = account(app, ws, agent_id="a-1", lang="en")
    contact(app, settings, ws, "c-1", T0)
    assert opened(app, ws) == []  # a first contact is not a recontact
    contact(
        app, settings, ws, "c-1", T0 + timedelta(days=7), "call", channel="mail", agent_id="a-1"
    )
    [fu] = opened(app, ws, T0 + timedelta(days=7))
    assert (fu["reason"], fu["customer"], fu["score"], fu["touchpoint"]) == (
        "recontact",
        "c-1",
        None,
        None,
    )
    assert fu["assignee_id"] == agent.account_id
    assert fu["subject"]["contacts"] == 2 and fu["subject"]["channel"] == "mail"
    # A third contact while it is open adds nothing.
    contact(app, settings, ws, "c-1", T0 + timedelta(days=8))
    assert len(opened(app, ws, T0 + timedelta(days=8))) == 1
    # A contact more than W days after the previous one is a new problem, not a recontact.
    contact(app, settings, ws, "c-2", T0)
    contact(app, settings, ws, "c-2", T0 + timedelta(days=7, seconds=1))
    assert [f["customer"] for f in opened(app, ws, T0 + timedelta(days=8))] == ["c-1"]
    # Other events are no contacts.
    contact(app, settings, ws, "c-3", T0, "payment_failed")
    contact(app, settings, ws, "c-3", T0 + timedelta(hours=1), "payment_failed")
    assert len(opened(app, ws, T0 + timedelta(days=8))) == 1

    # Notified like the others, in the assignee's language.
    mail = mail_settings(settings, smtp.url())
    assert notify_pending(sessions(app), mail, T0 + timedelta(days=8)) == 1
    m = received(smtp.inbox.one())
    assert (
        m["Subject"]
        == "Follow-up to do for c-1 (Recontact: the customer came back within the window)"
    )
    text = body(m, "plain")
    assert "2 contacts within 7 days (latest by mail, reason: billing)." in text
    assert "Score" not in text
    with sessions(app)() as s:
        dest = destination(s, fu["id"], T0 + timedelta(days=8))
    assert dest is not None
    chat = chat_text(notice_of(dest, settings))
    assert chat.startswith("*Follow-up to do: c-1 (2 contacts within 7 days (latest by mail")

    # Erasing the customer erases it.
    erase_user(sessions(app), ws, "c-1", erased_by="test", now=T0 + timedelta(days=9))
    assert opened(app, ws, T0 + timedelta(days=9)) == []


def test_a_promise_about_to_be_missed_opens_one_delay_follow_up(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    ws = workspace.id
    factory = sessions(app)
    contact(
        app,
        settings,
        ws,
        "late",
        T0,
        ticket_id="T-1",
        promised_at=(T0 + timedelta(hours=5)).isoformat(),
    )
    contact(
        app,
        settings,
        ws,
        "done",
        T0,
        ticket_id="T-2",
        promised_at=(T0 + timedelta(hours=3)).isoformat(),
    )
    contact(app, settings, ws, "done", T0 + timedelta(hours=1), "ticket_resolved", ticket_id="T-2")
    contact(
        app,
        settings,
        ws,
        "far",
        T0,
        ticket_id="T-3",
        promised_at=(T0 + timedelta(days=3)).isoformat(),
    )
    # 5 hours ahead: beyond the default 4-hour alert.
    assert open_missed_promises(factory, T0 + timedelta(minutes=30)) == 0
    now = T0 + timedelta(hours=2)
    assert open_missed_promises(factory, now) == 1
    assert open_missed_promises(factory, now + timedelta(minutes=1)) == 0  # idempotent
    [fu] = opened(app, ws, now)
    assert (fu["reason"], fu["customer"]) == ("delay", "late")
    assert fu["due_at"] == T0 + timedelta(hours=5)
    assert fu["subject"]["ticket_id"] == "T-1"


def test_a_missed_promise_is_called_back_once_even_after_its_follow_up_is_closed(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    ws = workspace.id
    factory = sessions(app)
    # Promised for yesterday, never resolved: the worker was down, or the ticket
    # was sent late. It is already missed: called back all the same.
    contact(
        app,
        settings,
        ws,
        "missed",
        T0 - timedelta(days=2),
        ticket_id="T-9",
        promised_at=(T0 - timedelta(days=1)).isoformat(),
    )
    assert open_missed_promises(factory, T0) == 1
    [fu] = opened(app, ws, T0)
    assert (fu["reason"], fu["subject"]["ticket_id"]) == ("delay", "T-9")
    service.update_follow_up(
        factory, ws, str(fu["id"]), by=None, status="closed", outcome="explained", now=T0
    )
    # Still unresolved a minute and an hour later: the ticket was called back, not again.
    assert open_missed_promises(factory, T0 + timedelta(minutes=1)) == 0
    assert open_missed_promises(factory, T0 + timedelta(hours=1)) == 0
