"""The behavioural effort index of a touchpoint: the effort customers show (no I/O).

Scored per *task* (one customer's tries at the touchpoint, see
:mod:`fluide.domain.attempts`), so it exists for the customers who never answer.
Four components, each from 0 (no sign of effort) to 1:

- **attempts**: 0 for a success at the first try, 0.5 for 2 tries, 1 for 3 or
  more, or for an abandoned task; unknown while the task is in progress;
- **time**: the time on task relative to the touchpoint's median time of the
  period, ``min(1, max(0, t / median − 1))``: 0 at or under the median, 1 at
  twice the median or more; unknown when the task is not timed;
- **recontact**: 1 when the customer contacted support (a contact event) from
  the task's start to W days after its end, 0 when not and those W days are
  over; unknown until then;
- **channel_switch**: 1 when those contacts used two channels or more, 0 when
  they used one or none (judged like ``recontact``).

The index of a task = 100 × the weighted mean of its known components (the
weights of the unknown ones left out); ``None`` when none is known.

>>> t = TaskSigns(attempts=3, abandoned=False, seconds=None, channels=("chat",), judged=True)
>>> s = scores(t, median_seconds=None)
>>> s["attempts"], s["time"], s["recontact"], s["channel_switch"]
(1.0, None, 1.0, 0.0)
>>> round(index_of(s, DEFAULT_WEIGHTS), 6)  # (0.35 + 0.35) / (0.35 + 0.35 + 0.10)
87.5
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

COMPONENTS: Final = ("attempts", "time", "recontact", "channel_switch")
DEFAULT_WEIGHTS: Final[Mapping[str, float]] = {
    "attempts": 0.35,
    "time": 0.20,
    "recontact": 0.35,
    "channel_switch": 0.10,
}
"""Retries and contacting support weigh most: the effort seed 003 says customers hate."""
MIN_PAIRS: Final = 20
"""Below this many tasks with both an index and an answer, no correlation is given."""

Scores = dict[str, float | None]


@dataclass(frozen=True)
class TaskSigns:
    """What a task shows: its attempts (failures + success), whether it was abandoned,
    its time in seconds, the channels of the customer's contacts from its start to W
    days after its end (one per contact), and whether those W days are over."""

    attempts: int | None  # None while in progress
    abandoned: bool
    seconds: float | None
    channels: tuple[str | None, ...]
    judged: bool


def scores(t: TaskSigns, median_seconds: float | None) -> Scores:
    """The four components of a task, ``None`` when unknown."""
    if t.abandoned:
        attempts: float | None = 1.0
    elif t.attempts is None:
        attempts = None
    else:
        attempts = min(1.0, max(0, t.attempts - 1) / 2)
    time = None
    if t.seconds is not None and median_seconds:
        time = min(1.0, max(0.0, t.seconds / median_seconds - 1))
    recontact = switch = None
    if t.channels or t.judged:
        recontact = 1.0 if t.channels else 0.0
    if len(set(t.channels)) > 1:
        switch = 1.0
    elif t.judged:
        switch = 0.0
    return {"attempts": attempts, "time": time, "recontact": recontact, "channel_switch": switch}


def index_of(s: Scores, weights: Mapping[str, float]) -> float | None:
    """100 × the weighted mean of the known components.

    >>> index_of({"attempts": 0.0, "time": None, "recontact": 1.0, "channel_switch": None},
    ...          DEFAULT_WEIGHTS)
    50.0
    """
    known = [(weights[c], v) for c, v in s.items() if v is not None and weights.get(c)]
    total = sum(w for w, _ in known)
    if not total:
        return None
    return 100 * sum(w * v for w, v in known) / total


@dataclass(frozen=True)
class Correlation:
    """Spearman's rho between the index and the asked effort over ``n`` tasks; ``rho`` and
    ``p_value`` are ``None`` below :data:`MIN_PAIRS` (``too_few``) or on constant values."""

    n: int
    rho: float | None
    p_value: float | None
    too_few: bool


def correlation(pairs: Sequence[tuple[float, float]], min_pairs: int = MIN_PAIRS) -> Correlation:
    """Spearman's rank correlation (ties averaged, SciPy's) of ``(index, asked effort)``.

    The asked effort is oriented as effort (high = hard), so a positive rho means
    "more shown effort, more told effort".

    >>> correlation([(1.0, 2.0)] * 3).too_few
    True
    """
    n = len(pairs)
    if n < min_pairs:
        return Correlation(n, None, None, True)
    from scipy.stats import spearmanr  # only when there is something to correlate

    x, y = zip(*pairs, strict=True)
    if len(set(x)) < 2 or len(set(y)) < 2:
        return Correlation(n, None, None, False)
    res = spearmanr(x, y)
    rho, p = float(res.statistic), float(res.pvalue)
    if not math.isfinite(rho):
        return Correlation(n, None, None, False)
    return Correlation(n, rho, p if math.isfinite(p) else None, False)


@dataclass(frozen=True)
class IndexSummary:
    tasks: int
    indexed: int
    mean: float | None
    customers: int
    answered_customers: int
    components: dict[str, tuple[int, float | None]]  # name → (tasks known, mean)
    correlation: Correlation


def summarize_index(
    rows: Sequence[tuple[str, Scores, float | None]],
    weights: Mapping[str, float],
    min_pairs: int = MIN_PAIRS,
) -> IndexSummary:
    """The index of a touchpoint from its tasks ``(customer, components, asked effort or
    None)``: the mean index, the customers covered and those who answered, each
    component's coverage and mean, and the correlation with the asked effort.

    >>> sc = {"attempts": 1.0, "time": None, "recontact": 0.0, "channel_switch": 0.0}
    >>> r = summarize_index([("a", sc, 5.0), ("b", sc, None)], DEFAULT_WEIGHTS)
    >>> r.indexed, round(r.mean, 6), r.customers, r.answered_customers, r.components["time"]
    (2, 43.75, 2, 1, (0, None))
    """
    indexed = [(u, s, index_of(s, weights), e) for u, s, e in rows]
    indexed = [r for r in indexed if r[2] is not None]
    values = [i for _, _, i, _ in indexed if i is not None]
    comps: dict[str, tuple[int, float | None]] = {}
    for c in COMPONENTS:
        known = [v for _, s, _ in rows if (v := s.get(c)) is not None]
        comps[c] = (len(known), sum(known) / len(known) if known else None)
    pairs = [(i, e) for _, _, i, e in indexed if i is not None and e is not None]
    return IndexSummary(
        tasks=len(rows),
        indexed=len(values),
        mean=sum(values) / len(values) if values else None,
        customers=len({u for u, *_ in indexed}),
        answered_customers=len({u for u, _, _, e in indexed if e is not None}),
        components=comps,
        correlation=correlation(pairs, min_pairs),
    )
