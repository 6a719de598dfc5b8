"""Use case: the dashboard's Overview page (``GET /app``), and what its pages share.

Every figure comes from the analysis behind ``GET /v1/metrics`` (one
computation per touchpoint, over the same window as the API's ``from``/``to``),
and the frictions from :mod:`fluide.services.frictions`: the page, its JSON
(``?format=json``) and the API agree to the last digit. :func:`overview` gives
the data; :func:`overview_view` only formats it for the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from markupsafe import Markup
from sqlalchemy.orm import Session, sessionmaker

from fluide.domain.display import EFFORT_INDEX_BOUNDS
from fluide.domain.periods import first_of_last_weeks, period_label
from fluide.i18n import N_, fmt_date, fmt_datetime, fmt_int, fmt_number, fmt_percent, gettext
from fluide.render.common import (
    ci_text,
    figure_bounds,
    figure_digits,
    period_name,
    scale_bounds_of,
    shown_ci,
    signed,
    trend_value,
)
from fluide.render.html import y_axis
from fluide.render.markers import chart_markers as chart_marks
from fluide.render.markers import short_date
from fluide.render.spark import SparkPoint, sparkline
from fluide.render.views import answer_text
from fluide.services import actions, chart_markers
from fluide.services import frictions as friction_service
from fluide.services.errors import ServiceError, invalid
from fluide.services.friction_links import friction_links, main_touchpoint
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


# --- The page, formatted ------------------------------------------------------------------


def axis_end(period: dict[str, Any]) -> date:
    """The last day of the window's last week: where a weekly chart's axis ends."""
    return date.fromisoformat(period["from"]) + timedelta(days=7 * period["weeks"] - 1)


def trend_spark(
    lang: str,
    doc: dict[str, Any],
    labels: Sequence[str],
    period: dict[str, Any] | None = None,
    markers: Sequence[dict[str, Any]] = (),
) -> Markup:
    """The weekly figure of a metrics document over every week of the window, with its
    axis and the ``markers`` of :func:`fluide.services.chart_markers.markers`."""
    metric = doc.get("metric")
    digits = figure_digits(metric)
    bounds = figure_bounds(metric, doc.get("scale"))
    rows = {r["week"]: r for r in doc.get("weekly") or []}
    points = []
    for label in labels:
        row = rows.get(label)
        name = period_name(lang, "week", label)
        if row is None or not row.get("n"):
            points.append(
                SparkPoint(gettext(lang, "%(period)s: no answers", period=name), None, None, False)
            )
            continue
        value, ci = trend_value(row, metric)
        tip = gettext(
            lang,
            "%(period)s: %(value)s %(ci)s, n = %(n)s",
            period=name,
            value=fmt_number(lang, value, digits),
            ci=ci_text(lang, ci, digits, bounds=bounds, n=row.get("n")),
            n=fmt_int(lang, row.get("n")),
        )
        faint = bool(row.get("pooled")) or bool(row.get("small_sample"))
        points.append(SparkPoint(tip, value, shown_ci(ci, bounds, row.get("n")), faint))
    axis = y_axis(lang, doc)
    marks = []
    x_labels = ("", "")
    if period is not None:
        marks = chart_marks(lang, markers, period["from"], axis_end(period))
        x_labels = (short_date(lang, period["from"]), short_date(lang, period["to"]))
    return sparkline(
        points,
        *axis.range,
        title=gettext(lang, "Week by week") + " · " + axis.caption,
        desc="; ".join([*(p.tooltip for p in points), *(m.title for m in marks)]),
        y_labels=(axis.ticks[0][1], axis.ticks[-1][1]),
        x_labels=x_labels,
        markers=marks,
    )


def flag_texts(lang: str, f: dict[str, Any]) -> list[tuple[str, str]]:
    """``(text, kind)`` of each flag: ``bad`` where figures are not comparable as they are."""
    out = []
    if f["scales_not_pooled"]:
        out.append((gettext(lang, "different scales: effort index only"), "bad"))
    if f["small_sample"]:
        out.append((gettext(lang, "small sample"), ""))
    if f["pooled_weeks"]:
        out.append(
            (
                gettext(
                    lang, "thin weeks pooled: %(count)s", count=fmt_int(lang, f["pooled_weeks"])
                ),
                "",
            )
        )
    if f["versions_pooled"]:
        out.append(
            (
                gettext(
                    lang,
                    "question versions pooled: %(versions)s",
                    versions=", ".join(f["versions_pooled"]),
                ),
                "",
            )
        )
    return out


def _rate(lang: str, block: dict[str, Any]) -> tuple[str, str]:
    rr = block.get("response_rate") or {}
    rate = rr.get("rate")
    return (
        fmt_percent(lang, None if rate is None else 100 * rate, 0),
        gettext(
            lang,
            "%(answered)s of %(invited)s invited",
            answered=fmt_int(lang, rr.get("answered")),
            invited=fmt_int(lang, rr.get("invited")),
        )
        if rr
        else "",
    )


def overview_view(data: dict[str, Any], lang: str) -> dict[str, Any]:
    """The overview's data as display strings and charts (the page draws nothing else)."""
    period = data["period"]
    scales = {}
    tasks = {tp["key"]: tp["task"] for tp in data["touchpoints"]}
    rows = []
    for tp in data["touchpoints"]:
        doc = tp["metrics"]
        overall = doc["overall"]
        digits = figure_digits(doc.get("metric"))
        scales[tp["key"]] = doc.get("scale")
        rate, rate_detail = _rate(lang, overall)
        n = overall.get("n")
        rows.append(
            {
                **{k: tp[k] for k in ("key", "task", "question", "url")},
                "mean": fmt_number(lang, overall.get("mean"), digits),
                "ci": ci_text(
                    lang, overall.get("ci95"), digits, bounds=scale_bounds_of(doc.get("scale")), n=n
                ),
                "effort_index": fmt_number(lang, overall.get("effort_index"), 1),
                "effort_rank": None
                if overall.get("effort_index") is None
                else overall["effort_index"] / 100,
                "effort_index_ci": ci_text(
                    lang, overall.get("effort_index_ci95"), 1, bounds=EFFORT_INDEX_BOUNDS, n=n
                ),
                "n": fmt_int(lang, overall.get("n")),
                "rate": rate,
                "rate_detail": rate_detail,
                "spark": trend_spark(
                    lang, doc, period["week_labels"], period, tp.get("markers") or []
                ),
                "flags": flag_texts(lang, tp["flags"]),
            }
        )
    return {
        "period": period_text(lang, period, data["tz"]),
        "rows": rows,
        "frictions": friction_view(lang, data["frictions"], scales, tasks),
    }


