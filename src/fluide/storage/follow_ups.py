"""Queries on follow-ups (the only SQL for them); every one filters on the workspace.

Notification bookkeeping lives on the row: ``notified_at`` is the moment of the
last attempt (or of the decision not to notify), ``notify_error`` is ``None``
once it is settled, ``notify_attempts`` counts attempts. See
:mod:`fluide.jobs.follow_ups`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Select, and_, case, false, func, or_, select
from sqlalchemy.orm import Session, aliased

from fluide.domain.follow_ups import SENDING
from fluide.storage.dashboard_models import Account, FollowUp
from fluide.storage.models import EndUser, QuestionVersion, Response, Touchpoint, Workspace

UNASSIGNED = "none"
"""The assignee filter that keeps follow-ups nobody is assigned to."""


@dataclass(frozen=True)
class Filter:
    status: tuple[str, ...] | None = None
    overdue: bool | None = None
    assignee_id: str | None = None
    touchpoint_id: str | None = None
    follow_up_id: str | None = None
    owner: tuple[str, str | None] | None = None
    """An agent's ``(account_id, agent_id)``: only the follow-ups assigned to them, and the
    unassigned ones about their own answers."""


@dataclass(frozen=True)
class Row:
    """A follow-up with what a person needs to act on it."""

    follow_up: FollowUp
    # None for a follow-up opened by contacts (no answer, no touchpoint).
    touchpoint: str | None
    task: str | None
    task_names: dict[str, str] | None
    score: int | None
    comment: str | None
    extra_answers: dict[str, object] | None
    responded_at: datetime | None
    scale: str | None
    polarity: str | None
    low_max: int | None
    high_min: int | None
    customer: str
    customer_email: str | None
    assignee_name: str | None
    assignee_email: str | None
    assignee_lang: str | None


def for_response(s: Session, workspace_id: str, response_id: str) -> FollowUp | None:
    return s.scalar(
        select(FollowUp).where(
            FollowUp.workspace_id == workspace_id, FollowUp.response_id == response_id
        )
    )


def open_for_user(s: Session, workspace_id: str, user_id: str, reason: str) -> FollowUp | None:
    """The customer's follow-up of ``reason`` that is not closed yet, if any."""
    return s.scalar(
        select(FollowUp)
        .where(
            FollowUp.workspace_id == workspace_id,
            FollowUp.user_id == user_id,
            FollowUp.reason == reason,
            FollowUp.status != "closed",
        )
        .limit(1)
    )


def delay_tickets(s: Session, workspace_id: str, since: datetime) -> set[str]:
    """Tickets that already had a ``delay`` follow-up opened since ``since``, whatever its
    status: a missed promise is called back once, not again after it is closed."""
    subjects = s.scalars(
        select(FollowUp.subject).where(
            FollowUp.workspace_id == workspace_id,
            FollowUp.reason == "delay",
            FollowUp.created_at >= since,
        )
    )
    return {str(x["ticket_id"]) for x in subjects if x and x.get("ticket_id")}


def open_by_user(s: Session, workspace_id: str, user_ids: Sequence[str]) -> dict[str, str]:
    """Per customer (``end_users.id``), the id of one of their follow-ups not closed yet:
    opened by their contacts or by their answers (the most recent)."""
    if not user_ids:
        return {}
    user = func.coalesce(Response.user_id, FollowUp.user_id)
    found = s.execute(
        select(user, FollowUp.id)
        .outerjoin(
            Response,
            and_(Response.id == FollowUp.response_id, Response.workspace_id == workspace_id),
        )
        .where(
            FollowUp.workspace_id == workspace_id,
            FollowUp.status != "closed",
            user.in_(list(user_ids)),
        )
        .order_by(FollowUp.created_at)
    ).all()
    return {str(u): str(i) for u, i in found}


def get(s: Session, workspace_id: str, follow_up_id: str) -> FollowUp | None:
    return s.scalar(
        select(FollowUp).where(FollowUp.workspace_id == workspace_id, FollowUp.id == follow_up_id)
    )


