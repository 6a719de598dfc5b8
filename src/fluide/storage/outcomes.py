"""Outcome events and the answers' tags, for the loyalty and drivers figures (the answers
themselves: :func:`fluide.storage.contacts.touchpoint_answers`); every query filters on
the workspace, events on type and time (``ix_events_type``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from fluide.storage.contacts import typed_events
from fluide.storage.models import EndUser, Event, Response, ResponseTag


@dataclass(frozen=True)
class OutcomeEvent:
    customer: str  # the host's user id
    occurred_at: datetime
    type: str


def outcome_events(
    s: Session,
    workspace_id: str,
    types: Sequence[str],
    start: datetime | None,
    end: datetime | None,
) -> list[OutcomeEvent]:
    """The workspace's events of ``types`` in ``[start, end)``, by time."""
    if not types:
        return []
    where = typed_events(workspace_id, types, start, end)
    query = (
        select(EndUser.external_id, Event.occurred_at, Event.type)
        .join(EndUser, EndUser.id == Event.user_id)
        .where(*where)
        .order_by(Event.occurred_at, Event.external_id)
    )
    return [OutcomeEvent(c, at, t) for c, at, t in s.execute(query).all()]


def answer_tags(
    s: Session, workspace_id: str, touchpoint_id: str, start: datetime, end: datetime
) -> list[tuple[str, str]]:
    """``(response id, tag key)`` of the touchpoint's answers given in ``[start, end)``."""
    query = (
        select(ResponseTag.response_id, ResponseTag.tag)
        .join(
            Response,
            and_(Response.id == ResponseTag.response_id, Response.workspace_id == workspace_id),
        )
        .where(
            ResponseTag.workspace_id == workspace_id,
            Response.touchpoint_id == touchpoint_id,
            Response.responded_at >= start,
            Response.responded_at < end,
        )
    )
    return [(str(r), str(t)) for r, t in s.execute(query).all()]
