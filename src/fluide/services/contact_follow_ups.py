"""Proactive follow-ups opened by a customer's contacts, before any survey (seed 001).

* ``recontact``: a contact event arrives and the same customer had another
  contact within W days of it (:data:`WINDOW_DAYS`). Opened in the transaction
  that stores the event, so it exists before any invitation is sent.
* ``delay``: an open ticket (a contact with ``ticket_id`` and ``promised_at``,
  no ``ticket_resolved`` yet) whose promised time is less than the workspace's
  ``promise_alert_hours`` away, or already past. Checked by the worker every
  minute (:func:`open_missed_promises`); once per ticket, even after its
  follow-up is closed.

A customer has at most one follow-up of each reason that is not closed: a third
contact, or a second promise about to be missed, adds nothing while one is open.
They join the follow-ups list and are notified like the others
(:mod:`fluide.jobs.follow_ups`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy.orm import Session, sessionmaker

from fluide.domain import follow_ups as rules
from fluide.domain.recontacts import DEFAULT_WINDOW_DAYS
from fluide.i18n import gettext
from fluide.services.contacts import (
    DEFAULT_CONTACT_TYPES,
    RESOLVED_TYPE,
    contact_types,
    promise_alert_hours,
    text_of,
    time_of,
)
from fluide.storage import accounts as account_store
from fluide.storage import contacts as store
from fluide.storage import follow_ups as follow_up_store
from fluide.storage.dashboard_models import FollowUp
from fluide.storage.db import write_session
from fluide.storage.types import new_id

WINDOW_DAYS: Final = DEFAULT_WINDOW_DAYS
"""W of the proactive recontact follow-up (the figures' default window)."""
PROMISE_LOOKBACK_DAYS: Final = 90
"""Tickets opened longer ago than this are no longer checked for their promise."""


def situation_of(lang: str, reason: str, subject: dict[str, Any] | None, due: str) -> str:
    """What the customer's contacts say, in one sentence; ``due`` is the promised time
    of a ``delay`` (its due moment), as the reader reads times."""
    facts = subject or {}
    if reason == "delay":
        return gettext(
            lang,
            "Ticket %(ticket)s was promised for %(when)s and is not resolved yet.",
            ticket=facts.get("ticket_id") or "?",
            when=due,
        )
    return gettext(
        lang,
        "%(n)s contacts within %(days)s days (latest by %(channel)s, reason: %(reason)s).",
        n=facts.get("contacts") or 2,
        days=facts.get("window_days") or WINDOW_DAYS,
        channel=facts.get("channel") or "?",
        reason=facts.get("reason") or "?",
    )


def _open(
    s: Session,
    workspace_id: str,
    user_id: str,
    reason: str,
    properties: dict[str, Any],
    subject: dict[str, Any],
    now: datetime,
    due: datetime,
) -> FollowUp | None:
    if follow_up_store.open_for_user(s, workspace_id, user_id, reason) is not None:
        return None
    agent_id = text_of(properties, "agent_id")
    agent = account_store.by_agent(s, workspace_id, agent_id) if agent_id else None
    row = FollowUp(
        id=new_id("fu"),
        workspace_id=workspace_id,
        response_id=None,
        touchpoint_id=None,
        user_id=user_id,
        subject=subject,
        reason=reason,
        agent_id=agent_id,
        assignee_id=agent.id if agent is not None else None,
        status="open",
        created_at=now,
        due_at=due,
        notify_attempts=0,
    )
    s.add(row)
    s.flush()  # the next event of the batch sees it
    return row


def after_events(
    s: Session,
    workspace_id: str,
    stored: Sequence[str] | None,
    events: Sequence[dict[str, Any]],
    now: datetime,
) -> int:
    """Open the ``recontact`` follow-ups the stored ``events`` (event rows) call for;
    how many were opened. Runs in the transaction that stored them; ``stored`` is the
    workspace's ``contact_event_types`` column (``None``: the defaults)."""
    types = set(DEFAULT_CONTACT_TYPES if stored is None else stored)
    contacts = [e for e in events if e["type"] in types]
    if not contacts:
        return 0
    window = timedelta(days=WINDOW_DAYS)
    # One read for the batch, each event's window cut from it: the same counts as
    # one read per event (the rows are stored and nothing below adds any).
    moments: list[datetime] = [e["occurred_at"] for e in contacts]
    known = store.user_contacts(
        s,
        workspace_id,
        {e["user_id"] for e in contacts},
        list(types),
        min(moments) - window,
        max(moments),
    )
    opened = 0
    for e in contacts:
        at: datetime = e["occurred_at"]
        times = [t for t in known.get(e["user_id"], []) if at - window <= t <= at]
        if len(times) < 2:  # this contact alone: a first contact, or after the window
            continue
        props: dict[str, Any] = e.get("properties") or {}
        subject = {
            "event_id": e["external_id"],
            "contacts": len(times),
            "window_days": WINDOW_DAYS,
            "channel": text_of(props, "channel"),
            "reason": text_of(props, "reason"),
            "ticket_id": text_of(props, "ticket_id"),
        }
        due = now + timedelta(hours=rules.DEFAULT_SLA_HOURS)
        if _open(s, workspace_id, e["user_id"], "recontact", props, subject, now, due):
            opened += 1
    return opened


def open_missed_promises(
    factory: sessionmaker[Session], now: datetime, workspace_id: str | None = None
) -> int:
    """Open a ``delay`` follow-up for each open ticket whose promise falls within the
    workspace's alert hours (every workspace's, or ``workspace_id``'s); how many were
    opened (running it again opens none)."""
    opened = 0
    with factory() as s:
        workspaces = [
            (ws.id, contact_types(ws), promise_alert_hours(ws))
            for ws in store.workspaces(s)
            if workspace_id in (None, ws.id)
        ]
    since = now - timedelta(days=PROMISE_LOOKBACK_DAYS)
    for ws_id, types, hours in workspaces:
        # Read first: a write transaction per workspace every minute would only
        # collide with the server's own writes on SQLite.
        with factory() as s:
            due = _promises_due(s, ws_id, types, since, now, timedelta(hours=hours))
        if not due:
            continue
        with write_session(factory) as s:
            for c, subject, promised in due:
                if _open(s, ws_id, c.user_id, "delay", c.properties, subject, now, promised):
                    opened += 1
    return opened


def _promises_due(
    s: Session,
    workspace_id: str,
    types: Sequence[str],
    since: datetime,
    now: datetime,
    ahead: timedelta,
) -> list[tuple[store.ContactEvent, dict[str, Any], datetime]]:
    """Contacts whose ticket is not resolved and whose promise falls before ``now + ahead``
    (about to be missed, or already missed), and that were not called back for it yet."""
    pending = []
    called = follow_up_store.delay_tickets(s, workspace_id, since)
    for c in store.contact_events(s, workspace_id, types, since, now + timedelta(seconds=1)):
        ticket = text_of(c.properties, "ticket_id")
        promised = time_of(c.properties, "promised_at")
        if ticket and promised and promised <= now + ahead and ticket not in called:
            pending.append((c, ticket, promised))
    if not pending:
        return []
    resolved = {
        text_of(r.properties, "ticket_id")
        for r in store.contact_events(s, workspace_id, [RESOLVED_TYPE], since, None)
    }
    return [
        (
            c,
            {
                "ticket_id": ticket,
                "promised_at": promised.isoformat(),
                "channel": text_of(c.properties, "channel"),
                "reason": text_of(c.properties, "reason"),
            },
            promised,
        )
        for c, ticket, promised in pending
        if ticket not in resolved
    ]