def _where(workspace_id: str, f: Filter, now: datetime) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = [FollowUp.workspace_id == workspace_id]
    if f.follow_up_id is not None:
        out.append(FollowUp.id == f.follow_up_id)
    if f.status is not None:
        out.append(FollowUp.status.in_(f.status))
    if f.overdue is True:
        out += [FollowUp.status != "closed", FollowUp.due_at < now]
    elif f.overdue is False:
        out.append(or_(FollowUp.status == "closed", FollowUp.due_at >= now))
    if f.assignee_id == UNASSIGNED:
        out.append(FollowUp.assignee_id.is_(None))
    elif f.assignee_id is not None:
        out.append(FollowUp.assignee_id == f.assignee_id)
    if f.touchpoint_id is not None:
        out.append(FollowUp.touchpoint_id == f.touchpoint_id)
    if f.owner is not None:
        account_id, agent_id = f.owner
        mine = FollowUp.assignee_id == account_id
        if agent_id is not None:
            mine = mine | (FollowUp.assignee_id.is_(None) & (FollowUp.agent_id == agent_id))
        out.append(mine)
    return out


def rows(s: Session, workspace_id: str, f: Filter, now: datetime, limit: int) -> list[Row]:
    """Follow-ups to act on first: not closed by due date (most late first), then closed,
    most recently closed first."""
    assignee = aliased(Account)
    closed_last = FollowUp.status == "closed"
    query = (
        select(
            FollowUp,
            Touchpoint.key,
            Touchpoint.task,
            Touchpoint.task_names,
            Response.score,
            Response.comment,
            Response.extra_answers,
            Response.responded_at,
            QuestionVersion.scale,
            QuestionVersion.polarity,
            QuestionVersion.low_max,
            QuestionVersion.high_min,
            EndUser.external_id,
            EndUser.email,
            assignee.name,
            assignee.email,
            assignee.lang,
        )
        # A contact's follow-up has no answer: its customer is its own user_id.
        .outerjoin(
            Response,
            and_(Response.id == FollowUp.response_id, Response.workspace_id == workspace_id),
        )
        .outerjoin(Touchpoint, Touchpoint.id == FollowUp.touchpoint_id)
        .outerjoin(QuestionVersion, QuestionVersion.id == Response.question_version_id)
        .join(EndUser, EndUser.id == func.coalesce(Response.user_id, FollowUp.user_id))
        .outerjoin(
            assignee,
            and_(assignee.id == FollowUp.assignee_id, assignee.workspace_id == workspace_id),
        )
        .where(
            *_where(workspace_id, f, now),
            EndUser.workspace_id == workspace_id,
            or_(FollowUp.response_id.is_(None), Response.id.is_not(None)),
        )
        .order_by(
            closed_last,
            # Within the open ones: by due date; within the closed ones (all NULL here):
            # most recently closed first.
            case((FollowUp.status != "closed", FollowUp.due_at)),
            FollowUp.closed_at.desc(),
            FollowUp.id,
        )
        .limit(limit)
    )
    return [Row(*r) for r in s.execute(query).all()]


def count(s: Session, workspace_id: str, f: Filter, now: datetime) -> int:
    return int(s.scalar(select(func.count(FollowUp.id)).where(*_where(workspace_id, f, now))) or 0)


def closed_since(s: Session, workspace_id: str, f: Filter, since: datetime, now: datetime) -> int:
    where = [
        *_where(workspace_id, f, now),
        FollowUp.status == "closed",
        FollowUp.closed_at >= since,
    ]
    return int(s.scalar(select(func.count(FollowUp.id)).where(*where)) or 0)


def touchpoints_with_follow_ups(
    s: Session, workspace_id: str
) -> list[tuple[str, str, dict[str, str] | None]]:
    """``(key, task, task_names)`` of the touchpoints that have follow-ups, by key."""
    found = s.execute(
        select(Touchpoint.key, Touchpoint.task, Touchpoint.task_names)
        .where(
            Touchpoint.workspace_id == workspace_id,
            Touchpoint.id.in_(
                select(FollowUp.touchpoint_id).where(FollowUp.workspace_id == workspace_id)
            ),
        )
        .order_by(Touchpoint.key)
    ).all()
    return [(str(k), str(t), n) for k, t, n in found]


def without_follow_up(s: Session, workspace_id: str) -> list[tuple[Response, QuestionVersion]]:
    """Answers that have no follow-up yet, with the question they answered, oldest first."""
    query = (
        select(Response, QuestionVersion)
        .join(QuestionVersion, QuestionVersion.id == Response.question_version_id)
        .outerjoin(FollowUp, FollowUp.response_id == Response.id)
        .where(Response.workspace_id == workspace_id, FollowUp.id.is_(None))
        .order_by(Response.responded_at, Response.id)
    )
    return [(r, v) for r, v in s.execute(query).all()]


