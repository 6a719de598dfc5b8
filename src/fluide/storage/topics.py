"""Emerging topics and the requests to compute them again, per workspace."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import (
    and_,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from fluide.storage.models import (
    ResponseTag,
    TaggerState,
    Topic,
)
from fluide.storage.tags import _wake
from fluide.storage.types import utcnow


def request_topics(s: Session, ws: str) -> None:
    s.execute(
        update(TaggerState)
        .where(TaggerState.workspace_id == ws)
        .values(topics_requested_at=utcnow())
    )
    _wake(s)


def topics_requested(s: Session, stale_before: datetime | None = None) -> list[str]:
    """Workspaces whose topics were asked for since they were last computed, and,
    with ``stale_before``, those whose topics were never computed or not since then."""
    asked = and_(
        TaggerState.topics_requested_at.is_not(None),
        or_(
            TaggerState.topics_computed_at.is_(None),
            TaggerState.topics_computed_at < TaggerState.topics_requested_at,
        ),
    )
    cond = asked
    if stale_before is not None:
        cond = or_(
            asked,
            TaggerState.topics_computed_at.is_(None),
            TaggerState.topics_computed_at < stale_before,
        )
    q = select(TaggerState.workspace_id).where(cond).order_by(TaggerState.workspace_id)
    return [str(w) for w in s.execute(q).scalars()]


def topics(s: Session, ws: str, status: str | None = "open") -> list[Topic]:
    """The workspace's topics, by size × mean effort index (as they were found)."""
    q = select(Topic).where(Topic.workspace_id == ws)
    if status is not None:
        q = q.where(Topic.status == status)
    impact = Topic.size * func.coalesce(Topic.mean_effort_index, 0.0)  # as find_topics sorts
    return list(s.execute(q.order_by(impact.desc(), Topic.size.desc(), Topic.id)).scalars())


def topic(s: Session, ws: str, topic_id: str) -> Topic | None:
    return s.execute(
        select(Topic).where(Topic.workspace_id == ws, Topic.id == topic_id)
    ).scalar_one_or_none()


def replace_open_topics(s: Session, ws: str, new: Sequence[Topic], computed_at: datetime) -> None:
    """The workspace's open topics become ``new``; accepted and dismissed ones stay."""
    s.execute(delete(Topic).where(Topic.workspace_id == ws, Topic.status == "open"))
    s.add_all(new)
    s.execute(
        update(TaggerState)
        .where(TaggerState.workspace_id == ws)
        .values(topics_computed_at=computed_at)
    )
    s.flush()


def tag_reach(s: Session, ws: str, key: str, member_ids: Sequence[str]) -> tuple[int, int]:
    """``(members carrying the tag, verbatims carrying it)`` in the workspace."""
    carrying = and_(ResponseTag.workspace_id == ws, ResponseTag.tag == key)
    total = s.execute(select(func.count()).select_from(ResponseTag).where(carrying)).scalar_one()
    members = 0
    for i in range(0, len(member_ids), 500):
        chunk = list(member_ids[i : i + 500])
        members += s.execute(
            select(func.count())
            .select_from(ResponseTag)
            .where(carrying, ResponseTag.response_id.in_(chunk))
        ).scalar_one()
    return int(members), int(total)
