"""The login throttle's rule: a few attempts per window from the first, then a pause."""

from __future__ import annotations

import doctest
from datetime import UTC, datetime, timedelta

from fluide.domain import throttle
from fluide.domain.throttle import LOGIN, ThrottleRule

START = datetime(2026, 11, 23, 9, tzinfo=UTC)


def test_doctest() -> None:
    assert doctest.testmod(throttle).failed == 0


def test_the_dashboard_allows_five_attempts_in_fifteen_minutes() -> None:
    assert (LOGIN.max_attempts, LOGIN.window) == (5, timedelta(minutes=15))


def test_attempts_up_to_the_limit_never_wait() -> None:
    rule = ThrottleRule(max_attempts=3)
    assert all(rule.wait(START, n, START + timedelta(minutes=2)) == timedelta(0) for n in (1, 2, 3))


def test_the_pause_lasts_until_the_window_from_the_first_attempt_ends() -> None:
    rule = ThrottleRule(max_attempts=2, window=timedelta(minutes=15))
    assert rule.wait(START, 3, START + timedelta(minutes=6)) == timedelta(minutes=9)
    assert rule.wait(START, 40, START + timedelta(minutes=14, seconds=59)) == timedelta(seconds=1)
    assert rule.wait(START, 40, START + timedelta(minutes=15)) == timedelta(0)


def test_cutoff_is_one_window_back() -> None:
    assert LOGIN.cutoff(START) == START - timedelta(minutes=15)
