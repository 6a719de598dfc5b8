"""Attempts and time on task: the rules of fluide.domain.attempts, checked by hand."""

from __future__ import annotations

import doctest
from datetime import UTC, datetime, timedelta

import pytest

from fluide.domain import attempts
from fluide.domain.attempts import (
    AttemptEvent,
    Kind,
    ces_by_attempts,
    event_types,
    kind_of,
    read_amount,
    summarize_tasks,
    tasks_of,
)
from fluide.domain.scales import SCALES, Polarity, Question

T0 = datetime(2026, 9, 1, 10, tzinfo=UTC)
LATER = T0 + timedelta(days=5)
F, S, START = Kind.FAILURE, Kind.SUCCESS, Kind.START


def ev(i: str, minutes: float, kind: Kind, user: str = "u", **props: float) -> AttemptEvent:
    return AttemptEvent(i, user, T0 + timedelta(minutes=minutes), kind, **props)


def shape(events: list[AttemptEvent], as_of: datetime = LATER) -> list[tuple[str, str, int]]:
    return [(t.user, t.status, t.attempts) for t in tasks_of(events, as_of=as_of)]


def test_doctests() -> None:
    assert doctest.testmod(attempts).failed == 0


def test_two_failures_then_a_success_is_one_task_of_three_attempts() -> None:
    assert shape([ev("a", 0, F), ev("b", 5, F), ev("c", 6, S)]) == [("u", "succeeded", 3)]


def test_a_success_alone_is_one_attempt() -> None:
    assert shape([ev("a", 0, S)]) == [("u", "succeeded", 1)]


def test_failures_only_are_abandoned_after_a_day_and_in_progress_before() -> None:
    events = [ev("a", 0, F), ev("b", 10, F)]
    assert shape(events) == [("u", "abandoned", 2)]
    assert shape(events, as_of=T0 + timedelta(hours=20)) == [("u", "in_progress", 2)]
    # Exactly 24 h after the last failure: still in progress (the pause must be longer).
    assert shape(events, as_of=T0 + timedelta(minutes=10, hours=24)) == [("u", "in_progress", 2)]


def test_one_user_has_two_tasks_after_a_success_or_a_long_pause() -> None:
    events = [
        ev("a", 0, F),
        ev("b", 1, S),  # task 1: 2 attempts
        ev("c", 2, S),  # task 2: 1 attempt (a success ends a task)
        ev("d", 3, F),  # task 3: abandoned, the next event is more than 24 h later
        ev("e", 3 + 24 * 60 + 1, F),
        ev("f", 3 + 24 * 60 + 2, S),  # task 4: 2 attempts
    ]
    assert shape(events) == [
        ("u", "succeeded", 2),
        ("u", "succeeded", 1),
        ("u", "abandoned", 1),
        ("u", "succeeded", 2),
    ]


def test_a_pause_of_exactly_a_day_keeps_the_task_open() -> None:
    assert shape([ev("a", 0, F), ev("b", 24 * 60, S)]) == [("u", "succeeded", 2)]


def test_users_are_never_mixed_and_input_order_does_not_matter() -> None:
    events = [ev("b1", 1, S, "b"), ev("a1", 0, F, "a"), ev("b0", 0, F, "b"), ev("a2", 2, S, "a")]
    assert shape(events) == [("a", "succeeded", 2), ("b", "succeeded", 2)]


def test_at_the_same_instant_a_start_then_a_failure_come_before_the_success() -> None:
    events = [ev("s", 0, S, duration_s=5.0), ev("f", 0, F), ev("st", 0, START)]
    (task,) = tasks_of(events, as_of=LATER)
    assert (task.status, task.attempts, task.events) == ("succeeded", 2, ("st", "f", "s"))


def test_time_on_task_runs_from_the_first_start_to_the_success() -> None:
    events = [ev("a", 0, START), ev("b", 2, F), ev("c", 3, START), ev("d", 7, S)]
    (task,) = tasks_of(events, as_of=LATER)
    assert (task.attempts, task.seconds) == (2, 7 * 60)


def test_duration_sent_with_the_success_wins_over_the_start() -> None:
    (task,) = tasks_of([ev("a", 0, START), ev("b", 7, S, duration_s=42.5)], as_of=LATER)
    assert task.seconds == 42.5


def test_no_start_and_no_duration_leaves_the_time_unknown() -> None:
    (task,) = tasks_of([ev("a", 0, F, duration_s=9.0), ev("b", 1, S)], as_of=LATER)
    assert task.seconds is None  # the failure's own duration is not the task's


