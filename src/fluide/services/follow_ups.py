"""Follow-ups: calling back the customers who struggled (closing the loop).

Every answer in its question's *high-effort* group (the version's own
``low_max``/``high_min`` cut, on its polarity) that carries a comment or the
customer's consent to be contacted opens one follow-up, in the same
transaction as the answer. It is due ``DEFAULT_SLA_HOURS`` later, assigned to
the dashboard account whose ``agent_id`` is the answer's agent (when there is
one), and goes ``open`` → ``in_progress`` → ``closed`` with an outcome and a
note. Past its due moment and not closed, it is *overdue*.

Agents see and update their own follow-ups only: those assigned to them, and
unassigned ones about their own answers (updating one assigns it to them).
Admins and analysts see all, and assign.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from fluide.domain import follow_ups as rules
from fluide.domain.scales import Question
from fluide.domain.task_names import all_task_names
from fluide.i18n import N_
from fluide.services.accounts import CurrentUser
from fluide.services.errors import ServiceError, invalid, not_found
from fluide.services.helpdesk import ticket_json
from fluide.services.touchpoints import touchpoint_id_of
from fluide.services.workspaces import workspace_in
from fluide.storage import accounts as account_store
from fluide.storage import follow_ups as store
from fluide.storage import helpdesk as helpdesk_store
from fluide.storage.dashboard_models import FollowUp
from fluide.storage.db import write_session
from fluide.storage.models import QuestionVersion, Response
from fluide.storage.types import new_id, utcnow

CALLBACK_KEY: Final = "_callback"
"""Where an answer keeps the customer's consent to be contacted, in ``extra_answers``
(extra questions' keys start with a letter or digit, so it never meets one)."""
MAX_LIST: Final = 500
UNASSIGNED: Final = store.UNASSIGNED
"""The assignee filter (and ``assignee_id`` value) for "nobody"."""


# --- Opening ----------------------------------------------------------------------------


def question_of(v: QuestionVersion) -> Question:
    return rules.question(v.scale, v.polarity, v.low_max, v.high_min)


def callback_of(response: Response) -> bool:
    return (response.extra_answers or {}).get(CALLBACK_KEY) is True


def reason_for(response: Response, version: QuestionVersion) -> str | None:
    """Why ``response`` calls for a follow-up (see :func:`fluide.domain.follow_ups.reason`),
    on its question version's own effort groups; ``None`` if it does not."""
    group = question_of(version).group_of(response.score)
    return rules.reason(group, response.comment, callback=callback_of(response))


def _open(
    s: Session,
    response: Response,
    version: QuestionVersion,
    created: datetime,
    due: datetime,
    new: bool = False,
) -> FollowUp | None:
    # An answer this transaction inserted can have no follow-up yet: nothing to read.
    existing = None if new else store.for_response(s, response.workspace_id, response.id)
    reason = reason_for(response, version)
    if existing is not None:
        # A comment or a consent added later widens the reason; anything else (the
        # answer no longer high effort, the comment erased) leaves the follow-up as
        # it is: someone may already be on it, and the struggle did happen.
        if existing.status != "closed":
            existing.reason = rules.widened(existing.reason, reason)
            if not callback_of(response):
                _withdraw_callback(existing, created)
        return existing
    if reason is None:
        return None
    agent_id = response.agent_id
    agent = account_store.by_agent(s, response.workspace_id, agent_id) if agent_id else None
    row = FollowUp(
        id=new_id("fu"),
        workspace_id=response.workspace_id,
        response_id=response.id,
        touchpoint_id=response.touchpoint_id,
        reason=reason,
        agent_id=response.agent_id,
        assignee_id=agent.id if agent is not None else None,
        status="open",
        created_at=created,
        due_at=due,
        notify_attempts=0,
    )
    s.add(row)
    return row


def _withdraw_callback(fu: FollowUp, now: datetime) -> None:
    """The customer withdrew their consent: nobody may call them back about it.

    A follow-up that was only the call-back closes ("no call-back needed"); one
    with a comment keeps the comment as its reason.
    """
    reason = rules.without_callback(fu.reason)
    if reason is not None:
        fu.reason = reason
        return
    fu.status, fu.outcome, fu.closed_at, fu.closed_by = "closed", "not_needed", now, "customer"


def open_for_response(
    s: Session, response: Response, now: datetime, *, new: bool = False
) -> FollowUp | None:
    """The follow-up an answer calls for, opened in the caller's transaction (idempotent:
    one per answer); ``None`` when the answer needs none.

    Due ``DEFAULT_SLA_HOURS`` (48) after ``now``, the moment the answer asked for it.
    ``new``: the answer was inserted by this transaction (it has no follow-up yet).
    """
    s.flush()  # the answer's row first: the follow-up points at it
    version = s.get(QuestionVersion, response.question_version_id)
    if version is None or version.workspace_id != response.workspace_id:
        return None
    due = now + timedelta(hours=rules.DEFAULT_SLA_HOURS)
    return _open(s, response, version, now, due, new)


def backfill(
    factory: sessionmaker[Session],
    workspace_id: str,
    *,
    now: datetime | None = None,
    sla_hours: int = rules.DEFAULT_SLA_HOURS,
    notify: bool = False,
) -> int:
    """Open the follow-ups that existing answers call for; how many were opened.

    Each is dated from its answer (due ``sla_hours`` after it), so old ones are
    overdue as they would have been. Unless ``notify``, nobody is notified of
    them (a mailbox flooded with past answers helps no one): they show on the
    page as not notified.
    """
    moment = now or utcnow()
    opened = 0
    with write_session(factory) as s:
        for response, version in store.without_follow_up(s, workspace_id):
            created = min(response.responded_at, moment)
            row = _open(s, response, version, created, created + timedelta(hours=sla_hours))
            if row is None:
                continue
            if not notify:
                row.notified_at = moment  # settled without an attempt: "skipped"
            opened += 1
    return opened


# --- Reading ----------------------------------------------------------------------------


def _question_of_row(row: store.Row) -> Question | None:
    """The answer's question; ``None`` for a follow-up opened by contacts."""
    if row.scale is None or row.polarity is None or row.low_max is None or row.high_min is None:
        return None
    return rules.question(row.scale, row.polarity, row.low_max, row.high_min)


def _to_json(
    row: store.Row, viewer: CurrentUser | None, zone: ZoneInfo, now: datetime
) -> dict[str, Any]:
    fu = row.follow_up
    q = _question_of_row(row)
    when = rules.timing(fu.status, fu.due_at, fu.closed_at, now)
    sees_contact = viewer is None or viewer.sees_all or fu.assignee_id == viewer.account_id
    sees_notify = viewer is None or viewer.sees_all
    return {
        "id": fu.id,
        "touchpoint": row.touchpoint,
        "touchpoint_task": row.task,
        "touchpoint_task_names": (
            all_task_names(row.task_names, row.task) if row.task is not None else None
        ),
        "response_id": fu.response_id,
        "score": row.score,
        "scale": row.scale,
        "polarity": row.polarity,
        "effort_group": q.group_of(row.score) if q and row.score is not None else None,
        "effort_index": (
            round(q.effort_index_of(row.score), 1) if q and row.score is not None else None
        ),
        "comment": row.comment,
        "callback": (row.extra_answers or {}).get(CALLBACK_KEY) is True,
        "subject": fu.subject,
        "customer": row.customer,
        "customer_email": row.customer_email if sees_contact else None,
        "agent_id": fu.agent_id,
        "assignee_id": fu.assignee_id,
        "assignee": row.assignee_name,
        "status": fu.status,
        "outcome": fu.outcome,
        "note": fu.note,
        "reason": fu.reason,
        "responded_at": row.responded_at.astimezone(zone) if row.responded_at else None,
        "created_at": fu.created_at.astimezone(zone),
        "due_at": fu.due_at.astimezone(zone),
        "closed_at": fu.closed_at.astimezone(zone) if fu.closed_at else None,
        "overdue": when.overdue,
        "due_in_seconds": when.due_in_seconds,
        "closed_late": when.closed_late,
        "notification": (
            rules.notification_state(fu.notified_at, fu.notify_attempts, fu.notify_error)
            if sees_notify
            else None
        ),
        "notify_error": (
            fu.notify_error if sees_notify and fu.notify_error != rules.SENDING else None
        ),
    }


def _filter(
    s: Session,
    workspace_id: str,
    *,
    status: str | None,
    overdue: bool | None,
    assignee_id: str | None,
    touchpoint: str | None,
) -> store.Filter:
    statuses: tuple[str, ...] | None
    if status in (None, "", "all"):
        statuses = None
    elif status == "active":
        statuses = rules.ACTIVE
    elif status in rules.STATUSES:
        statuses = (status,)
    else:
        raise invalid(
            "status",
            N_("Unknown status %(value)s; allowed: %(allowed)s."),
            value=str(status)[:50],
            allowed=", ".join(("active", *rules.STATUSES, "all")),
        )
    return store.Filter(
        status=statuses,
        overdue=overdue,
        assignee_id=_usable("assignee", assignee_id or None),
        touchpoint_id=touchpoint_id_of(s, workspace_id, _usable("touchpoint", touchpoint or None)),
    )


def _scope(viewer: CurrentUser | None, f: store.Filter) -> store.Filter:
    if viewer is None or viewer.sees_all:
        return f
    return replace(f, assignee_id=None, owner=(viewer.account_id, viewer.agent_id))


def list_follow_ups(
    factory: sessionmaker[Session],
    workspace_id: str,
    *,
    status: str | None = None,
    overdue: bool | None = None,
    assignee_id: str | None = None,
    touchpoint: str | None = None,
    viewer: CurrentUser | None = None,
    now: datetime | None = None,
    limit: int = MAX_LIST,
) -> list[dict[str, Any]]:
    """Follow-ups, the most urgent first (then the closed ones, latest first).

    ``status``: ``open``, ``in_progress``, ``closed``, ``active`` (open or in
    progress) or ``None``/``all``; ``assignee_id``: an account id, or ``none``
    for the unassigned ones. An agent ``viewer`` gets their own only, whatever
    the filters; ``customer_email`` is shown to admins, analysts and the assignee.
    """
    moment = now or utcnow()
    with factory() as s:
        ws = workspace_in(s, workspace_id)
        f = _filter(
            s,
            workspace_id,
            status=status,
            overdue=overdue,
            assignee_id=assignee_id,
            touchpoint=touchpoint,
        )
        found = store.rows(s, workspace_id, _scope(viewer, f), moment, limit)
        zone = ZoneInfo(ws.timezone)
        pushed = helpdesk_store.tickets_of(s, workspace_id, [r.follow_up.id for r in found])
        return [
            _to_json(r, viewer, zone, moment)
            | {"helpdesk": ticket_json(pushed.get(r.follow_up.id))}
            for r in found
        ]


def get_follow_up(
    factory: sessionmaker[Session],
    workspace_id: str,
    follow_up_id: str,
    *,
    viewer: CurrentUser | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """One follow-up; a 404 when it is not in the workspace or not the agent's own."""
    moment = now or utcnow()
    if "\x00" in follow_up_id:
        raise _no_such(follow_up_id.replace("\x00", ""))
    with factory() as s:
        ws = workspace_in(s, workspace_id)
        f = _scope(viewer, store.Filter(follow_up_id=follow_up_id))
        found = store.rows(s, workspace_id, f, moment, 1)
        if not found:
            raise _no_such(follow_up_id)
        pushed = helpdesk_store.ticket(s, workspace_id, follow_up_id)
        out = _to_json(found[0], viewer, ZoneInfo(ws.timezone), moment)
        return out | {"helpdesk": ticket_json(pushed)}


def _no_such(follow_up_id: str) -> ServiceError:
    return not_found("No follow-up %(value)s in this workspace.", follow_up_id[:60])


def _usable(field: str, value: str | None) -> str | None:
    """``value``, unless it could never name anything (PostgreSQL refuses NUL characters)."""
    if value is not None and ("\x00" in value or len(value) > 200):
        raise invalid(field, N_("This is not a valid %(field)s."), field=field)
    return value


def counts(
    factory: sessionmaker[Session],
    workspace_id: str,
    now: datetime | None = None,
    *,
    viewer: CurrentUser | None = None,
) -> dict[str, int]:
    """``open`` (not closed yet), ``overdue`` and ``closed_this_week`` (since Monday 00:00,
    the workspace's time). For an agent ``viewer``, their own only."""
    moment = now or utcnow()
    with factory() as s:
        monday = rules.week_start(moment, workspace_in(s, workspace_id).timezone)
        mine = _scope(viewer, store.Filter())
        return {
            "open": store.count(s, workspace_id, replace(mine, status=rules.ACTIVE), moment),
            "overdue": store.count(s, workspace_id, replace(mine, overdue=True), moment),
            "closed_this_week": store.closed_since(s, workspace_id, mine, monday, moment),
        }


def choices(factory: sessionmaker[Session], workspace_id: str) -> dict[str, Any]:
    """What filters and forms offer: ``touchpoints`` (``{"key", "task", "task_names"}``) that have
    follow-ups, and ``assignees`` (``{"id", "name", "role", "agent_id"}``, active accounts)."""
    with factory() as s:
        return {
            "touchpoints": [
                {"key": k, "task": t, "task_names": all_task_names(n, t)}
                for k, t, n in store.touchpoints_with_follow_ups(s, workspace_id)
            ],
            "assignees": [
                {"id": a.id, "name": a.name, "role": a.role, "agent_id": a.agent_id}
                for a in account_store.in_workspace(s, workspace_id)
            ],
        }


# --- Updating ---------------------------------------------------------------------------


def _check_choice(field: str, value: str, allowed: tuple[str, ...], message: str) -> None:
    if value not in allowed:
        raise invalid(field, message, value=value[:50], allowed=", ".join(allowed))


def _assign(s: Session, fu: FollowUp, by: CurrentUser | None, assignee_id: str) -> None:
    if by is not None and not by.sees_all:
        raise ServiceError(
            "forbidden", "Only an analyst or an admin can assign a follow-up.", status=403
        )
    target: str | None = None
    if assignee_id not in ("", UNASSIGNED):
        account = account_store.by_id(s, fu.workspace_id, assignee_id)
        if account is None or account.disabled_at is not None:
            raise invalid(
                "assignee_id",
                N_("No active account %(value)s in this workspace."),
                value=assignee_id[:60],
            )
        target = account.id
    if target != fu.assignee_id and target is not None:
        # The new assignee hears of it like a new follow-up.
        fu.notified_at, fu.notify_attempts, fu.notify_error = None, 0, None
    fu.assignee_id = target


def update_follow_up(
    factory: sessionmaker[Session],
    workspace_id: str,
    follow_up_id: str,
    *,
    by: CurrentUser | None,
    status: str | None = None,
    outcome: str | None = None,
    note: str | None = None,
    assignee_id: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Change a follow-up; ``None`` leaves a field as it is (``note=""`` erases the note,
    ``assignee_id="none"`` unassigns). Closing needs an outcome; reopening clears it.

    ``by=None`` is the workspace itself (API key). An agent may only update their
    own (another's is a 404) and never assign; acting on an unassigned follow-up
    about their own answer assigns it to them.
    """
    moment = now or utcnow()
    if status is not None:
        _check_choice(
            "status", status, rules.STATUSES, N_("Unknown status %(value)s; allowed: %(allowed)s.")
        )
    if outcome is not None:
        _check_choice(
            "outcome",
            outcome,
            rules.OUTCOMES,
            N_("Unknown outcome %(value)s; allowed: %(allowed)s."),
        )
    text = None if note is None else note.replace("\x00", "").strip()
    if text is not None and len(text) > rules.MAX_NOTE:
        raise invalid(
            "note",
            N_("The note is too long: %(length)s characters, at most %(max)s."),
            length=len(text),
            max=rules.MAX_NOTE,
        )
    _usable("assignee_id", assignee_id)
    if "\x00" in follow_up_id:
        raise _no_such(follow_up_id.replace("\x00", ""))
    with write_session(factory) as s:
        workspace_in(s, workspace_id)
        fu = store.get(s, workspace_id, follow_up_id)
        own = _scope(by, store.Filter(follow_up_id=follow_up_id))
        if fu is None or not store.count(s, workspace_id, own, moment):
            raise _no_such(follow_up_id)
        target = status or fu.status
        if outcome is not None and target != "closed":
            raise invalid(
                "outcome",
                N_("An outcome goes with closing: set the status to closed as well."),
            )
        if target == "closed" and (outcome or fu.outcome) is None:
            raise invalid(
                "outcome",
                N_("Choose an outcome to close a follow-up: %(allowed)s."),
                allowed=", ".join(rules.OUTCOMES),
            )
        if assignee_id is not None:
            _assign(s, fu, by, assignee_id)
        elif by is not None and not by.sees_all and fu.assignee_id is None:
            fu.assignee_id = by.account_id
        if target == "closed":
            if fu.status != "closed":
                fu.closed_at = moment
                fu.closed_by = by.account_id if by is not None else "api"
            fu.outcome = outcome or fu.outcome
        else:
            fu.closed_at, fu.closed_by, fu.outcome = None, None, None
        fu.status = target
        if text is not None:
            fu.note = text or None
    return get_follow_up(factory, workspace_id, follow_up_id, viewer=by, now=moment)
