"""Use case: the week's top frictions (``GET /v1/frictions``).

Reads the answers of the week and of the week before (in the workspace's time
zone), each with its effort index on its own question and the tags of its
comment, and ranks them with :func:`fluide.domain.frictions.rank_frictions`,
the same code as ``fluide analyze``'s ``frictions``.

The default week is the **current ISO week** in the workspace's time zone:
what this week's customers are struggling with, compared with last week.
Pass ``week=2026-W47`` to read another one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from fluide.domain.frictions import (
    DEFAULT_TOP,
    Friction,
    TaggedAnswer,
    WeeklyFrictions,
    previous_iso_week,
    rank_frictions,
    two_weeks_bounds,
    weekly_frictions,
)
from fluide.domain.periods import period_label
from fluide.domain.taxonomy import DEFAULT_TAXONOMY
from fluide.services import tagger_state
from fluide.services.dates import checked_week
from fluide.services.touchpoints import touchpoint_id_of
from fluide.services.verbatims import effort_index
from fluide.storage import tags as store
from fluide.storage import verbatim_queue as queue_store
from fluide.storage import verbatims as verbatim_store
from fluide.storage.models import Workspace
from fluide.storage.types import utcnow


def _week(week: str | None, tz: str, now: datetime | None) -> str:
    if week is None:
        return period_label(now or utcnow(), tz, "week")
    return checked_week(week)


def _json(f: Friction, names: dict[str, dict[str, str]]) -> dict[str, Any]:
    return {**f.to_json(), "names": names.get(f.tag, {"fr": f.tag, "en": f.tag})}


@dataclass(frozen=True)
class _Read:
    answers: list[TaggedAnswer]
    week: str
    previous: str
    pending: int
    tagger: str
    names: dict[str, dict[str, str]]


def tag_names(s: Session, ws_id: str) -> dict[str, dict[str, str]]:
    """Each tag's names (fr, en); a workspace whose tags were never needed has the default
    ones (they are not seeded by a read)."""
    return {t.key: dict(t.names) for t in store.tags(s, ws_id)} or {
        t.key: dict(t.names) for t in DEFAULT_TAXONOMY.tags
    }


def tagged_answers(
    rows: list[verbatim_store.AnswerRow],
    tags: dict[str, list[tuple[str, str, float]]],
    tz: str,
    weeks: dict[str, str] | None = None,
) -> list[TaggedAnswer]:
    """The answers as the frictions' domain code reads them (``weeks``: ISO week by answer)."""
    zone = ZoneInfo(tz)
    return [
        TaggedAnswer(
            touchpoint=r.touchpoint,
            week=weeks[r.response_id] if weeks is not None else "",
            effort_index=effort_index(r.scale, r.polarity, r.score),
            tags=tuple(k for k, _, _ in tags.get(r.response_id, [])),
            comment=r.comment,
            responded_at=r.responded_at.astimezone(zone).isoformat(),
            score=r.score,
        )
        for r in rows
    ]


def _read(
    factory: sessionmaker[Session],
    ws: Workspace,
    label: str,
    touchpoint: str | None,
    tz: str,
) -> _Read:
    """The answers of week ``label`` and the week before, with their stored tags."""
    previous = previous_iso_week(label)
    start, end = two_weeks_bounds(label, tz)
    with factory() as s:
        touchpoint_id = touchpoint_id_of(s, ws.id, touchpoint)
        rows = verbatim_store.answers_between(s, ws.id, start, end, touchpoint_id)
        commented = [r.response_id for r in rows if r.comment]
        tags = verbatim_store.tags_of(s, ws.id, commented)
        states = queue_store.states_of(s, ws.id, commented)
        names = tag_names(s, ws.id)
        workers = tagger_state.fleet(s)
    weeks = {r.response_id: period_label(r.responded_at, tz, "week") for r in rows}
    answers = tagged_answers(rows, tags, tz, weeks)
    pending = sum(
        1 for rid, (status, _) in states.items() if status == "pending" and weeks[rid] == label
    )
    tagger = tagger_state.label(workers, {status for status, _ in states.values()})
    return _Read(answers, label, previous, pending, tagger, names)


def weekly(
    factory: sessionmaker[Session],
    ws: Workspace,
    week: str,
    *,
    touchpoint: str | None = None,
    tz: str | None = None,
    top: int = DEFAULT_TOP,
) -> WeeklyFrictions | None:
    """The week's frictions as ``fluide analyze`` gives them (its ``frictions``), from
    the tags stored by the worker; ``None`` when the two weeks have no comment."""
    read = _read(factory, ws, week, touchpoint, tz or ws.timezone)
    if not any(a.has_comment for a in read.answers):
        return None
    return weekly_frictions(read.answers, week, tagger=read.tagger, top=top)


def frictions(
    factory: sessionmaker[Session],
    ws: Workspace,
    *,
    touchpoint: str | None = None,
    week: str | None = None,
    top: int = DEFAULT_TOP,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The week's top frictions, workspace-wide (with each touchpoint's) or for one touchpoint."""
    tz = ws.timezone
    label = _week(week, tz, now)
    read = _read(factory, ws, label, touchpoint, tz)
    names = read.names
    this_week = [a for a in read.answers if a.week == label]
    out: dict[str, Any] = {
        "week": label,
        "previous_week": read.previous,
        "tz": tz,
        "touchpoint": touchpoint,
        "answers": len(this_week),
        "comments": sum(1 for a in this_week if a.has_comment),
        "pending": read.pending,
        "tagger": read.tagger,
    }
    if touchpoint is not None:
        ranked = rank_frictions(read.answers, label, read.previous, touchpoint, top)
        out["frictions"] = [_json(f, names) for f in ranked]
        return out
    weekly_ = weekly_frictions(read.answers, label, tagger=read.tagger, top=top)
    out["frictions"] = [_json(f, names) for f in weekly_.overall]
    out["by_touchpoint"] = {
        tp: [_json(f, names) for f in rows] for tp, rows in weekly_.by_touchpoint.items()
    }
    return out