# --- Notifications ----------------------------------------------------------------------


def _retry_due(now: datetime, backoff: Sequence[timedelta]) -> ColumnElement[bool]:
    """A failed attempt ``n`` is tried again ``backoff[n - 1]`` after it."""
    waits = [
        and_(FollowUp.notify_attempts == n, FollowUp.notified_at <= now - wait)
        for n, wait in enumerate(backoff, start=1)
    ]
    return and_(FollowUp.notify_error.is_not(None), or_(*waits) if waits else false())


def any_pending(
    s: Session, now: datetime, *, email_possible: bool, backoff: Sequence[timedelta]
) -> bool:
    """Whether a notification is due, read without taking the write lock.

    The worker asks this at every tick: on SQLite a write transaction per tick
    would collide with the web server's own writes for nothing.
    """
    query = _due(now, email_possible=email_possible, backoff=backoff).with_only_columns(FollowUp.id)
    return s.execute(query.limit(1)).first() is not None


def claim_pending(
    s: Session,
    now: datetime,
    *,
    email_possible: bool,
    backoff: Sequence[timedelta],
    limit: int,
) -> list[FollowUp]:
    """Follow-ups whose notification is due, marked as being sent (attempt counted).

    Due: not closed, an assignee to e-mail (when e-mail can be sent) or a chat
    webhook, never attempted or a failed attempt whose wait is over, fewer
    than ``len(backoff) + 1`` attempts. Rows another worker is claiming are
    skipped (PostgreSQL); SQLite serialises writers.
    """
    query = (
        _due(now, email_possible=email_possible, backoff=backoff)
        .limit(limit)
        .with_for_update(of=FollowUp, skip_locked=True)
    )
    claimed = list(s.scalars(query))
    for row in claimed:
        row.notify_attempts = (row.notify_attempts or 0) + 1
        row.notified_at = now
        row.notify_error = SENDING
    return claimed


def _due(now: datetime, *, email_possible: bool, backoff: Sequence[timedelta]) -> Select[FollowUp]:
    max_attempts = len(backoff) + 1
    assignee = aliased(Account)
    destination = Workspace.chat_webhook_url.is_not(None) & Workspace.webhook_secret.is_not(None)
    if email_possible:
        destination = destination | assignee.id.is_not(None)
    return (
        select(FollowUp)
        .join(Workspace, Workspace.id == FollowUp.workspace_id)
        .outerjoin(
            assignee,
            and_(
                assignee.id == FollowUp.assignee_id,
                assignee.workspace_id == FollowUp.workspace_id,
                assignee.disabled_at.is_(None),
            ),
        )
        .where(
            FollowUp.status != "closed",
            FollowUp.notify_attempts < max_attempts,
            or_(FollowUp.notified_at.is_(None), _retry_due(now, backoff)),
            destination,
        )
        .order_by(FollowUp.created_at, FollowUp.id)
    )


@dataclass(frozen=True)
class Destination:
    """Where one follow-up's notification goes, and what it says."""

    row: Row
    workspace_name: str
    timezone: str
    webhook_url: str | None
    webhook_secret: str | None  # as stored: encrypted (fluide.secretbox), opened by the sender


def destination(s: Session, follow_up_id: str, now: datetime) -> Destination | None:
    fu = s.get(FollowUp, follow_up_id)
    if fu is None:
        return None
    ws = s.get(Workspace, fu.workspace_id)
    found = rows(s, fu.workspace_id, Filter(follow_up_id=fu.id), now, 1)
    if ws is None or not found:
        return None
    row = found[0]
    if fu.assignee_id is not None:
        account = s.get(Account, fu.assignee_id)
        if account is None or account.disabled_at is not None:
            row = replace(row, assignee_email=None)
    return Destination(row, ws.name, ws.timezone, ws.chat_webhook_url, ws.webhook_secret)


def record_attempt(
    s: Session, follow_up_id: str, now: datetime, error: str | None, *, stop_at: int | None
) -> None:
    """The result of an attempt: ``error=None`` settles it; ``stop_at`` (the maximum
    number of attempts) makes a permanent failure final."""
    fu = s.get(FollowUp, follow_up_id)
    if fu is None:
        return
    fu.notified_at = now
    fu.notify_error = error
    if stop_at is not None and error is not None:
        fu.notify_attempts = max(fu.notify_attempts or 0, stop_at)
