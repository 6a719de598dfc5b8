"""Use case: the dashboard's Overview page (``GET /app``), and what its pages share.

Every figure comes from the analysis behind ``GET /v1/metrics`` (one
computation per touchpoint, over the same window as the API's ``from``/``to``),
and the frictions from :mod:`fluide.services.frictions`: the page, its JSON
(``?format=json``) and the API agree to the last digit. :func:`overview` gives
the data; :func:`fluide.web.overview_view.overview_view` formats it for the page.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from fluide.domain.periods import first_of_last_weeks, period_label
from fluide.domain.task_names import all_task_names
from fluide.i18n import N_
from fluide.services import actions, chart_markers
from fluide.services import frictions as friction_service
from fluide.services.errors import ServiceError, invalid
from fluide.services.friction_links import main_touchpoint
from fluide.services.metrics import MetricsQuery, analysis
from fluide.storage import metrics as metric_store
from fluide.storage import repo
from fluide.storage.models import Workspace
from fluide.storage.types import utcnow

DEFAULT_WEEKS: Final = 12
MAX_WEEKS: Final = 52
TOP_FRICTIONS: Final = 3


# --- The window: the last N ISO weeks, in the workspace's time zone -----------------------


@dataclass(frozen=True)
class Window:
    """``weeks`` ISO weeks up to today: local dates, inclusive (``from``/``to`` of the API)."""

    weeks: int
    start: date
    end: date
    labels: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "weeks": self.weeks,
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "week_labels": list(self.labels),
        }


def window(tz: str, weeks: int, now: datetime) -> Window:
    """The last ``weeks`` ISO weeks in ``tz``, this week so far included.

    >>> w = window("Europe/Paris", 2, datetime(2026, 11, 25, 23, 30, tzinfo=UTC))
    >>> w.start.isoformat(), w.end.isoformat(), w.labels
    ('2026-11-16', '2026-11-26', ('2026-W47', '2026-W48'))
    """
    today = now.astimezone(ZoneInfo(tz)).date()
    start = first_of_last_weeks(today, weeks)
    labels = tuple(
        period_label(datetime.combine(start + timedelta(weeks=i), time(12), UTC), "UTC", "week")
        for i in range(weeks)
    )
    return Window(weeks, start, today, labels)


def parse_weeks(raw: str | None, default: int = DEFAULT_WEEKS) -> int:
    """The ``weeks`` query parameter: a whole number from 1 to 52 (``default`` if absent).

    >>> parse_weeks(None), parse_weeks("8")
    (12, 8)
    """
    if raw is None or raw.strip() == "":
        return default
    try:
        weeks = int(raw.strip())
    except ValueError:
        weeks = 0
    if not 1 <= weeks <= MAX_WEEKS:
        raise invalid(
            "weeks",
            N_("%(param)s must be a whole number of weeks from 1 to %(most)s; got %(value)s."),
            param="weeks",
            most=MAX_WEEKS,
            value=raw[:40],
        )
    return weeks


# --- Shared by the dashboard's pages ------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """The ``/v1/metrics`` document of one query; ``scales_mixed``: the answers are on
    questions with different scales, so they are pooled on the effort index only."""

    doc: dict[str, Any]
    scales_mixed: bool


def figures(factory: sessionmaker[Session], ws: Workspace, q: MetricsQuery, lang: str) -> Figures:
    """The metrics document (as ``GET /v1/metrics`` without its ``frictions``).

    Where the API refuses to pool different questions (409), a page still
    shows them, on the 0–100 effort index, as ``effort_index=true`` would.
    """
    try:
        return Figures(analysis(factory, ws, q).to_json(lang), False)
    except ServiceError as exc:
        if exc.code != "mixed_questions":
            raise
    return Figures(analysis(factory, ws, replace(q, effort_index=True)).to_json(lang), True)


def flags(doc: dict[str, Any], scales_mixed: bool) -> dict[str, Any]:
    """What to read with care, from the document's warnings."""
    codes = {w["code"]: w["params"] for w in doc.get("warnings") or []}
    return {
        "small_sample": bool(doc["overall"].get("small_sample")),
        "pooled_weeks": int((codes.get("pooled_periods") or {}).get("count", 0)),
        "versions_pooled": list((codes.get("question_versions_mixed") or {}).get("versions", [])),
        "scales_not_pooled": scales_mixed,
    }


def text_in(texts: dict[str, str] | None, lang: str) -> str:
    """A workspace-written text in ``lang``, French when there is no translation."""
    texts = texts or {}
    return texts.get(lang) or texts.get("fr") or next(iter(texts.values()), "")


# --- Overview -----------------------------------------------------------------------------


def overview(
    factory: sessionmaker[Session],
    ws: Workspace,
    lang: str,
    *,
    weeks: int = DEFAULT_WEEKS,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Every active touchpoint's figures over the last ``weeks`` weeks, and the top frictions."""
    now = now or utcnow()
    win = window(ws.timezone, weeks, now)
    with factory() as s:
        touchpoints = repo.touchpoints(s, ws.id, active_only=True)
        # One query for every touchpoint's current question (no query per touchpoint).
        questions = {
            key: v.question
            for v, key, current in metric_store.question_versions(s, ws.id, None)
            if current
        }
    marks = chart_markers.markers(factory, ws, win.start, win.end)
    rows = []
    for tp in touchpoints:
        q = MetricsQuery(touchpoint=tp.key, start=win.start, end=win.end, verbatims=0)
        found = figures(factory, ws, q, lang)
        rows.append(
            {
                "key": tp.key,
                "task": tp.task,
                "task_names": all_task_names(tp.task_names, tp.task),
                "question": text_in(questions.get(tp.key), lang),
                "url": f"/app/touchpoints/{tp.key}",
                "flags": flags(found.doc, found.scales_mixed),
                "metrics": found.doc,
                "markers": marks.get(tp.key, []),
            }
        )
    return {
        "workspace": ws.name,
        "tz": ws.timezone,
        "period": win.to_json(),
        "touchpoints": rows,
        "frictions": top_frictions(factory, ws, lang, now),
    }


def top_frictions(
    factory: sessionmaker[Session], ws: Workspace, lang: str, now: datetime
) -> dict[str, Any]:
    """This week's top frictions workspace-wide (``GET /v1/frictions``); last week's while
    this one has no comment yet (a Monday morning)."""
    doc = friction_service.frictions(factory, ws, top=TOP_FRICTIONS, now=now)
    fallback = False
    if not doc["comments"]:
        before = friction_service.frictions(
            factory, ws, week=doc["previous_week"], top=TOP_FRICTIONS
        )
        if before["comments"]:
            doc, fallback = before, True
    counts = actions.friction_counts(factory, ws.id)
    items = []
    for f in doc["frictions"]:
        tp = main_touchpoint(f, doc.get("by_touchpoint") or {})
        items.append(
            {
                **f,
                "name": text_in(f.get("names"), lang) or f["tag"],
                "touchpoint": tp,
                "actions": counts.get((tp, f["tag"]), 0) if tp else 0,
            }
        )
    keep = ("week", "previous_week", "tz", "answers", "comments", "pending", "tagger")
    return {**{k: doc[k] for k in keep}, "last_week": fallback, "items": items}
