"""Events → decisions → invitations, with fatigue enforced on the server.

A request's events (one, or a batch) are decided in one write transaction
(:mod:`fluide.services.decide_batch`), holding the locks of all their users,
so concurrent requests for one user are decided one after the other and can
never both invite. The same event id twice is a ``duplicate`` and creates
nothing, even when both copies arrive at the same moment (unique key: the
loser's transaction is redone and finds the id stored). A request is refused
whole or stored whole: an event in the future, or a refusal of ``guard``,
stores nothing of it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from fluide.services.decide_batch import (
    SNAPSHOT_KEYS,
    Guard,
    Source,
    WorkspaceRules,
    decide_batch,
    link_json,
)
from fluide.services.errors import ServiceError
from fluide.services.event_groups import GroupCommit, Job
from fluide.services.event_input import EventInput
from fluide.settings import Settings
from fluide.storage import repo
from fluide.storage.db import write_session
from fluide.storage.models import Invitation
from fluide.storage.types import utcnow

__all__ = [
    "SNAPSHOT_KEYS",
    "Guard",
    "Source",
    "group_commit",
    "history",
    "invitation_json",
    "record_events",
    "record_events_async",
]

MAX_CLOCK_SKEW = timedelta(hours=1)
ATTEMPTS: Final = 3
"""Transactions a request may take: a concurrent request storing one of its event ids
(or, on PostgreSQL, a deadlock the server broke) makes it start again."""
DEADLOCK: Final = "40P01"


def invitation_json(inv: Invitation, settings: Settings) -> dict[str, Any]:
    return link_json(inv.id, inv.channel, inv.expires_at, settings)


def _check_times(events: Sequence[EventInput], moments: Sequence[datetime]) -> None:
    for e, moment in zip(events, moments, strict=True):
        if e.occurred_at - moment > MAX_CLOCK_SKEW:
            raise ServiceError(
                "event_in_future",
                "Event %(id)s happened at %(at)s, in the future: check the sender's clock.",
                id=e.id,
                at=e.occurred_at.isoformat(),
            )


def _redo(exc: DBAPIError) -> bool:
    """Whether a fresh transaction may succeed where this one failed."""
    return isinstance(exc, IntegrityError) or getattr(exc.orig, "sqlstate", None) == DEADLOCK


def record_events(
    factory: sessionmaker[Session],
    ws: WorkspaceRules,
    events: Sequence[EventInput],
    settings: Settings,
    now: datetime | None = None,
    dispatch: Callable[[list[str]], None] | None = None,
    *,
    source: Source = "api",
    guard: Guard | None = None,
    groups: GroupCommit | None = None,
) -> list[dict[str, Any]]:
    """The decision for each event, in order, all committed together.

    ``dispatch`` is told the deliveries to send once they are committed (it
    wakes the worker; a missed wake-up only delays: workers also poll).
    ``source`` is stored on each event (``browser`` for the widget's);
    ``guard`` runs under the user's lock before each decision and may refuse
    the event (a :class:`ServiceError`: nothing of the request is stored).
    With ``groups`` (the server's :func:`group_commit`), the request may be
    decided in one transaction with others arriving at the same moment
    (a request with a ``guard`` is always decided alone); ``dispatch`` is then
    the group's.
    """
    moments = [now or utcnow() for _ in events]
    _check_times(events, moments)
    if groups is not None and guard is None:
        return groups.submit(Job(ws, events, moments, source))
    out, to_send = _alone(factory, ws, events, moments, settings, source, guard)
    if to_send and dispatch is not None:
        dispatch(to_send)
    return out


async def record_events_async(
    ws: WorkspaceRules,
    events: Sequence[EventInput],
    groups: GroupCommit,
    source: Source = "api",
) -> list[dict[str, Any]]:
    """:func:`record_events` for an ``async`` route: awaits the group commit on the
    event loop, taking no thread of the pool while the events wait and are written."""
    moments = [utcnow() for _ in events]
    _check_times(events, moments)
    return await groups.submit_async(Job(ws, events, moments, source))


def group_commit(
    factory: sessionmaker[Session],
    settings: Settings,
    dispatch: Callable[[list[str]], None] | None,
) -> GroupCommit:
    """The group commit of one server process (see :mod:`fluide.services.event_groups`)."""

    def solo(job: Job) -> tuple[list[dict[str, Any]], list[str]]:
        return _alone(factory, job.ws, job.events, job.moments, settings, job.source, None)

    return GroupCommit(factory, settings, solo, dispatch)


def _alone(
    factory: sessionmaker[Session],
    ws: WorkspaceRules,
    events: Sequence[EventInput],
    moments: Sequence[datetime],
    settings: Settings,
    source: Source,
    guard: Guard | None,
) -> tuple[list[dict[str, Any]], list[str]]:
    """One request in a transaction of its own, started again after a collision."""
    for _ in range(ATTEMPTS):
        try:
            with write_session(factory) as s:
                return decide_batch(s, ws, events, moments, settings, source, guard)
        except DBAPIError as exc:
            if not _redo(exc):
                raise
    raise ServiceError(
        "events_conflict",
        "Other requests were storing the same events at the same moment: send "
        "the request again (events already stored will be answered duplicate).",
        status=409,
    )


def history(s: Session, ws: str, external_id: str, settings: Settings) -> dict[str, Any]:
    """Every event of a user, its decision and invitation: why was this customer (not) asked?"""
    user = repo.user_by_external_id(s, ws, external_id)
    if user is None:
        from fluide.services.errors import not_found

        raise not_found("No user %(value)s in this workspace.", external_id)
    events, invitations, responses = repo.user_history(s, ws, user.id)
    keys = repo.touchpoint_keys(s, ws, [e.touchpoint_id for e in events if e.touchpoint_id])
    items = []
    for ev in events:
        inv = invitations.get(ev.invitation_id or "")
        resp = responses.get(inv.id) if inv else None
        items.append(
            {
                "event_id": ev.external_id,
                "type": ev.type,
                "occurred_at": ev.occurred_at.isoformat(),
                "received_at": ev.received_at.isoformat(),
                "outcome": ev.outcome,
                "decision": ev.decision,
                "reason": ev.reason,
                "touchpoint": keys.get(ev.touchpoint_id or ""),
                "invitation": invitation_json(inv, settings) if inv else None,
                "response": None
                if resp is None
                else {
                    "score": resp.score,
                    "comment": resp.comment,
                    "responded_at": resp.responded_at.isoformat(),
                },
            }
        )
    return {
        "user": {
            "id": user.external_id,
            "email": user.email,
            "locale": user.locale,
            "attributes": user.attributes,
            "opted_out": user.opted_out_at is not None,
            "last_invited_at": user.last_invited_at.isoformat() if user.last_invited_at else None,
        },
        "events": items,
    }
