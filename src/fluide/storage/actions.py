"""Queries for actions and the answers around their delivery (the only SQL for them).

Every function takes the workspace and filters on it: an id from another
workspace finds nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from fluide.storage.dashboard_models import Action
from fluide.storage.models import ResponseTag, VerbatimState


def add(s: Session, action: Action) -> None:
    s.add(action)
    s.flush()


def by_id(s: Session, ws: str, action_id: str) -> Action | None:
    return s.scalar(select(Action).where(Action.workspace_id == ws, Action.id == action_id))


def in_workspace(
    s: Session,
    ws: str,
    status: str | None = None,
    *,
    touchpoint_id: str | None = None,
    tag: str | None = None,
) -> list[Action]:
    """The workspace's actions, newest first (the use case orders them for reading),
    optionally those of one touchpoint and/or one friction tag."""
    q = select(Action).where(Action.workspace_id == ws)
    if status is not None:
        q = q.where(Action.status == status)
    if touchpoint_id is not None:
        q = q.where(Action.touchpoint_id == touchpoint_id)
    if tag is not None:
        q = q.where(Action.tag_key == tag)
    return list(s.scalars(q.order_by(Action.created_at.desc(), Action.id)))


def delivered_between(s: Session, ws: str, start: date, end: date) -> list[Action]:
    """The workspace's actions delivered from ``start`` to ``end`` (inclusive), by date."""
    q = select(Action).where(
        Action.workspace_id == ws,
        Action.status == "delivered",
        Action.delivered_on >= start,
        Action.delivered_on <= end,
    )
    return list(s.scalars(q.order_by(Action.delivered_on, Action.created_at, Action.id)))


def comment_tags(
    s: Session, ws: str, response_ids: Sequence[str]
) -> dict[str, frozenset[str] | None]:
    """Each comment's stored tags; ``None`` for a comment never tagged yet.

    A comment waiting to be re-tagged keeps the tags it had: it counts with them.
    """
    out: dict[str, frozenset[str] | None] = {}
    tags: dict[str, set[str]] = {}
    for i in range(0, len(response_ids), 500):
        chunk = list(response_ids[i : i + 500])
        states = s.execute(
            select(
                VerbatimState.response_id,
                VerbatimState.tagger_version,
                VerbatimState.human_tagged,
            ).where(VerbatimState.workspace_id == ws, VerbatimState.response_id.in_(chunk))
        )
        for rid, version, human in states:
            out[str(rid)] = frozenset() if version is not None or human else None
        for rid, tag in s.execute(
            select(ResponseTag.response_id, ResponseTag.tag).where(
                ResponseTag.workspace_id == ws, ResponseTag.response_id.in_(chunk)
            )
        ):
            tags.setdefault(str(rid), set()).add(str(tag))
    for rid, found in tags.items():
        out[rid] = frozenset(found)
    return out
