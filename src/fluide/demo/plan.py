"""The demo's events, in the order the host sends them, with the answer each would get.

>>> from datetime import UTC, datetime
>>> p = plan(datetime(2026, 10, 25, 18, tzinfo=UTC), weeks=2, customers=20, seed=1)
>>> p == plan(datetime(2026, 10, 25, 18, tzinfo=UTC), weeks=2, customers=20, seed=1)
True
>>> all(a.sent_at <= b.sent_at for a, b in zip(p.events, p.events[1:]))
True
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from fluide.demo.activity import Action, customer_actions, story_actions
from fluide.demo.customers import Customer, Window, make_customers
from fluide.inputs.requests import EventIn, UserIn

LATE_WEBHOOK = 0.006  # sent a day late: too late to ask
RESENT = 0.012  # sent twice by a retrying host: the second is a duplicate
SETTLE = timedelta(minutes=10)  # nothing is sent in the last minutes before the end


@dataclass(frozen=True)
class Planned:
    """An event as the host sends it, and what its customer would answer if asked."""

    sent_at: datetime
    event: EventIn
    action: Action
    locale: str


@dataclass(frozen=True)
class Plan:
    window: Window
    customers: int
    events: list[Planned]


def plan(end: datetime, *, weeks: int = 12, customers: int = 600, seed: int = 14) -> Plan:
    """Every event of ``customers`` customers over ``weeks`` weeks ending at ``end``."""
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not security
    window = Window.ending(end, weeks)
    last = end - SETTLE
    people = make_customers(rng, window, customers)
    acts: list[tuple[Action, Customer]] = [
        (a, c) for c in people for a in customer_actions(rng, c, window) if a.at <= last
    ]
    acts += [(a, c) for a, c in story_actions(rng, people, window) if a.at <= last]
    acts.sort(key=lambda ac: (ac[0].at, ac[1].id))
    out: list[Planned] = []
    for n, (action, customer) in enumerate(acts, start=1):
        event = EventIn(
            id=f"evt-{n:06d}",
            type=action.type,
            occurred_at=action.at,
            user=UserIn.model_validate(customer.payload()),
            channel=action.channel,  # type: ignore[arg-type]
            properties=action.properties,
        )
        sent_at = action.at + timedelta(seconds=rng.uniform(1, 90))
        if action.reported_with is not None:  # after the outcome it came with (sent ≤ 90 s)
            sent_at = action.reported_with + timedelta(seconds=rng.uniform(91, 120))
        if rng.random() < LATE_WEBHOOK:
            sent_at = action.at + timedelta(hours=rng.uniform(26, 40))
        if sent_at <= last:
            out.append(Planned(sent_at, event, action, customer.locale))
        if rng.random() < RESENT:
            again = sent_at + timedelta(seconds=rng.uniform(20, 300))
            if again <= last:
                out.append(Planned(again, event, action, customer.locale))
    out.sort(key=lambda p: p.sent_at)
    return Plan(window, customers, out)
