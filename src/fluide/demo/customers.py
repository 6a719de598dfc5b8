"""The demo's customers: new and established, mostly French, on three plans."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
NEW_DAYS = 90
"""A customer is *new* for this many days after ``customer_since``."""

PLANS = {"starter": 0.50, "pro": 0.35, "entreprise": 0.15}
PRICES = {"starter": 29.0, "pro": 79.0, "entreprise": 249.0}
NEW_SHARE = 0.22  # customers who sign up during the window
ENGLISH_SHARE = 0.10

# Office hours in Paris: morning and afternoon peaks, a lunch dip, quiet nights.
HOUR_WEIGHTS = (
    0.2, 0.1, 0.05, 0.05, 0.05, 0.1, 0.4, 1.2, 3.0, 5.0, 5.5, 5.0,
    3.2, 3.6, 5.0, 5.2, 4.8, 4.0, 2.8, 2.0, 1.8, 1.5, 1.0, 0.5,
)  # fmt: skip
DAY_WEIGHTS = (1.0, 1.05, 1.0, 1.0, 0.9, 0.3, 0.2)  # Monday .. Sunday


@dataclass(frozen=True)
class Window:
    """The demo's twelve weeks, and the day the payment fix shipped."""

    start: datetime
    end: datetime
    fix_at: datetime

    @classmethod
    def ending(cls, end: datetime, weeks: int, fix_weeks_before_end: int = 4) -> Window:
        """The window; the fix ships on the first Monday from ``fix_weeks_before_end`` weeks
        before the end."""
        day = (end - timedelta(weeks=fix_weeks_before_end)).astimezone(PARIS).date()
        day += timedelta(days=-day.weekday() % 7)
        return cls(end - timedelta(weeks=weeks), end, datetime.combine(day, time(), PARIS))

    @property
    def has_fix(self) -> bool:
        return self.start < self.fix_at < self.end


@dataclass(frozen=True)
class Customer:
    id: str
    email: str
    locale: str
    plan: str
    since: date
    signup: datetime | None
    """When a new customer signed up, inside the window; ``None`` for established ones."""

    def is_new(self, at: datetime) -> bool:
        return (at.astimezone(PARIS).date() - self.since).days < NEW_DAYS

    def payload(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "email": self.email,
            "locale": self.locale,
            "attributes": {"customer_since": self.since.isoformat(), "plan": self.plan},
        }


def weighted(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def office_time(rng: random.Random, day: date) -> datetime:
    """A moment of ``day`` in Paris, weighted toward office hours."""
    hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
    return datetime.combine(day, time(hour, rng.randrange(60), rng.randrange(60)), PARIS)


def some_moment(rng: random.Random, start: datetime, end: datetime) -> datetime:
    """A moment between ``start`` and ``end``: busier on weekdays and office hours."""
    if end <= start:
        return end
    first, last = start.astimezone(PARIS).date(), end.astimezone(PARIS).date()
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    for _ in range(20):
        day = rng.choices(days, weights=[DAY_WEIGHTS[d.weekday()] for d in days])[0]
        moment = office_time(rng, day)
        if start <= moment <= end:
            return moment
    return start + (end - start) * rng.random()


def make_customers(rng: random.Random, window: Window, count: int) -> list[Customer]:
    out = []
    for n in range(1, count + 1):
        signup = None
        if rng.random() < NEW_SHARE:
            signup = some_moment(rng, window.start, window.end - timedelta(days=2))
            since = signup.date()
        else:
            # Established: from a few weeks to several years before the window.
            days = 20 + int(rng.lognormvariate(math.log(420), 0.8))
            since = window.start.astimezone(PARIS).date() - timedelta(days=days)
        out.append(
            Customer(
                id=f"u-{n:04d}",
                email=f"client{n:04d}@example.com",
                locale="en" if rng.random() < ENGLISH_SHARE else "fr",
                plan=weighted(rng, PLANS),
                since=since,
                signup=signup,
            )
        )
    return out
