"""Use case: the frictions backlog (``/app/frictions``, ``GET /v1/backlog``).

Every friction (touchpoint × tag) of the last ``weeks`` weeks in the
workspace's time zone (the ``7 × weeks`` local days ending today), ranked by
:func:`fluide.domain.backlog.rank_backlog`: impact × volume × feasibility, the
impact shrunk towards 0 when few comments show it, and frictions seen in fewer
than three comments after the others.
Effort indices come from :func:`fluide.services.verbatims.effort_index` and
tags from what the tagging worker (or a person) stored, as for the weekly
frictions; feasibility is what the team set (3 when never set).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from fluide.domain.backlog import (
    DEFAULT_FEASIBILITY,
    MAX_FEASIBILITY,
    MIN_FEASIBILITY,
    BacklogItem,
    rank_backlog,
)
from fluide.domain.frictions import TaggedAnswer
from fluide.domain.periods import local_day_bounds
from fluide.domain.task_names import all_task_names
from fluide.i18n import N_
from fluide.services.errors import invalid
from fluide.services.frictions import tag_names, tagged_answers
from fluide.services.tags import ensure_seeded, resolve, unknown_tag
from fluide.services.touchpoints import touchpoint_of
from fluide.storage import friction_settings as settings_store
from fluide.storage import repo
from fluide.storage import tags as tag_store
from fluide.storage import verbatim_queue as queue_store
from fluide.storage import verbatims as verbatim_store
from fluide.storage.db import write_session
from fluide.storage.models import Workspace
from fluide.storage.types import utcnow

DEFAULT_WEEKS: Final = 4
MAX_WEEKS: Final = 52


def check_feasibility(value: object) -> int:
    """A feasibility from 1 (hard to fix) to 5 (easy), or a 422 naming the field."""
    try:
        f = int(str(value).strip())
    except ValueError:
        f = 0
    if isinstance(value, bool) or not MIN_FEASIBILITY <= f <= MAX_FEASIBILITY:
        raise invalid(
            "feasibility",
            N_(
                "Feasibility must be a whole number from 1 (hard to fix) to 5 (easy to fix); "
                "got %(value)s."
            ),
            value=str(value)[:20],
        )
    return f


def period(weeks: int, tz: str, now: datetime | None = None) -> tuple[date, date]:
    """The ``7 × weeks`` local days ending today (inclusive dates).

    >>> from datetime import UTC
    >>> period(4, "Europe/Paris", datetime(2026, 11, 30, 23, 30, tzinfo=UTC))
    (datetime.date(2026, 11, 4), datetime.date(2026, 12, 1))
    """
    today = (now or utcnow()).astimezone(ZoneInfo(tz)).date()
    return today - timedelta(days=7 * weeks - 1), today


@dataclass(frozen=True)
class _Read:
    answers: list[TaggedAnswer]
    pending: int
    names: dict[str, dict[str, str]]
    tasks: dict[str, tuple[str, dict[str, str]]]  # key: (task, task_names)
    feasibility: dict[tuple[str, str], int]
    actions: dict[tuple[str, str], dict[str, int]]


def _read(factory: sessionmaker[Session], ws: Workspace, first: date, last: date) -> _Read:
    start, end = local_day_bounds(first, last, ws.timezone)
    assert start is not None and end is not None
    with factory() as s:
        rows = verbatim_store.answers_between(s, ws.id, start, end)
        commented = [r.response_id for r in rows if r.comment]
        tags = verbatim_store.tags_of(s, ws.id, commented)
        states = queue_store.states_of(s, ws.id, commented)
        names = tag_names(s, ws.id)
        touchpoints = repo.touchpoints(s, ws.id)
        key_of = {tp.id: tp.key for tp in touchpoints}
        feasibility = {
            (key_of[tp], tag): f
            for (tp, tag), f in settings_store.feasibilities(s, ws.id).items()
            if tp in key_of
        }
        actions = {
            (key_of[tp], tag): n
            for (tp, tag), n in settings_store.action_counts(s, ws.id).items()
            if tp in key_of
        }
    answers = tagged_answers(rows, tags, ws.timezone)
    pending = sum(1 for status, _ in states.values() if status == "pending")
    return _Read(
        answers,
        pending,
        names,
        {tp.key: (tp.task, all_task_names(tp.task_names, tp.task)) for tp in touchpoints},
        feasibility,
        actions,
    )


def _names(read: _Read, tag: str) -> dict[str, str]:
    return read.names.get(tag, {"fr": tag, "en": tag})


def _item_json(item: BacklogItem, read: _Read) -> dict[str, Any]:
    task, task_names = read.tasks.get(
        item.touchpoint, (item.touchpoint, all_task_names(None, item.touchpoint))
    )
    counts = read.actions.get((item.touchpoint, item.tag), {})
    return {
        **item.to_json(),
        "names": _names(read, item.tag),
        "also_names": [_names(read, tag) for tag in item.also_tags],
        "task": task,
        "task_names": task_names,
        "feasibility_set": (item.touchpoint, item.tag) in read.feasibility,
        "actions": {
            "to_deliver": counts.get("to_deliver", 0),
            "delivered": counts.get("delivered", 0),
            "total": sum(counts.values()),
        },
    }


def backlog(
    factory: sessionmaker[Session],
    ws: Workspace,
    *,
    weeks: int = DEFAULT_WEEKS,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The backlog document: the period, its answers, and every friction ranked."""
    first, last = period(weeks, ws.timezone, now)
    read = _read(factory, ws, first, last)
    ranked = rank_backlog(read.answers, read.feasibility)
    return {
        "period": {"weeks": weeks, "from": first, "to": last, "tz": ws.timezone},
        "answers": len(read.answers),
        "comments": sum(1 for a in read.answers if a.has_comment),
        "pending": read.pending,
        "default_feasibility": DEFAULT_FEASIBILITY,
        "frictions": [_item_json(item, read) for item in ranked.items],
        "not_frictions": ranked.not_frictions,
        "shrinkage": ranked.shrinkage_json(),
    }


def set_feasibility(
    factory: sessionmaker[Session], ws: Workspace, touchpoint: str, tag: str, value: object
) -> dict[str, Any]:
    """Record how feasible the team finds fixing the friction ``touchpoint`` × ``tag``."""
    feasibility = check_feasibility(value)
    if not touchpoint:
        raise invalid("touchpoint", N_("Say which touchpoint the friction is at."))
    if not tag:
        raise invalid("tag", N_("Say which tag the friction is."))
    ensure_seeded(factory, ws.id)
    with write_session(factory) as s:
        tp = touchpoint_of(s, ws.id, touchpoint)
        found = resolve({t.key: t for t in tag_store.tags(s, ws.id)}, tag)
        if found is None:
            raise unknown_tag(tag)
        settings_store.set_feasibility(s, ws.id, tp.id, found.key, feasibility)
        return {"touchpoint": tp.key, "tag": found.key, "feasibility": feasibility}
