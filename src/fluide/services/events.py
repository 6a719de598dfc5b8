"""Events → decisions → invitations, with fatigue enforced on the server.

Each event is decided in its own write transaction, holding the user's lock,
so concurrent events for one user are decided one after the other and can
never both invite. The same event id twice is a ``duplicate`` and creates
nothing, even when both copies arrive at the same moment (unique key).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from fluide.api.schemas import EventIn
from fluide.domain.fatigue import Decision, EventFacts, TouchpointRule, Trigger, UserHistory, decide
from fluide.domain.json_limits import JsonLimitError, check_json_object
from fluide.i18n import lang_of
from fluide.jobs import deliveries
from fluide.services import tokens
from fluide.services.errors import ServiceError, invalid
from fluide.settings import Settings
from fluide.storage import repo
from fluide.storage.db import write_session
from fluide.storage.models import EndUser, Event, Invitation, Touchpoint, Workspace
from fluide.storage.types import new_id, utcnow

MAX_CLOCK_SKEW = timedelta(hours=1)
SNAPSHOT_KEYS = ("agent_id", "ticket_id")
"""Properties kept on the invitation: the answer is attributed to this agent and ticket."""
Source = Literal["api", "browser"]
Guard = Callable[[Session, EndUser, datetime], None]


def _rule(tp: Touchpoint) -> TouchpointRule:
    return TouchpointRule(
        key=tp.key,
        triggers=tuple(Trigger(t["event"], t.get("outcome")) for t in tp.triggers),
        sampling=tp.sampling,
        cooldown_days=tp.cooldown_days,
        expires_after_hours=tp.expires_after_hours,
        active=tp.active,
    )


def invitation_json(inv: Invitation, settings: Settings) -> dict[str, Any]:
    return {
        "id": inv.id,
        "url": f"{settings.public_url}/s/{tokens.sign(settings.secret, inv.id)}",
        "channel": inv.channel,
        "expires_at": inv.expires_at.isoformat(),
    }


def _refresh_user(user: EndUser, e: EventIn) -> None:
    if e.user.email:
        user.email = e.user.email
    if e.user.locale:
        user.locale = e.user.locale
    if e.user.attributes:
        merged = {**(user.attributes or {}), **e.user.attributes}
        try:
            # A user's attributes add up event after event: the limits hold for the sum.
            check_json_object(merged, "user.attributes")
        except JsonLimitError as exc:
            raise invalid("user.attributes", exc.message, **exc.params) from None
        user.attributes = merged


def _decide_one(
    s: Session,
    ws: Workspace,
    e: EventIn,
    settings: Settings,
    now: datetime,
    source: Source,
    guard: Guard | None,
) -> dict[str, Any]:
    if repo.event_by_external_id(s, ws.id, e.id) is not None:
        return {"event_id": e.id, "decision": Decision.DUPLICATE.value, "invitation": None}
    user = repo.locked_user(s, ws.id, e.user.id)
    if guard is not None:  # under the user's lock: concurrent events are counted in turn
        guard(s, user, now)
    _refresh_user(user, e)
    last, per_touchpoint = repo.last_invitations(s, ws.id, user.id)
    active = repo.touchpoints(s, ws.id, active_only=True)
    outcome = decide(
        EventFacts(e.id, e.type, e.outcome, e.occurred_at),
        [_rule(tp) for tp in active],
        UserHistory(user.opted_out_at is not None, last, per_touchpoint),
        now=now,
        fatigue_days=ws.fatigue_days,
    )
    tp = next((t for t in active if t.key == outcome.touchpoint), None)
    event = Event(
        id=new_id("evt"),
        workspace_id=ws.id,
        external_id=e.id,
        type=e.type,
        occurred_at=e.occurred_at,
        received_at=now,
        user_id=user.id,
        outcome=outcome.outcome or e.outcome,
        properties=e.properties,
        user_attributes=dict(user.attributes or {}),
        decision=outcome.decision,
        reason=outcome.reason,
        touchpoint_id=tp.id if tp else None,
        source=source,
    )
    repo.add(s, event)
    result: dict[str, Any] = {
        "event_id": e.id,
        "decision": str(outcome.decision),
        "invitation": None,
        "touchpoint": outcome.touchpoint,
        "reason": outcome.reason,
    }
    if outcome.decision != Decision.INVITED or tp is None or tp.current_version_id is None:
        return result
    channel = e.channel if e.channel in tp.channels else tp.channels[0]
    # Attribution is the host server's word only, whatever a browser put in its properties.
    snapshot = SNAPSHOT_KEYS if source == "api" else ()
    inv = Invitation(
        id=new_id("inv"),
        workspace_id=ws.id,
        touchpoint_id=tp.id,
        question_version_id=tp.current_version_id,
        user_id=user.id,
        event_id=event.id,
        channel=channel,
        outcome=outcome.outcome,
        occurred_at=e.occurred_at,
        created_at=now,
        expires_at=outcome.expires_at or now,
        locale=lang_of(user.locale),
        context={
            "attributes": dict(user.attributes or {}),
            "properties": e.properties,
            **{k: str(e.properties[k]) for k in snapshot if e.properties.get(k) is not None},
        },
    )
    repo.add(s, inv)
    event.invitation_id = inv.id
    user.last_invited_at = now
    delivery = deliveries.enqueue(s, inv)  # same transaction: no invitation without its send
    result["invitation"] = invitation_json(inv, settings)
    if delivery is not None:
        result["_delivery"] = delivery.id
    return result


def record_events(
    factory: sessionmaker[Session],
    ws: Workspace,
    events: list[EventIn],
    settings: Settings,
    now: datetime | None = None,
    dispatch: Callable[[list[str]], None] | None = None,
    *,
    source: Source = "api",
    guard: Guard | None = None,
) -> list[dict[str, Any]]:
    """The decision for each event, in order; each event commits on its own.

    ``dispatch`` is told the deliveries to send once they are committed (it
    wakes the worker; a missed wake-up only delays: workers also poll).
    ``source`` is stored on each event (``browser`` for the widget's);
    ``guard`` runs under the user's lock before the decision and may refuse
    the event (a :class:`ServiceError`: nothing of it is stored).
    """
    out = []
    to_send: list[str] = []
    for e in events:
        moment = now or utcnow()
        if e.occurred_at - moment > MAX_CLOCK_SKEW:
            raise ServiceError(
                "event_in_future",
                "Event %(id)s happened at %(at)s, in the future: check the sender's clock.",
                id=e.id,
                at=e.occurred_at.isoformat(),
            )
        try:
            with write_session(factory) as s:
                decided = _decide_one(s, ws, e, settings, moment, source, guard)
        except IntegrityError:
            # The same event id committed by a concurrent request in between.
            decided = {"event_id": e.id, "decision": Decision.DUPLICATE.value, "invitation": None}
        if "_delivery" in decided:
            to_send.append(decided.pop("_delivery"))
        out.append(decided)
    if to_send and dispatch is not None:
        dispatch(to_send)
    return out


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
