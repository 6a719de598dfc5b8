"""Queries of the in-app widget: a workspace by its public key, a user's pending question,
the user's recent browser events."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fluide.storage.models import Event, Invitation, Response, Workspace


def workspace_by_public_key(s: Session, public_key: str) -> Workspace | None:
    return s.execute(
        select(Workspace).where(Workspace.widget_public_key == public_key)
    ).scalar_one_or_none()


def pending_invitation(
    s: Session, ws: str, user_id: str, channels: Sequence[str], now: datetime
) -> Invitation | None:
    """The user's newest invitation on ``channels`` still open: not expired, answered, dismissed."""
    answered = select(Response.id).where(
        Response.workspace_id == ws, Response.invitation_id == Invitation.id
    )
    return (
        s.execute(
            select(Invitation)
            .where(
                Invitation.workspace_id == ws,
                Invitation.user_id == user_id,
                Invitation.channel.in_(list(channels)),
                Invitation.expires_at > now,
                Invitation.dismissed_at.is_(None),
                ~answered.exists(),
            )
            .order_by(Invitation.created_at.desc(), Invitation.id.desc())
            .limit(1)
        )
        .scalars()
        .first()
    )


def workspace_named(s: Session, name: str) -> Workspace | None:
    """The oldest workspace called ``name`` (the demo workspace, for the demo shop)."""
    return (
        s.execute(
            select(Workspace)
            .where(Workspace.name == name)
            .order_by(Workspace.created_at, Workspace.id)
            .limit(1)
        )
        .scalars()
        .first()
    )


def browser_events_since(
    s: Session, ws: str, user_id: str, since: datetime
) -> tuple[int, datetime | None]:
    """How many events the user's browser sent after ``since``, and when the oldest arrived.

    Reads the ``(workspace_id, user_id, received_at)`` index of events.
    """
    count, oldest = s.execute(
        select(func.count(), func.min(Event.received_at)).where(
            Event.workspace_id == ws,
            Event.user_id == user_id,
            Event.received_at > since,
            Event.source == "browser",
        )
    ).one()
    return int(count), oldest