def test_fields_requested_is_the_latest_value_sent_in_the_task() -> None:
    events = [ev("a", 0, F, fields_requested=8.0), ev("b", 1, F, fields_requested=5.0)]
    events.append(ev("c", 2, S))
    (task,) = tasks_of(events, as_of=LATER)
    assert task.fields_requested == 5.0


def test_summary_counts_buckets_spreads_and_who_never_succeeded() -> None:
    events = [
        # u1: 1 attempt, 60 s, 4 fields
        ev("1a", 0, S, "u1", duration_s=60.0, fields_requested=4.0),
        # u2: 2 attempts, 120 s
        ev("2a", 0, START, "u2"),
        ev("2b", 1, F, "u2"),
        ev("2c", 2, S, "u2"),
        # u3: 4 attempts, 6 fields
        *[ev(f"3{i}", i, F, "u3") for i in range(3)],
        ev("3z", 3, S, "u3", fields_requested=6.0),
        # u4: abandoned twice, never succeeded; u5: abandoned, then succeeded
        ev("4a", 0, F, "u4"),
        ev("4b", 2 * 24 * 60, F, "u4"),
        ev("5a", 0, F, "u5"),
        ev("5b", 2 * 24 * 60, S, "u5"),
    ]
    s = summarize_tasks(tasks_of(events, as_of=LATER))
    assert (s.tasks, s.succeeded, s.abandoned, s.in_progress, s.users) == (7, 4, 3, 0, 5)
    assert s.attempts == {"1": 2, "2": 1, "3+": 1}
    assert (s.attempts_spread.mean, s.attempts_spread.median) == (2.0, 1.5)
    assert (s.seconds.n, s.seconds.median, s.seconds.p90) == (2, 90.0, 114.0)
    assert (s.fields_requested.n, s.fields_requested.mean) == (2, 5.0)
    assert [(t.user, t.failures) for t in s.never_succeeded] == [("u4", 1)]  # its latest task


def test_ces_by_attempts_groups_the_answers_by_the_tries_their_task_needed() -> None:
    q = Question(SCALES["1-7"], Polarity.EASE)
    events = [ev("1a", 0, S, "u1"), ev("2a", 0, F, "u2"), ev("2b", 1, S, "u2")]
    events += [ev(f"3{i}", i, F, "u3") for i in range(3)] + [ev("3z", 5, S, "u3")]
    events += [ev("4a", 0, F, "u4")]  # never succeeded
    tasks = tasks_of(events, as_of=LATER)
    blocks, unmatched = ces_by_attempts(
        tasks,
        [("1a", 7), ("2b", 4), ("3z", 2), ("30", 1), ("4a", 3), ("elsewhere", 3)],
        q,
    )
    # u3 was asked after a first failure and also at success: both are answers of a
    # customer who needed 4 tries (3+): n 2, mean (2 + 1) / 2 = 1.5.
    assert {k: (b.n, b.mean) for k, b in blocks.items()} == {
        "1": (1, 7.0),
        "2": (1, 4.0),
        "3+": (2, 1.5),
    }
    assert all(b.small_sample for b in blocks.values())
    assert unmatched == 2  # a task never succeeded; an event of no task


@pytest.mark.parametrize(
    ("event_type", "outcome", "kind"),
    [
        ("payment_succeeded", None, S),
        ("payment_succeeded", "failure", F),  # the event's own outcome wins
        ("payment_failed", None, F),
        ("payment_started", None, START),
        ("payment_started", "failure", START),
        ("refund", None, F),  # the trigger's outcome
        ("refund", "success", S),
    ],
)
def test_kind_of_an_event(event_type: str, outcome: str | None, kind: Kind) -> None:
    triggers = {"payment_succeeded": None, "refund": "failure"}
    assert kind_of(event_type, outcome, triggers) == kind


def test_named_pairs_are_read_beside_the_triggers() -> None:
    assert event_types({"checkout": None, "payment_succeeded": None}) == [
        "checkout",
        "checkout_failed",
        "checkout_started",
        "checkout_succeeded",
        "payment_failed",
        "payment_started",
        "payment_succeeded",
    ]


@pytest.mark.parametrize(
    ("value", "read"),
    [
        (3, (3.0, False)),
        (0, (0.0, False)),
        (2.5, (2.5, False)),
        (None, (None, False)),
        ("3", (None, True)),
        (True, (None, True)),
        (-1, (None, True)),
        (float("nan"), (None, True)),
        (float("inf"), (None, True)),
    ],
)
def test_amounts_sent_as_properties(value: object, read: tuple[float | None, bool]) -> None:
    assert read_amount(value) == read
