"""Attempts and time on task of one touchpoint, from its events (no I/O).

The shown effort of seed 004: how many tries, how long, how many fields a
customer needed to get a thing done. The rules:

- **Events read.** A touchpoint's trigger types, and for each trigger its
  *named pair*: the type without its last ``_word`` (the whole type when it
  has none) followed by ``_started``, ``_failed`` or ``_succeeded``
  (trigger ``payment_succeeded`` → ``payment_started``, ``payment_failed``).
- **Kind.** ``*_started`` (not a trigger) is a *start*; any other event is an
  *attempt*: a success when its outcome (its own, else its trigger's, else the
  one its ``_failed``/``_succeeded`` name says, else ``success``) is
  ``success``, a failure otherwise.
- **Task.** One user's events in time order (at the same instant a start comes
  before a failure, a failure before a success). A success ends the task; a
  pause of more than :data:`GAP` after the user's last event closes an
  unfinished task. ``attempts`` = its failures + its success.
- **Status.** ``succeeded``; else ``in_progress`` when its last event is within
  :data:`GAP` of ``as_of``; else ``abandoned``.
- **Time on task** (succeeded tasks): the success's ``properties.duration_s``
  when sent, else from the task's first start to its success.
- **Fields requested**: ``properties.fields_requested`` of the task's latest
  event carrying it (any status).

>>> t0 = datetime(2026, 9, 1, 10, tzinfo=UTC)
>>> evs = [AttemptEvent("e1", "u", t0, Kind.FAILURE),
...        AttemptEvent("e2", "u", t0 + timedelta(minutes=2), Kind.FAILURE),
...        AttemptEvent("e3", "u", t0 + timedelta(minutes=3), Kind.SUCCESS, duration_s=40.0)]
>>> [(t.status, t.attempts, t.seconds) for t in tasks_of(evs, as_of=t0 + timedelta(days=2))]
[('succeeded', 3, 40.0)]
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta  # noqa: F401  (UTC: the doctests')
from enum import StrEnum
from typing import Final

import numpy as np

from fluide.domain.metrics import DEFAULT_SMALL_SAMPLE, Block, summarize
from fluide.domain.scales import Question

GAP: Final = timedelta(hours=24)
"""A pause longer than this closes an unfinished task (and keeps a task in progress)."""
LOOKBACK: Final = timedelta(days=7)
"""How far before a period its events are read, so a task begun before it counts whole."""
PAIR_SUFFIXES: Final = ("_started", "_failed", "_succeeded")
BUCKETS: Final = ("1", "2", "3+")
"""The attempts groups of the CES by attempts."""


class Kind(StrEnum):
    START = "start"
    FAILURE = "failure"
    SUCCESS = "success"


RANK: Final = {Kind.START: 0, Kind.FAILURE: 1, Kind.SUCCESS: 2}


def stem(event_type: str) -> str:
    """The type without its last ``_word`` (``payment_succeeded`` → ``payment``).

    >>> stem("payment_succeeded"), stem("checkout")
    ('payment', 'checkout')
    """
    head, sep, _ = event_type.rpartition("_")
    return head if sep and head else event_type


def event_types(triggers: Mapping[str, str | None]) -> list[str]:
    """Every type read for a touchpoint whose ``triggers`` map type → trigger outcome.

    >>> event_types({"payment_succeeded": None})
    ['payment_failed', 'payment_started', 'payment_succeeded']
    """
    out = set(triggers)
    for t in triggers:
        out.update(stem(t) + s for s in PAIR_SUFFIXES)
    return sorted(out)


def kind_of(event_type: str, outcome: str | None, triggers: Mapping[str, str | None]) -> Kind:
    """The kind of an event (see the module's rules).

    >>> kind_of("payment_failed", None, {"payment_succeeded": None})
    <Kind.FAILURE: 'failure'>
    >>> kind_of("pay", "failure", {"pay": None}), kind_of("pay", None, {"pay": None})
    (<Kind.FAILURE: 'failure'>, <Kind.SUCCESS: 'success'>)
    """
    is_trigger = event_type in triggers
    if event_type.endswith("_started") and not is_trigger:
        return Kind.START
    said = outcome or triggers.get(event_type)
    if said is None and event_type.endswith("_failed"):
        said = "failure"
    return Kind.SUCCESS if (said or "success") == "success" else Kind.FAILURE


def read_amount(value: object) -> tuple[float | None, bool]:
    """A property meant as a number ≥ 0: ``(value, False)``, ``(None, False)`` when not
    sent, ``(None, True)`` when sent but unusable (text, negative, not finite).

    >>> read_amount(12), read_amount(None), read_amount("12"), read_amount(-1)
    ((12.0, False), (None, False), (None, True), (None, True))
    """
    if value is None:
        return None, False
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None, True
    number = float(value)
    if not math.isfinite(number) or number < 0:
        return None, True
    return number, False


@dataclass(frozen=True)
class AttemptEvent:
    """One event of a touchpoint as the rules read it (``id`` is what answers point to)."""

    id: str
    user: str
    at: datetime
    kind: Kind
    duration_s: float | None = None
    fields_requested: float | None = None


@dataclass(frozen=True)
class Task:
    user: str
    first_at: datetime
    last_at: datetime
    failures: int
    status: str  # succeeded, abandoned, in_progress
    success_event: str | None
    seconds: float | None
    fields_requested: float | None
    events: tuple[str, ...] = field(default=())

    @property
    def attempts(self) -> int:
        return self.failures + (self.status == "succeeded")


def _close(run: list[AttemptEvent], as_of: datetime) -> Task:
    last = run[-1]
    done = last.kind == Kind.SUCCESS
    failures = sum(e.kind == Kind.FAILURE for e in run)
    fields = next(
        (e.fields_requested for e in reversed(run) if e.fields_requested is not None), None
    )
    seconds = None
    if done:
        start = next((e.at for e in run if e.kind == Kind.START), None)
        if last.duration_s is not None:
            seconds = last.duration_s
        elif start is not None:
            seconds = (last.at - start).total_seconds()
    status = "succeeded" if done else "in_progress" if as_of - last.at <= GAP else "abandoned"
    return Task(
        user=last.user,
        first_at=run[0].at,
        last_at=last.at,
        failures=failures,
        status=status,
        success_event=last.id if done else None,
        seconds=seconds,
        fields_requested=fields,
        events=tuple(e.id for e in run),
    )


def tasks_of(events: Iterable[AttemptEvent], *, as_of: datetime) -> list[Task]:
    """The tasks of ``events`` (any order), by user then time."""
    ordered = sorted(events, key=lambda e: (e.user, e.at, RANK[e.kind], e.id))
    out: list[Task] = []
    run: list[AttemptEvent] = []
    for e in ordered:
        if run and (e.user != run[-1].user or e.at - run[-1].at > GAP):
            out.append(_close(run, as_of))
            run = []
        run.append(e)
        if e.kind == Kind.SUCCESS:
            out.append(_close(run, as_of))
            run = []
    if run:
        out.append(_close(run, as_of))
    return out


def bucket(attempts: int) -> str:
    """``"1"``, ``"2"`` or ``"3+"``."""
    return BUCKETS[min(attempts, 3) - 1]


@dataclass(frozen=True)
class Spread:
    n: int
    mean: float | None
    median: float | None
    p90: float | None


def spread(values: Sequence[float]) -> Spread:
    """Count, mean, median and 90th percentile (NumPy's linear interpolation).

    >>> spread([1, 2, 3, 10])
    Spread(n=4, mean=4.0, median=2.5, p90=7.900000000000001)
    """
    if not values:
        return Spread(0, None, None, None)
    a = np.asarray(values, dtype=np.float64)
    median, p90 = np.quantile(a, [0.5, 0.9])
    return Spread(len(values), float(a.mean()), float(median), float(p90))


@dataclass(frozen=True)
class Summary:
    tasks: int
    succeeded: int
    abandoned: int
    in_progress: int
    users: int
    attempts: dict[str, int]
    attempts_spread: Spread
    seconds: Spread
    fields_requested: Spread
    never_succeeded: list[Task]

    @property
    def success_rate(self) -> float | None:
        """Succeeded tasks in % of the finished ones (in-progress tasks are not judged yet)."""
        finished = self.succeeded + self.abandoned
        return 100 * self.succeeded / finished if finished else None


def summarize_tasks(tasks: Sequence[Task]) -> Summary:
    """The figures of ``tasks`` (those of one period).

    ``never_succeeded``: each user with an abandoned task and no success among
    ``tasks``, by their latest abandoned task, most recent first.
    """
    done = [t for t in tasks if t.status == "succeeded"]
    counts = dict.fromkeys(BUCKETS, 0)
    for t in done:
        counts[bucket(t.attempts)] += 1
    winners = {t.user for t in done}
    latest: dict[str, Task] = {}
    for t in tasks:
        if t.status != "abandoned" or t.user in winners:
            continue
        if t.user not in latest or t.last_at >= latest[t.user].last_at:
            latest[t.user] = t
    return Summary(
        tasks=len(tasks),
        succeeded=len(done),
        abandoned=sum(t.status == "abandoned" for t in tasks),
        in_progress=sum(t.status == "in_progress" for t in tasks),
        users=len({t.user for t in tasks}),
        attempts=counts,
        attempts_spread=spread([t.attempts for t in done]),
        seconds=spread([t.seconds for t in done if t.seconds is not None]),
        fields_requested=spread(
            [t.fields_requested for t in tasks if t.fields_requested is not None]
        ),
        never_succeeded=sorted(latest.values(), key=lambda t: (t.last_at, t.user), reverse=True),
    )


def ces_by_attempts(
    tasks: Sequence[Task],
    answers: Iterable[tuple[str, int]],
    question: Question,
    *,
    small_sample: int = DEFAULT_SMALL_SAMPLE,
) -> tuple[dict[str, Block], int]:
    """One block per attempts group of the answers ``(event id, score)`` to a task.

    An answer counts in the group of the succeeded task whose event it answered,
    the success or a failure before it: a customer asked after a first failure
    who needed three tries is a 3+ customer. The second value is how many answers
    did not count (to a task never succeeded or outside ``tasks``). Scores must be
    on ``question``'s scale.
    """
    group_of = {e: bucket(t.attempts) for t in tasks if t.success_event for e in t.events}
    counts = {b: [0] * question.k for b in BUCKETS}
    points = list(question.points)
    unmatched = 0
    for event_id, score in answers:
        b = group_of.get(event_id)
        if b is None or score not in points:
            unmatched += 1
            continue
        counts[b][points.index(score)] += 1
    blocks = {b: summarize(counts[b], question, small_sample=small_sample) for b in BUCKETS}
    return blocks, unmatched
