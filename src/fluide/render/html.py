"""Self-contained HTML reports: inline CSS and SVG, no script, no external resource.

Autoescaping is on for every template: comments, group values and file names
come from customers' data and must render as text, never as markup.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from fluide.i18n import (
    DEFAULT_LANG,
    check_lang,
    fmt_date,
    fmt_datetime,
    fmt_int,
    fmt_number,
    fmt_percent,
    gettext,
    ngettext,
)
from fluide.render import common
from fluide.render.common import Doc
from fluide.render.svg import (
    Bar,
    Segment,
    TrendLegend,
    TrendPoint,
    bar_chart,
    effort_colour,
    point_colours,
    stacked_bar,
    trend_chart,
)


@functools.lru_cache(maxsize=None)
def _env(lang: str) -> Environment:
    env = Environment(
        loader=PackageLoader("fluide.render", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # The i18n extension's `_` looks these up: old-style callables, so the
    # templates fill placeholders through fluide.i18n like Python code does.
    env.globals["gettext"] = functools.partial(gettext, lang)
    env.globals["ngettext"] = functools.partial(ngettext, lang)
    return env


def _render(template: str, lang: str, **context: Any) -> str:
    return _env(check_lang(lang)).get_template(template).render(lang=lang, **context)


def effort_groups_chart(lang: str, block: Doc, scale: Doc | None) -> dict[str, Any]:
    """The three effort groups as a stacked bar, with their legend."""
    groups = block.get("effort_groups") or {}
    colours = {"low": effort_colour(0.0), "moderate": effort_colour(0.5), "high": effort_colour(1.0)}
    legend = [
        {
            "name": common.group_name(lang, g),
            "pct": fmt_percent(lang, groups.get(g), 1),
            "points": common.group_points(lang, scale, g),
            "colour": colours[g],
        }
        for g in common.GROUPS
    ]
    segments = [
        Segment(item["name"], groups.get(g), item["pct"], colours[g])
        for g, item in zip(common.GROUPS, legend, strict=True)
    ]
    title = gettext(lang, "Effort groups")
    desc = "; ".join(f"{item['name']}: {item['pct']}" for item in legend)
    return {"svg": stacked_bar(segments, title=title, desc=desc), "legend": legend}


def distribution_chart(lang: str, block: Doc, scale: Doc | None) -> dict[str, Any] | None:
    """One bar per answer point, coloured by the effort it stands for."""
    dist = block.get("distribution")
    if not dist or not scale or not scale.get("points"):
        return None
    points = [int(p) for p in scale["points"]]
    colours = point_colours(points, scale.get("polarity"))
    rows = []
    bars = []
    for p in points:
        count = int(dist.get(str(p), 0))
        label = common.scale_label(lang, scale, p)
        tip = ngettext(
            lang, "%(point)s (%(label)s): %(count)s answer", "%(point)s (%(label)s): %(count)s answers",
            count, point=p, label=label, count=fmt_int(lang, count),
        )
        bars.append(Bar(str(p), label, float(count), fmt_int(lang, count), colours[p], tip))
        rows.append({"point": p, "label": label, "count": fmt_int(lang, count), "colour": colours[p]})
    title = gettext(lang, "Distribution of answers")
    desc = "; ".join(bar.tooltip for bar in bars)
    return {"svg": bar_chart(bars, title=title, desc=desc), "rows": rows}


@dataclass(frozen=True)
class YAxis:
    range: tuple[float, float]
    ticks: list[tuple[float, str]]
    caption: str  # which way is easier, above the plot
    name: str  # the plotted figure, in the legend


def y_axis(lang: str, report: Doc) -> YAxis:
    """The full scale range, or 0–100 for the effort index: no zoom that exaggerates."""
    scale = report.get("scale") or {}
    if report.get("metric") == "effort_index" or not scale.get("points"):
        return YAxis(
            (0.0, 100.0),
            [(float(v), fmt_int(lang, v)) for v in (0, 25, 50, 75, 100)],
            gettext(lang, "Effort index (lower = easier)"),
            gettext(lang, "Effort index"),
        )
    points = [int(p) for p in scale["points"]]
    caption = (
        gettext(lang, "Mean score (higher = easier)")
        if scale.get("polarity") == "ease"
        else gettext(lang, "Mean score (lower = easier)")
    )
    return YAxis(
        (float(points[0]), float(points[-1])),
        [(float(p), fmt_int(lang, p)) for p in points],
        caption,
        gettext(lang, "Mean CES"),
    )


def trend_rows(lang: str, kind: str, rows: Sequence[Doc], metric: object) -> list[dict[str, Any]]:
    """Each period of the trend, formatted, with the flags the chart needs."""
    digits = common.figure_digits(metric)
    out = []
    for row in rows:
        label = str(row.get(kind, ""))
        value, ci = common.trend_value(row, metric)
        notes = []
        if row.get("pooled") and row.get("pooled_with"):
            notes.append(
                gettext(
                    lang, "pooled with %(period)s",
                    period=common.period_name(lang, kind, str(row["pooled_with"])),
                )
            )
        if not row.get("n"):
            notes.append(gettext(lang, "no answers"))
        elif row.get("small_sample"):
            notes.append(gettext(lang, "small sample"))
        out.append({
            "label": label,
            "name": common.period_name(lang, kind, label),
            "tick": common.period_tick(lang, kind, label),
            "own_n": fmt_int(lang, row.get("own_n", row.get("n"))),
            "n": fmt_int(lang, row.get("n")),
            "value": value if row.get("n") else None,
            "ci": tuple(ci) if ci and row.get("n") else None,
            "value_text": fmt_number(lang, value, digits),
            "ci_text": common.ci_text(lang, ci, digits),
            "pooled": bool(row.get("pooled")),
            "small": bool(row.get("small_sample")) and bool(row.get("n")),
            "notes": "; ".join(notes),
        })
    return out


def trend_section(lang: str, report: Doc) -> dict[str, Any] | None:
    found = common.trend_of(report)
    if found is None:
        return None
    kind, rows = found
    formatted = trend_rows(lang, kind, rows, report.get("metric"))
    axis = y_axis(lang, report)
    points = [
        TrendPoint(
            r["tick"],
            gettext(lang, "%(period)s: %(value)s %(ci)s, n = %(n)s", period=r["name"],
                    value=r["value_text"], ci=r["ci_text"], n=r["n"])
            + (f" ({r['notes']})" if r["notes"] else ""),
            r["value"], r["ci"], r["pooled"], r["small"],
        )
        for r in formatted
    ]
    legend = TrendLegend(
        line=axis.name,
        band=gettext(lang, "95% CI"),
        pooled=common.pooled_legend(lang, kind),
        small=gettext(lang, "small sample"),
        empty=gettext(lang, "no answers"),
    )
    title = common.trend_title(lang, kind)
    svg = trend_chart(points, y_range=axis.range, y_ticks=axis.ticks, y_caption=axis.caption,
                      legend=legend, title=title, desc=axis.caption)
    return {"title": title, "svg": svg, "rows": formatted, "value_name": axis.name}


def group_tables(lang: str, report: Doc) -> list[dict[str, Any]]:
    metric = report.get("metric")
    digits = common.figure_digits(metric)
    out = []
    for grouping, rows in (report.get("groups") or {}).items():
        out.append({
            "title": common.grouping_title(lang, grouping),
            "rows": [
                {
                    "value": common.group_value(lang, grouping, r.get("value")),
                    "n": fmt_int(lang, r.get("n")),
                    "mean": fmt_number(lang, r.get("mean"), digits),
                    "ci": common.ci_text(lang, r.get("ci95"), digits),
                    "effort_index": fmt_number(lang, r.get("effort_index"), 1),
                    "high": fmt_percent(lang, (r.get("effort_groups") or {}).get("high"), 1),
                    "net_effort": common.signed(lang, r.get("net_effort")),
                    "small": bool(r.get("small_sample")),
                }
                for r in rows or []
            ],
        })
    return out


def verbatim_rows(lang: str, report: Doc) -> list[dict[str, str]]:
    scale = report.get("scale")
    return [
        {
            "when": fmt_datetime(lang, v.get("responded_at")),
            "score": str(v.get("score", "")),
            "label": common.scale_label(lang, scale, v.get("score")),
            "touchpoint": common.group_value(lang, "touchpoint", v.get("touchpoint")),
            "comment": str(v.get("comment") or ""),
        }
        for v in report.get("verbatims") or []
    ]


def render_html(report: dict[str, Any], lang: str = DEFAULT_LANG) -> str:
    """The analysis report as one self-contained HTML page."""
    check_lang(lang)
    overall = report.get("overall") or {}
    scale = report.get("scale")
    inp = report.get("input") or {}
    return _render(
        "report.html.j2",
        lang,
        file=str(inp.get("file") or ""),
        period=common.period_covered(lang, inp),
        tz=str(inp.get("tz") or ""),
        scale_desc=common.scale_description(lang, scale),
        metric=report.get("metric", "mean"),
        warnings=common.warning_texts(lang, report.get("warnings")),
        figures=common.key_figures(lang, overall, report.get("metric")),
        small_sample=bool(overall.get("small_sample")),
        groups=effort_groups_chart(lang, overall, scale),
        distribution=distribution_chart(lang, overall, scale),
        trend=trend_section(lang, report),
        tables=group_tables(lang, report),
        verbatims=verbatim_rows(lang, report),
        input_rows=common.input_rows(lang, inp),
    )


def _side(lang: str, comp: Doc, key: str) -> dict[str, Any]:
    block = comp.get(key) or {}
    return {
        "groups": effort_groups_chart(lang, block, comp.get("scale")),
        "distribution": distribution_chart(lang, block, comp.get("scale")),
    }


def compare_rows(lang: str, comp: Doc) -> list[tuple[str, str, str]]:
    """The figures of both sides, row by row: (label, before, after)."""
    metric = comp.get("metric")
    before = common.block_rows(lang, comp.get("before") or {}, metric)
    after = common.block_rows(lang, comp.get("after") or {}, metric)
    return [(b[0], b[1], a[1]) for b, a in zip(before, after, strict=True)]


def difference_rows(lang: str, comp: Doc) -> list[tuple[str, str]]:
    digits = common.figure_digits(comp.get("metric"))
    delta = comp.get("cliffs_delta")
    effect = common.effect_size(lang, delta)
    return [
        (gettext(lang, "Compared figure"), common.metric_name(lang, comp.get("metric"))),
        (gettext(lang, "Difference (after − before)"), common.signed(lang, comp.get("diff_mean"), digits)),
        (gettext(lang, "95% CI of the difference"), common.ci_text(lang, comp.get("diff_ci95"), digits)),
        (gettext(lang, "p-value (Mann–Whitney)"), common.p_text(lang, comp.get("p_value"))),
        (gettext(lang, "Cliff's delta"),
         common.signed(lang, delta, 2) + (f" ({effect})" if effect else "")),
        (gettext(lang, "Bootstrap"),
         gettext(lang, "%(resamples)s resamples, seed %(seed)s",
                 resamples=fmt_int(lang, comp.get("resamples")), seed=str(comp.get("seed", "")))),
    ]


def render_compare_html(comp: dict[str, Any], lang: str = DEFAULT_LANG) -> str:
    """A before/after comparison as one self-contained HTML page."""
    check_lang(lang)
    inp = comp.get("input") or {}
    verdict = common.verdict(lang, comp)
    touchpoint = comp.get("touchpoint")
    return _render(
        "compare.html.j2",
        lang,
        file=str(inp.get("file") or ""),
        period=common.period_covered(lang, inp),
        tz=str(inp.get("tz") or ""),
        scale_desc=common.scale_description(lang, comp.get("scale")),
        change_date=fmt_date(lang, comp.get("change_date")),
        touchpoint=None if touchpoint is None else str(touchpoint),
        verdict=verdict,
        warnings=common.warning_texts(lang, comp.get("warnings")),
        rows=compare_rows(lang, comp),
        diff=difference_rows(lang, comp),
        before=_side(lang, comp, "before"),
        after=_side(lang, comp, "after"),
        input_rows=common.input_rows(lang, inp),
    )

