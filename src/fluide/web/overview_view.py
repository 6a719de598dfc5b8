"""The Overview page (``GET /app``) formatted: display strings and charts.

:func:`fluide.services.dashboard.overview` gives the data; this face only
formats it (numbers in the viewer's language, sparklines, intervals).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from markupsafe import Markup

from fluide.domain.display import EFFORT_INDEX_BOUNDS
from fluide.domain.task_names import task_in
from fluide.i18n import fmt_date, fmt_datetime, fmt_int, fmt_number, fmt_percent, gettext
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
from fluide.services.friction_links import friction_links


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
    tasks = {tp["key"]: task_in(tp["task_names"], lang, tp["task"]) for tp in data["touchpoints"]}
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
                **{k: tp[k] for k in ("key", "question", "url")},
                "task": tasks[tp["key"]],
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
