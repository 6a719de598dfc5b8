"""The rows of a touchpoint's attempts: its events by type, and the answers to them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from fluide.storage.models import EndUser, Event, Invitation, Response


@dataclass(frozen=True)
class EventRow:
    id: str
    user: str  # the host's user id
    type: str
    outcome: str | None
    occurred_at: datetime
    properties: dict[str, Any]


@dataclass(frozen=True)
class AnswerRow:
    event_id: str
    score: int
    question_version_id: str


def events(
    s: Session, ws: str, types: Sequence[str], start: datetime, end: datetime
) -> list[EventRow]:
    """The workspace's events of ``types`` that happened in ``[start, end)``."""
    if not types:
        return []
    q = (
        select(
            Event.id,
            EndUser.external_id,
            Event.type,
            Event.outcome,
            Event.occurred_at,
            Event.properties,
        )
        .join(EndUser, and_(EndUser.id == Event.user_id, EndUser.workspace_id == ws))
        .where(
            Event.workspace_id == ws,
            Event.type.in_(list(types)),
            Event.occurred_at >= start,
            Event.occurred_at < end,
        )
    )
    return [
        EventRow(str(i), str(u), str(t), o, at, dict(p or {}))
        for i, u, t, o, at, p in s.execute(q).all()
    ]


def answers(
    s: Session, ws: str, touchpoint_id: str, start: datetime, end: datetime
) -> list[AnswerRow]:
    """The touchpoint's answers to events that happened in ``[start, end)``."""
    q = (
        select(Invitation.event_id, Response.score, Response.question_version_id)
        .join(
            Invitation,
            and_(Invitation.id == Response.invitation_id, Invitation.workspace_id == ws),
        )
        .where(
            Response.workspace_id == ws,
            Response.touchpoint_id == touchpoint_id,
            Invitation.occurred_at >= start,
            Invitation.occurred_at < end,
        )
    )
    return [AnswerRow(str(e), int(sc), str(v)) for e, sc, v in s.execute(q).all()]
