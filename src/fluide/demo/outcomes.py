"""What became of the demo's customers after they answered: ``churned`` and ``renewed``
events, sent like any host's events.

Churn follows the effort each answer tells, as the seeds say (high effort, more
churn) but not absurdly: each answer may make its customer leave within 90 days
with the probability of its effort group (:data:`CHURN_90`), most of them in the
first weeks; a customer leaves once (the first time drawn). Some customers who
stay renew. Seeded: the same demo every time.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from fluide.inputs.requests import EventIn, UserIn

CHURN_90: Final = {"high": 0.30, "moderate": 0.12, "low": 0.04}
"""Chance that an answer's customer leaves within 90 days, by the answer's effort group."""
RENEW: Final = 0.35
"""Chance that a customer who stays renews during the demo."""


@dataclass(frozen=True)
class Answered:
    user: UserIn
    at: datetime
    score: int


def group_of(score: int) -> str:
    """The demo's touchpoints all ask 1–7 for ease with the default groups (1–3 high)."""
    return "high" if score <= 3 else "low" if score >= 6 else "moderate"


def outcome_events(answers: Sequence[Answered], last: datetime, seed: int) -> list[EventIn]:
    """The ``churned`` and ``renewed`` events of the answers' customers up to ``last``."""
    rng = random.Random(f"{seed}-outcomes")  # noqa: S311 - reproducible demo data
    churn: dict[str, datetime] = {}
    first: dict[str, Answered] = {}
    for a in sorted(answers, key=lambda a: (a.at, a.user.id)):
        first.setdefault(a.user.id, a)
        if rng.random() < CHURN_90[group_of(a.score)]:
            at = a.at + timedelta(days=rng.triangular(1, 60, 3))
            if a.user.id not in churn or at < churn[a.user.id]:
                churn[a.user.id] = at
    out: list[tuple[datetime, str, UserIn]] = []
    for uid, a in first.items():
        if uid in churn:
            out.append((churn[uid], "churned", a.user))
        elif rng.random() < RENEW:
            span = (last - a.at).total_seconds()
            out.append((a.at + timedelta(seconds=rng.uniform(0, span)), "renewed", a.user))
    out.sort(key=lambda o: (o[0], o[2].id))
    return [
        EventIn(id=f"out-{n:05d}", type=kind, occurred_at=at, user=user)
        for n, (at, kind, user) in enumerate(out, start=1)
        if at <= last
    ]
