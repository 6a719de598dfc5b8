"""Counts of the response-rate funnel: eligible → invited → shown → answered.

Each stage is a subset of the one before: the events that triggered a
touchpoint (whatever the decision), the invitations made for them, those the
widget showed, those answered. Grouped by touchpoint and outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from fluide.storage.models import Event, Invitation, Response, Touchpoint


@dataclass(frozen=True)
class FunnelRow:
    touchpoint: str
    outcome: str | None
    eligible: int
    invited: int
    shown: int
    dismissed: int
    answered: int


def funnel_counts(
    s: Session,
    ws: str,
    *,
    touchpoint_id: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[FunnelRow]:
    """One row per touchpoint and outcome, for events that happened in ``[start, end)``."""
    q = (
        select(
            Touchpoint.key,
            Event.outcome,
            func.count(Event.id),
            func.count(Invitation.id),
            func.count(Invitation.shown_at),
            func.count(Invitation.dismissed_at),
            func.count(Response.id),
        )
        .select_from(Event)
        .join(
            Touchpoint,
            and_(Touchpoint.id == Event.touchpoint_id, Touchpoint.workspace_id == ws),
        )
        .outerjoin(Invitation, and_(Invitation.event_id == Event.id, Invitation.workspace_id == ws))
        .outerjoin(
            Response, and_(Response.invitation_id == Invitation.id, Response.workspace_id == ws)
        )
        .where(Event.workspace_id == ws)
        .group_by(Touchpoint.key, Event.outcome)
        .order_by(Touchpoint.key, Event.outcome)
    )
    if touchpoint_id is not None:
        q = q.where(Event.touchpoint_id == touchpoint_id)
    if start is not None:
        q = q.where(Event.occurred_at >= start)
    if end is not None:
        q = q.where(Event.occurred_at < end)
    return [
        FunnelRow(str(key), outcome, int(e), int(i), int(sh), int(d), int(a))
        for key, outcome, e, i, sh, d, a in s.execute(q).all()
    ]
