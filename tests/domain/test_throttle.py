"""Failed-login throttle: a pause after too many failures, per key, then a fresh start."""

from __future__ import annotations

import doctest
from datetime import UTC, datetime, timedelta

from fluide.domain import throttle
from fluide.domain.throttle import Throttle

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)


def test_doctest() -> None:
    assert doctest.testmod(throttle).failed == 0


def test_failures_under_the_limit_never_make_anyone_wait() -> None:
    t = Throttle(max_failures=3)
    t.failed("a", NOW)
    t.failed("a", NOW + timedelta(minutes=1))
    assert t.wait("a", NOW + timedelta(minutes=2)) == timedelta(0)


def test_the_pause_ends_a_window_after_the_oldest_counted_failure() -> None:
    t = Throttle(max_failures=2, window=timedelta(minutes=15))
    t.failed("a", NOW)
    t.failed("a", NOW + timedelta(minutes=5))
    assert t.wait("a", NOW + timedelta(minutes=6)) == timedelta(minutes=9)
    assert t.wait("a", NOW + timedelta(minutes=15)) == timedelta(0)


def test_keys_are_independent_and_a_success_forgets_the_failures() -> None:
    t = Throttle(max_failures=1)
    t.failed("a", NOW)
    assert t.wait("b", NOW) == timedelta(0)
    t.succeeded("a")
    assert t.wait("a", NOW) == timedelta(0)


def test_a_flood_of_keys_is_pruned_once_their_window_is_over() -> None:
    t = Throttle(max_failures=1, window=timedelta(minutes=1), max_keys=10)
    for i in range(10):
        t.failed(f"k{i}", NOW)
    t.failed("late", NOW + timedelta(minutes=2))
    assert t.wait("late", NOW + timedelta(minutes=2)) > timedelta(0)
    assert len(t._failures) == 1