def period_text(lang: str, period: dict[str, Any], tz: str) -> str:
    """The window in words: « 12 dernières semaines : du … au … (Europe/Paris) »."""
    return gettext(
        lang,
        "Last %(weeks)s weeks: %(start)s to %(end)s (%(tz)s)",
        weeks=fmt_int(lang, period["weeks"]),
        start=fmt_date(lang, period["from"]),
        end=fmt_date(lang, period["to"]),
        tz=tz,
    )


def friction_view(
    lang: str,
    doc: dict[str, Any],
    scales: dict[str, dict[str, Any] | None],
    tasks: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The week's top frictions as display strings, each with its verbatims (their
    touchpoint named by its task, from ``tasks``)."""
    tasks = tasks or {}
    items = []
    for f in doc["items"]:
        change = f.get("change")
        items.append(
            {
                "rank": fmt_int(lang, f["rank"]),
                "name": f["name"],
                "volume": fmt_int(lang, f["volume"]),
                "gap": signed(lang, f["effort_gap"], 1),
                "change": gettext(lang, "new this week")
                if change is None
                else signed(lang, change["volume"], 0),
                "small": bool(f.get("small_sample")),
                **friction_links(lang, f.get("touchpoint"), f["tag"], f.get("actions", 0)),
                "verbatims": [
                    {
                        "comment": v["comment"],
                        "meta": " · ".join(
                            [
                                fmt_datetime(lang, v["responded_at"]),
                                answer_text(
                                    lang, scales.get(v.get("touchpoint") or ""), v["score"]
                                ),
                                tasks.get(v.get("touchpoint") or "", v.get("touchpoint") or ""),
                            ]
                        ),
                    }
                    for v in f.get("verbatims") or []
                ],
            }
        )
    return {
        "week": gettext(
            lang,
            "Week %(week)s, compared with %(previous)s",
            week=period_name(lang, "week", doc["week"]),
            previous=period_name(lang, "week", doc["previous_week"]),
        ),
        "last_week": doc["last_week"],
        "pending": fmt_int(lang, doc["pending"]) if doc["pending"] else "",
        "rules_only": doc["tagger"] == "rules",
        "tagger": doc["tagger"],
        "rows": items,
    }
