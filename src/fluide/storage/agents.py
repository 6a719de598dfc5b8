"""What the agents page reads beyond the metrics' counts: names, one agent's answers.

Every query filters on the workspace (and the scope's touchpoint and window,
see :class:`fluide.storage.metrics.Scope`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from fluide.storage.dashboard_models import Account
from fluide.storage.metrics import Scope
from fluide.storage.models import Response, Touchpoint


@dataclass(frozen=True)
class Answer:
    version_id: str
    score: int
    responded_at: datetime


@dataclass(frozen=True)
class Comment:
    id: str
    version_id: str
    score: int
    responded_at: datetime
    comment: str
    touchpoint: str


def agent_names(s: Session, workspace_id: str) -> dict[str, str]:
    """``agent_id → account name`` for the workspace's accounts linked to an agent.

    Should two accounts carry the same agent id, the enabled, oldest one names it.
    """
    q = (
        select(Account.agent_id, Account.name)
        .where(Account.workspace_id == workspace_id, Account.agent_id.is_not(None))
        .order_by(Account.disabled_at.is_not(None), Account.created_at, Account.id)
    )
    out: dict[str, str] = {}
    for agent_id, name in s.execute(q):
        out.setdefault(str(agent_id), str(name))
    return out


def agent_known(s: Session, workspace_id: str, agent_id: str) -> bool:
    """Whether the workspace has ever had an answer for, or an account of, this agent."""
    answered = select(Response.id).where(
        Response.workspace_id == workspace_id, Response.agent_id == agent_id
    )
    account = select(Account.id).where(
        Account.workspace_id == workspace_id, Account.agent_id == agent_id
    )
    return (
        s.execute(answered.limit(1)).first() is not None
        or s.execute(account.limit(1)).first() is not None
    )


def _mine(scope: Scope, agent_id: str, *columns: Any) -> Select[Any]:
    q = (
        select(*columns)
        .select_from(Response)
        .join(Touchpoint, Touchpoint.id == Response.touchpoint_id)
        .where(Response.workspace_id == scope.workspace_id, Response.agent_id == agent_id)
    )
    if scope.touchpoint_id is not None:
        q = q.where(Response.touchpoint_id == scope.touchpoint_id)
    if scope.start is not None:
        q = q.where(Response.responded_at >= scope.start)
    if scope.end is not None:
        q = q.where(Response.responded_at < scope.end)
    return q


def agent_answers(s: Session, scope: Scope, agent_id: str) -> list[Answer]:
    """Every answer of the agent in scope (for the weekly trend, dated in Python's zone)."""
    q = _mine(scope, agent_id, Response.question_version_id, Response.score, Response.responded_at)
    return [Answer(str(v), int(sc), at) for v, sc, at in s.execute(q)]


def agent_comments(
    s: Session, scope: Scope, agent_id: str, points: Mapping[str, Sequence[int]], limit: int
) -> list[Comment]:
    """The agent's newest commented answers whose score is in ``points`` of its version."""
    wanted = [
        and_(Response.question_version_id == v, Response.score.in_(list(p)))
        for v, p in points.items()
        if p
    ]
    if not wanted or limit <= 0:
        return []
    q = _mine(
        scope,
        agent_id,
        Response.id,
        Response.question_version_id,
        Response.score,
        Response.responded_at,
        Response.comment,
        Touchpoint.key,
    )
    q = (
        q.where(or_(*wanted), Response.comment.is_not(None), func.trim(Response.comment) != "")
        .order_by(Response.responded_at.desc(), Response.id)
        .limit(limit)
    )
    return [
        Comment(str(i), str(v), int(sc), at, str(cm), str(tp))
        for i, v, sc, at, cm, tp in s.execute(q)
    ]
