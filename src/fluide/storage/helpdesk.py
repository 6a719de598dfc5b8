"""Queries on help-desk connections and pushes (the only SQL for them); each filters on
the workspace, but the worker's claim, which runs for every workspace."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, func, or_, select
from sqlalchemy.orm import Session

from fluide.storage.dashboard_models import FollowUp
from fluide.storage.helpdesk_models import HelpdeskConnection, HelpdeskTicket
from fluide.storage.models import EndUser, Response, ResponseTag


def connection(s: Session, workspace_id: str) -> HelpdeskConnection | None:
    return s.get(HelpdeskConnection, workspace_id)


def all_connections(s: Session) -> list[HelpdeskConnection]:
    """Every workspace's connection (re-encrypting secrets after a key change)."""
    return list(s.scalars(select(HelpdeskConnection).order_by(HelpdeskConnection.workspace_id)))


def by_inbound_id(s: Session, inbound_id: str) -> HelpdeskConnection | None:
    return s.scalar(select(HelpdeskConnection).where(HelpdeskConnection.inbound_id == inbound_id))


def remove(s: Session, workspace_id: str) -> bool:
    """Drop the connection; pushes not made yet are dropped too (pushed ones stay, as links)."""
    s.execute(
        delete(HelpdeskTicket).where(
            HelpdeskTicket.workspace_id == workspace_id, HelpdeskTicket.state != "pushed"
        )
    )
    done = s.execute(
        delete(HelpdeskConnection).where(HelpdeskConnection.workspace_id == workspace_id)
    )
    return bool(getattr(done, "rowcount", 0))


def ticket(s: Session, workspace_id: str, follow_up_id: str) -> HelpdeskTicket | None:
    return s.scalar(
        select(HelpdeskTicket).where(
            HelpdeskTicket.workspace_id == workspace_id,
            HelpdeskTicket.follow_up_id == follow_up_id,
        )
    )


def tickets_of(
    s: Session, workspace_id: str, follow_up_ids: Sequence[str]
) -> dict[str, HelpdeskTicket]:
    if not follow_up_ids:
        return {}
    found = s.scalars(
        select(HelpdeskTicket).where(
            HelpdeskTicket.workspace_id == workspace_id,
            HelpdeskTicket.follow_up_id.in_(list(follow_up_ids)),
        )
    )
    return {t.follow_up_id: t for t in found}


def by_external_id(
    s: Session, workspace_id: str, provider: str, external_id: str
) -> HelpdeskTicket | None:
    return s.scalar(
        select(HelpdeskTicket).where(
            HelpdeskTicket.workspace_id == workspace_id,
            HelpdeskTicket.provider == provider,
            HelpdeskTicket.external_id == external_id,
        )
    )


def new_follow_ups(s: Session, limit: int) -> list[FollowUp]:
    """Follow-ups opened since their workspace's connection pushes by itself, not yet queued."""
    query = (
        select(FollowUp)
        .join(HelpdeskConnection, HelpdeskConnection.workspace_id == FollowUp.workspace_id)
        .outerjoin(HelpdeskTicket, HelpdeskTicket.follow_up_id == FollowUp.id)
        .where(
            HelpdeskConnection.push_on_create.is_(True),
            FollowUp.created_at >= HelpdeskConnection.push_since,
            HelpdeskTicket.follow_up_id.is_(None),
            # A ticket is made of an answer: contacts' follow-ups (no answer) stay here.
            FollowUp.response_id.is_not(None),
        )
        .order_by(FollowUp.created_at, FollowUp.id)
        .limit(limit)
    )
    return list(s.scalars(query))


def _due(now: datetime) -> ColumnElement[bool]:
    return and_(
        HelpdeskTicket.state == "pending",
        or_(HelpdeskTicket.next_attempt_at.is_(None), HelpdeskTicket.next_attempt_at <= now),
    )


def anything_due(s: Session, now: datetime) -> bool:
    """Whether a push is due or a follow-up waits to be queued, read without the write lock."""
    if s.scalar(select(HelpdeskTicket.follow_up_id).where(_due(now)).limit(1)) is not None:
        return True
    return bool(new_follow_ups(s, 1))


def claim_due(s: Session, now: datetime, lease_until: datetime, limit: int) -> list[HelpdeskTicket]:
    """Pending pushes due now, each moved to ``lease_until`` (a crashed worker's comes back)."""
    query = (
        select(HelpdeskTicket)
        .where(_due(now))
        .order_by(HelpdeskTicket.next_attempt_at, HelpdeskTicket.follow_up_id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    found = list(s.scalars(query))
    for row in found:
        row.next_attempt_at = lease_until
        row.attempts += 1
    return found


def push_facts(s: Session, workspace_id: str, response_id: str) -> tuple[str | None, str | None]:
    """The customer's name (``attributes.name``) and the answer's first tag."""
    user_attributes = s.scalar(
        select(EndUser.attributes)
        .join(Response, and_(Response.user_id == EndUser.id))
        .where(Response.id == response_id, Response.workspace_id == workspace_id)
    )
    name = (user_attributes or {}).get("name") if isinstance(user_attributes, dict) else None
    tag = s.scalar(
        select(ResponseTag.tag)
        .where(ResponseTag.workspace_id == workspace_id, ResponseTag.response_id == response_id)
        .order_by(ResponseTag.tag)
        .limit(1)
    )
    return (str(name)[:200] if name else None), tag


def counts(s: Session, workspace_id: str) -> dict[str, int]:
    """Pushes by state: ``pending``, ``pushed``, ``failed``."""
    rows = s.execute(
        select(HelpdeskTicket.state, func.count())
        .where(HelpdeskTicket.workspace_id == workspace_id)
        .group_by(HelpdeskTicket.state)
    ).all()
    found = {str(state): int(n) for state, n in rows}
    return {k: found.get(k, 0) for k in ("pending", "pushed", "failed")}
