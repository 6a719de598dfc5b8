"""Contact events read for recontacts (the only SQL for them); every query filters on the
workspace, and on the event types and times it needs (index ``ix_events_type``)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, literal, select
from sqlalchemy.orm import Session

from fluide.storage.models import EndUser, Event, Invitation, Response, Workspace


@dataclass(frozen=True)
class ContactEvent:
    user_id: str
    customer: str  # the host's user id
    occurred_at: datetime
    properties: dict[str, Any]


def typed_events(
    workspace_id: str, types: Sequence[str], start: datetime | None, end: datetime | None
) -> list[ColumnElement[bool]]:
    """The conditions on events of ``types`` in ``[start, end)`` joined to their user, both
    of the workspace (contacts and loyalty outcomes are read this way)."""
    where: list[ColumnElement[bool]] = [
        Event.workspace_id == workspace_id,
        Event.type.in_(list(types)),
        EndUser.workspace_id == workspace_id,
    ]
    if start is not None:
        where.append(Event.occurred_at >= start)
    if end is not None:
        where.append(Event.occurred_at < end)
    return where


def contact_events(
    s: Session,
    workspace_id: str,
    types: Sequence[str],
    start: datetime | None,
    end: datetime | None,
    *,
    properties: bool = True,
) -> list[ContactEvent]:
    """The workspace's events of ``types`` in ``[start, end)``, by time, then arrival.

    ``properties=False`` leaves them empty, unread: who and when is all a recontact needs."""
    if not types:
        return []
    where = typed_events(workspace_id, types, start, end)
    query = (
        select(
            Event.user_id,
            EndUser.external_id,
            Event.occurred_at,
            Event.properties if properties else literal(None),
        )
        .join(EndUser, EndUser.id == Event.user_id)
        .where(*where)
        .order_by(Event.occurred_at, Event.received_at, Event.external_id)
    )
    return [ContactEvent(u, c, at, p or {}) for u, c, at, p in s.execute(query).all()]


@dataclass(frozen=True)
class AnswerOf:
    customer: str  # the host's user id
    responded_at: datetime
    score: int
    question_version_id: str
    # What the loyalty groups and the drivers' features are built from.
    id: str = ""
    event_id: str = ""
    outcome: str | None = None
    channel: str = ""
    agent_id: str | None = None
    customer_since: str | None = None


def touchpoint_answers(
    s: Session, workspace_id: str, touchpoint_id: str, start: datetime | None, end: datetime | None
) -> list[AnswerOf]:
    """The touchpoint's answers given in ``[start, end)``, with their customer, by time."""
    where: list[ColumnElement[bool]] = [
        Response.workspace_id == workspace_id,
        Response.touchpoint_id == touchpoint_id,
        EndUser.workspace_id == workspace_id,
    ]
    if start is not None:
        where.append(Response.responded_at >= start)
    if end is not None:
        where.append(Response.responded_at < end)
    query = (
        select(
            EndUser.external_id,
            Response.responded_at,
            Response.score,
            Response.question_version_id,
            Response.id,
            Invitation.event_id,
            Response.outcome,
            Response.channel,
            Response.agent_id,
            Response.customer_since,
        )
        .join(EndUser, EndUser.id == Response.user_id)
        .join(
            Invitation,
            and_(Invitation.id == Response.invitation_id, Invitation.workspace_id == workspace_id),
        )
        .where(*where)
        .order_by(Response.responded_at, Response.id)
    )
    return [
        AnswerOf(c, at, int(sc), str(v), str(i), str(e), o, str(ch), a, since)
        for c, at, sc, v, i, e, o, ch, a, since in s.execute(query).all()
    ]


_EVENTS = Event.metadata.tables[Event.__tablename__]
_USER_CONTACTS = (
    select(_EVENTS.c.user_id, _EVENTS.c.occurred_at)
    .where(
        _EVENTS.c.workspace_id == bindparam("ws"),
        _EVENTS.c.user_id.in_(bindparam("users", expanding=True)),
        _EVENTS.c.type.in_(bindparam("types", expanding=True)),
        _EVENTS.c.occurred_at >= bindparam("since"),
        _EVENTS.c.occurred_at <= bindparam("until"),
    )
    .order_by(_EVENTS.c.occurred_at)
)
"""Built once: it runs in the transaction of every batch of events holding a contact."""


def user_contacts(
    s: Session,
    workspace_id: str,
    user_ids: Collection[str],
    types: Sequence[str],
    since: datetime,
    until: datetime,
) -> dict[str, list[datetime]]:
    """These customers' contact times in ``[since, until]``, oldest first, by user id
    (one statement for a whole batch of events; a user with none is absent)."""
    out: dict[str, list[datetime]] = {}
    if not types or not user_ids:
        return out
    params = {
        "ws": workspace_id,
        "users": list(user_ids),
        "types": list(types),
        "since": since,
        "until": until,
    }
    for user_id, at in s.connection().execute(_USER_CONTACTS, params):
        out.setdefault(str(user_id), []).append(at)
    return out


def workspaces(s: Session) -> list[Workspace]:
    return list(s.scalars(select(Workspace).order_by(Workspace.id)))
