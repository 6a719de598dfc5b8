"""Slowing down password guessing: a few failed logins, then a pause.

Pure: the caller keeps a :class:`Throttle` and passes the time.

>>> from datetime import datetime, timedelta, UTC
>>> t = Throttle(max_failures=2, window=timedelta(minutes=15))
>>> now = datetime(2026, 11, 23, 9, tzinfo=UTC)
>>> t.failed("ana@example.com|127.0.0.1", now); t.failed("ana@example.com|127.0.0.1", now)
>>> t.wait("ana@example.com|127.0.0.1", now + timedelta(minutes=1))
datetime.timedelta(seconds=840)
>>> t.wait("ana@example.com|127.0.0.1", now + timedelta(minutes=15))
datetime.timedelta(0)
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass
class Throttle:
    """At most ``max_failures`` failed attempts per key in any ``window``."""

    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)
    max_keys: int = 10_000
    _failures: dict[str, deque[datetime]] = field(default_factory=dict)

    def _recent(self, key: str, now: datetime) -> deque[datetime]:
        times = self._failures.get(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            self._failures.pop(key, None)
        return times

    def wait(self, key: str, now: datetime) -> timedelta:
        """How long ``key`` must wait before its next attempt (zero: it may try now)."""
        times = self._recent(key, now)
        if len(times) < self.max_failures:
            return timedelta(0)
        return times[-self.max_failures] + self.window - now

    def failed(self, key: str, now: datetime) -> None:
        if len(self._failures) >= self.max_keys:  # a flood of keys must not grow memory
            for old in list(self._failures):
                self._recent(old, now)
        times = self._recent(key, now)
        times.append(now)
        self._failures[key] = times

    def succeeded(self, key: str) -> None:
        self._failures.pop(key, None)
