"""Slowing down password guessing: a few attempts per window, then a pause.

Pure: the rule and its arithmetic. The count itself lives in the database
(``login_throttles``, see :mod:`fluide.services.login_throttle`) so that every
server process shares it. A window starts at the first attempt of a key and
lasts ``window``; an attempt is counted *before* the password is checked, so
``max_attempts`` is also the most password checks a key gets per window.

>>> from datetime import datetime, timedelta, UTC
>>> rule = ThrottleRule(max_attempts=2, window=timedelta(minutes=15))
>>> start = datetime(2026, 11, 23, 9, tzinfo=UTC)
>>> rule.wait(start, 2, start + timedelta(minutes=1))
datetime.timedelta(0)
>>> rule.wait(start, 3, start + timedelta(minutes=1))
datetime.timedelta(seconds=840)
>>> rule.wait(start, 3, start + timedelta(minutes=15))
datetime.timedelta(0)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class ThrottleRule:
    """At most ``max_attempts`` attempts per key in a ``window`` from its first one."""

    max_attempts: int = 5
    window: timedelta = timedelta(minutes=15)

    def cutoff(self, now: datetime) -> datetime:
        """Windows that started at or before this moment are over."""
        return now - self.window

    def wait(self, window_start: datetime, attempts: int, now: datetime) -> timedelta:
        """How long before the next attempt is allowed, given the count *including* this one."""
        if attempts <= self.max_attempts or window_start <= self.cutoff(now):
            return timedelta(0)
        return window_start + self.window - now


LOGIN: ThrottleRule = ThrottleRule()
"""The dashboard's rule: five attempts per e-mail and address in 15 minutes."""


SSO_START: ThrottleRule = ThrottleRule(max_attempts=20, window=timedelta(minutes=1))
"""Single sign-on starts: twenty per client address a minute (each one may fetch from the
identity provider and seals a sign-in in progress)."""
