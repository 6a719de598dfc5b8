"""The behavioural effort index of a touchpoint's tasks, for the attempts document.

Joins the tasks of :mod:`fluide.services.attempts` to the customers' contact
events and to the answers; the rules are :mod:`fluide.domain.behaviour_index`'.
"""

from __future__ import annotations

import statistics
from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Final

from fluide.domain.attempts import Task
from fluide.domain.behaviour_index import (
    COMPONENTS,
    DEFAULT_WEIGHTS,
    MIN_PAIRS,
    TaskSigns,
    scores,
    summarize_index,
)
from fluide.domain.recontacts import DEFAULT_WINDOW_DAYS
from fluide.domain.scales import Question
from fluide.services.contacts import text_of
from fluide.storage.contacts import ContactEvent

WINDOW: Final = timedelta(days=DEFAULT_WINDOW_DAYS)
"""W: a contact up to this long after a task counts as that task's recontact."""


def _contacts_by_customer(
    rows: Sequence[ContactEvent],
) -> dict[str, tuple[list[datetime], list[str | None]]]:
    out: dict[str, tuple[list[datetime], list[str | None]]] = {}
    for r in sorted(rows, key=lambda r: r.occurred_at):
        times, channels = out.setdefault(r.customer, ([], []))
        times.append(r.occurred_at)
        channels.append(text_of(r.properties, "channel"))
    return out


def behaviour_index(
    tasks: Sequence[Task],
    contacts: Sequence[ContactEvent],
    answers: Sequence[tuple[str, int]],
    question: Question | None,
    now: datetime,
    weights: Mapping[str, float] = DEFAULT_WEIGHTS,
) -> dict[str, Any]:
    """The ``behaviour_index`` key of the attempts document.

    ``answers`` are ``(event id, score)`` on ``question``'s scale (the current
    question's, versions asking the same pooled).
    """
    timed = [t.seconds for t in tasks if t.seconds is not None]
    median = statistics.median(timed) if timed else None
    by_customer = _contacts_by_customer(contacts)
    effort_of: dict[str, list[int]] = {}
    if question is not None:
        for event_id, score in answers:
            if score in question.points:
                effort_of.setdefault(event_id, []).append(question.effort_of(score))
    rows = []
    for t in tasks:
        times, channels = by_customer.get(t.user, ([], []))
        lo, hi = bisect_left(times, t.first_at), bisect_right(times, t.last_at + WINDOW)
        signs = TaskSigns(
            attempts=None if t.status == "in_progress" else t.attempts,
            abandoned=t.status == "abandoned",
            seconds=t.seconds,
            channels=tuple(channels[lo:hi]),
            judged=t.last_at + WINDOW <= now,
        )
        told = [e for ev in t.events for e in effort_of.get(ev, [])]
        rows.append((t.user, scores(signs, median), statistics.fmean(told) if told else None))
    summary = summarize_index(rows, weights)
    corr = summary.correlation
    return {
        "weights": dict(weights),
        "window_days": WINDOW.days,
        "median_time_s": median,
        "tasks": summary.tasks,
        "indexed": summary.indexed,
        "mean": summary.mean,
        "customers": summary.customers,
        "answered_customers": summary.answered_customers,
        "components": {
            c: {"n": summary.components[c][0], "mean": summary.components[c][1]} for c in COMPONENTS
        },
        "correlation": {
            "method": "spearman",
            "n": corr.n,
            "rho": corr.rho,
            "p_value": corr.p_value,
            "min_pairs": MIN_PAIRS,
            "too_few": corr.too_few,
        },
    }
