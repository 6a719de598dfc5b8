"""Who gets asked, and why not: the invitation decision for one event.

The seeds: ask right after the action ("à chaud", not two days later), on key
actions only, and never too often (at most one CES per user per 14 days).
The decision is a pure function of the event, the touchpoints it triggers,
and the user's invitation history; storage only gathers those facts.

Checks run in this order, and the first that applies is the answer:
``opted_out`` → ``no_trigger`` → ``too_late`` → ``cooldown`` (this touchpoint
asked this user recently) → ``fatigue`` (any touchpoint did) →
``sampled_out`` → ``invited``. (``duplicate`` is decided before, by storage.)

>>> t = TouchpointRule("payer", (Trigger("payment_failed", "failure"),))
>>> now = datetime(2026, 8, 3, 12, tzinfo=UTC)
>>> e = EventFacts("evt-1", "payment_failed", None, now - timedelta(minutes=5))
>>> str(decide(e, [t], UserHistory(), now=now).decision)
'invited'
>>> str(decide(e, [t], UserHistory(last_invited_at=now - timedelta(days=3)), now=now).decision)
'fatigue'
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum

DEFAULT_FATIGUE_DAYS = 14


class Decision(StrEnum):
    INVITED = "invited"
    FATIGUE = "fatigue"
    COOLDOWN = "cooldown"
    SAMPLED_OUT = "sampled_out"
    NO_TRIGGER = "no_trigger"
    DUPLICATE = "duplicate"
    TOO_LATE = "too_late"
    OPTED_OUT = "opted_out"


@dataclass(frozen=True)
class Trigger:
    """An event type that asks a touchpoint's question.

    ``outcome`` is the outcome the event stands for (``payment_failed`` →
    ``failure``); an event's own outcome wins over it. A trigger without one
    stands for a success: triggers mark the end of an action.
    """

    event: str
    outcome: str | None = None


@dataclass(frozen=True)
class TouchpointRule:
    key: str
    triggers: tuple[Trigger, ...]
    sampling: float = 1.0
    cooldown_days: float = DEFAULT_FATIGUE_DAYS
    expires_after_hours: float = 24.0
    active: bool = True

    def trigger_for(self, event_type: str) -> Trigger | None:
        return next((t for t in self.triggers if t.event == event_type), None)


@dataclass(frozen=True)
class EventFacts:
    id: str
    type: str
    outcome: str | None
    occurred_at: datetime


@dataclass(frozen=True)
class UserHistory:
    """What the user was already asked (any channel, any device)."""

    opted_out: bool = False
    last_invited_at: datetime | None = None
    last_invited_by_touchpoint: Mapping[str, datetime] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    decision: str
    touchpoint: str | None = None
    outcome: str | None = None  # the action's outcome, for the invitation
    expires_at: datetime | None = None
    reason: dict[str, object] = field(default_factory=dict)


def sampled_in(event_id: str, touchpoint: str, rate: float) -> bool:
    """A deterministic draw: the same event always gets the same answer.

    >>> sampled_in("evt-1", "payer", 1.0), sampled_in("evt-1", "payer", 0.0)
    (True, False)
    """
    if rate >= 1.0:
        return True
    if rate <= 0.0:
        return False
    digest = hashlib.sha256(f"{touchpoint}\x00{event_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < rate


def decide(
    event: EventFacts,
    touchpoints: Sequence[TouchpointRule],
    history: UserHistory,
    *,
    now: datetime,
    fatigue_days: float = DEFAULT_FATIGUE_DAYS,
) -> Outcome:
    """The decision for ``event``: the first triggered touchpoint that may ask, or why none may."""
    if history.opted_out:
        return Outcome(Decision.OPTED_OUT)
    matched = [(t, trig) for t in touchpoints if t.active and (trig := t.trigger_for(event.type))]
    if not matched:
        return Outcome(Decision.NO_TRIGGER, reason={"event_type": event.type})
    first: Outcome | None = None
    for tp, trig in matched:
        outcome = event.outcome or trig.outcome or "success"
        result = _check(event, tp, outcome, history, now, fatigue_days)
        if result.decision == Decision.INVITED:
            return result
        first = first or result
    assert first is not None
    return first


def _check(
    event: EventFacts,
    tp: TouchpointRule,
    outcome: str,
    history: UserHistory,
    now: datetime,
    fatigue_days: float,
) -> Outcome:
    expires_at = event.occurred_at + timedelta(hours=tp.expires_after_hours)
    if expires_at <= now:
        return Outcome(
            Decision.TOO_LATE,
            tp.key,
            outcome,
            reason={
                "occurred_at": event.occurred_at.isoformat(),
                "expires_after_hours": tp.expires_after_hours,
            },
        )
    last_here = history.last_invited_by_touchpoint.get(tp.key)
    if last_here is not None and now - last_here < timedelta(days=tp.cooldown_days):
        return Outcome(
            Decision.COOLDOWN,
            tp.key,
            outcome,
            reason={"last_invited_at": last_here.isoformat(), "cooldown_days": tp.cooldown_days},
        )
    last = history.last_invited_at
    if last is not None and now - last < timedelta(days=fatigue_days):
        return Outcome(
            Decision.FATIGUE,
            tp.key,
            outcome,
            reason={"last_invited_at": last.isoformat(), "fatigue_days": fatigue_days},
        )
    if not sampled_in(event.id, tp.key, tp.sampling):
        return Outcome(Decision.SAMPLED_OUT, tp.key, outcome, reason={"sampling": tp.sampling})
    return Outcome(Decision.INVITED, tp.key, outcome, expires_at=expires_at)


def as_utc(moment: datetime) -> datetime:
    """An aware UTC datetime; naive values are taken as UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
