"""Use case: attempts and time on task of one touchpoint, beside its CES.

One data function, :func:`attempts`, feeds ``GET /v1/touchpoints/{key}/attempts``
and the card of the touchpoint page; the rules are :mod:`fluide.domain.attempts`'.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Final

from sqlalchemy.orm import Session, sessionmaker

from fluide.domain.attempts import (
    BUCKETS,
    GAP,
    LOOKBACK,
    AttemptEvent,
    Spread,
    Task,
    bucket,
    ces_by_attempts,
    event_types,
    kind_of,
    read_amount,
    summarize_tasks,
    tasks_of,
)
from fluide.domain.periods import local_day_bounds
from fluide.domain.scales import Question
from fluide.i18n import N_
from fluide.serialize import block_json
from fluide.services.behaviour_index import WINDOW, behaviour_index
from fluide.services.contacts import contact_types
from fluide.services.errors import invalid
from fluide.services.touchpoints import touchpoint_of
from fluide.storage import attempts as store
from fluide.storage import contacts as contact_store
from fluide.storage import repo
from fluide.storage.models import QuestionVersion, Touchpoint, Workspace
from fluide.storage.questions import question_of
from fluide.storage.types import utcnow

NEVER_SUCCEEDED_SHOWN: Final = 20
"""Customers listed by ``never_succeeded`` (the count covers them all)."""
EARLIEST: Final = datetime(1970, 1, 8, tzinfo=UTC)
LATEST: Final = datetime(9999, 1, 1, tzinfo=UTC)


def _spread(sp: Spread, *keys: str) -> dict[str, Any]:
    return {k: getattr(sp, k) for k in ("n", *keys)}


def _version_key(v: QuestionVersion) -> tuple[str, str, int, int]:
    return (v.scale, v.polarity, v.low_max, v.high_min)


def current_question(
    versions: Sequence[QuestionVersion], current_id: str | None
) -> tuple[QuestionVersion, set[str]] | None:
    """The touchpoint's current question version, and the ids of the versions asking
    the same question (same scale, polarity and cut points) whose answers pool with it."""
    current = next((v for v in versions if v.id == current_id), None)
    if current is None:
        return None
    return current, {v.id for v in versions if _version_key(v) == _version_key(current)}


def period_bounds(ws: Workspace, start: date, end: date) -> tuple[datetime, datetime]:
    """The period as UTC instants (a date at the calendar's edge is no bound)."""
    if start > end:
        raise invalid(
            "from",
            N_("The period starts after it ends: from %(start)s is after to %(end)s."),
            start=start.isoformat(),
            end=end.isoformat(),
        )
    lo, hi = local_day_bounds(start, end, ws.timezone)
    return lo or EARLIEST, hi or LATEST


def attempts(
    factory: sessionmaker[Session],
    ws: Workspace,
    key: str,
    start: date,
    end: date,
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The attempts document of touchpoint ``key`` for tasks ending in local days
    ``start``–``end`` (inclusive, in the workspace's time zone)."""
    return attempts_and_groups(factory, ws, key, start, end, now=now)[0]


def attempts_and_groups(
    factory: sessionmaker[Session],
    ws: Workspace,
    key: str,
    start: date,
    end: date,
    *,
    now: datetime | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """:func:`attempts`, and each event's attempts group (:func:`groups_of`), read once."""
    lo, hi = period_bounds(ws, start, end)
    now = now or utcnow()
    read = _read(factory, ws, key, lo, hi, now)
    tasks, tp, types, ignored = read.tasks, read.touchpoint, read.types, read.ignored
    answer_rows, versions, contacts = read.answers, read.versions, read.contacts
    summary = summarize_tasks(tasks)
    ces, pooled, question = _ces(tasks, answer_rows, versions, tp.current_version_id)
    doc = {
        "touchpoint": tp.key,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "event_types": types,
        "gap_hours": GAP.total_seconds() / 3600,
        "tasks": summary.tasks,
        "succeeded": summary.succeeded,
        "abandoned": summary.abandoned,
        "in_progress": summary.in_progress,
        "users": summary.users,
        "success_rate": summary.success_rate,
        "attempts": {
            **summary.attempts,
            "mean": summary.attempts_spread.mean,
            "median": summary.attempts_spread.median,
        },
        "time_on_task_s": _spread(summary.seconds, "median", "p90"),
        "fields_requested": _spread(summary.fields_requested, "mean", "median"),
        "ignored_values": ignored,
        "never_succeeded_count": len(summary.never_succeeded),
        "never_succeeded": [
            {"user": t.user, "failures": t.failures, "last_at": t.last_at.isoformat()}
            for t in summary.never_succeeded[:NEVER_SUCCEEDED_SHOWN]
        ],
        **ces,
        "behaviour_index": behaviour_index(tasks, contacts, pooled, question, now),
    }
    return doc, groups_of(tasks)


@dataclass(frozen=True)
class _Read:
    touchpoint: Touchpoint
    types: list[str]
    tasks: list[Task]
    ignored: dict[str, int]
    answers: list[store.AnswerRow]
    versions: list[QuestionVersion]
    contacts: list[contact_store.ContactEvent]


def _read(
    factory: sessionmaker[Session],
    ws: Workspace,
    key: str,
    lo: datetime,
    hi: datetime,
    now: datetime,
    *,
    with_answers: bool = True,
) -> _Read:
    """The tasks ending in ``[lo, hi)`` (as of ``now``), and what their CES and index read."""
    with factory() as s:
        tp = touchpoint_of(s, ws.id, key)
        triggers = {str(t["event"]): t.get("outcome") for t in tp.triggers}
        types = event_types(triggers)
        rows = store.events(s, ws.id, types, lo - LOOKBACK, hi)
        answer_rows = store.answers(s, ws.id, tp.id, lo - LOOKBACK, hi) if with_answers else []
        versions = repo.versions(s, ws.id, tp.id)
        contacts = (
            contact_store.contact_events(s, ws.id, contact_types(ws), lo - LOOKBACK, hi + WINDOW)
            if with_answers
            else []
        )
    ignored = {"duration_s": 0, "fields_requested": 0}
    evs = []
    for r in rows:
        amounts = {}
        for name in ignored:
            amounts[name], bad = read_amount(r.properties.get(name))
            if bad and r.occurred_at >= lo:  # the look-back days are not this period's
                ignored[name] += 1
        evs.append(
            AttemptEvent(
                r.id,
                r.user,
                r.occurred_at,
                kind_of(r.type, r.outcome, triggers),
                duration_s=amounts["duration_s"],
                fields_requested=amounts["fields_requested"],
            )
        )
    as_of = min(hi, now)
    tasks = [t for t in tasks_of(evs, as_of=as_of) if lo <= t.last_at < hi]
    return _Read(tp, types, tasks, ignored, answer_rows, list(versions), contacts)


def attempts_of_answers(
    factory: sessionmaker[Session],
    ws: Workspace,
    key: str,
    lo: datetime,
    hi: datetime,
    now: datetime,
) -> dict[str, str]:
    """Event id -> the attempts group (``1``, ``2``, ``3+``) of the succeeded task it belongs
    to, for the tasks ending in ``[lo, hi)``: the grouping of ``ces_by_attempts``."""
    return groups_of(_read(factory, ws, key, lo, hi, now, with_answers=False).tasks)


def groups_of(tasks: Sequence[Task]) -> dict[str, str]:
    """Event id -> the attempts group of the succeeded task holding it (as ``ces_by_attempts``)."""
    return {e: bucket(t.attempts) for t in tasks if t.success_event for e in t.events}


def _ces(
    tasks: Sequence[Task],
    rows: Sequence[store.AnswerRow],
    versions: Sequence[QuestionVersion],
    current_id: str | None,
) -> tuple[dict[str, Any], list[tuple[str, int]], Question | None]:
    """``ces_by_attempts`` on the current question (versions asking the same pooled),
    from the answers to the events of ``tasks``; ``answers_not_counted``: those
    answered after a failure or on another question; then the answers pooled and
    the question they are on (for the behavioural index)."""
    mine = {e for t in tasks for e in t.events}
    rows = [r for r in rows if r.event_id in mine]
    found = current_question(versions, current_id)
    if found is None:
        return {"ces_by_attempts": None, "answers_not_counted": len(rows)}, [], None
    current, same = found
    pooled = [(r.event_id, r.score) for r in rows if r.question_version_id in same]
    question = question_of(current)
    blocks, unmatched = ces_by_attempts(tasks, pooled, question)
    doc = {
        "ces_by_attempts": {b: block_json(blocks[b]) for b in BUCKETS},
        "answers_not_counted": unmatched + len(rows) - len(pooled),
    }
    return doc, pooled, question
