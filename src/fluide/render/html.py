"""Self-contained HTML reports: inline CSS and SVG, no script, no external resource.

Autoescaping is on for every template: comments, group values and file names
come from customers' data and must render as text, never as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fluide.i18n import (
    DEFAULT_LANG,
    check_lang,
    fmt_date,
    fmt_int,
    fmt_percent,
    gettext,
    ngettext,
)
from fluide.render import common
from fluide.render.common import Doc
from fluide.render.markers import ChartMarker
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
from fluide.render.views import (
    compare_rows,
    difference_rows,
    friction_headers,
    friction_section,
    group_tables,
    input_rows,
    key_figures,
    trend_rows,
    verbatim_rows,
)
from fluide.templating import environment


def _render(template: str, lang: str, **context: Any) -> str:
    return environment("fluide.render", lang).get_template(template).render(lang=lang, **context)


def effort_groups_chart(lang: str, block: Doc, scale: Doc | None) -> dict[str, Any]:
    """The three effort groups as a stacked bar, with their legend."""
    groups = block.get("effort_groups") or {}
    colours = {
        "low": effort_colour(0.0),
        "moderate": effort_colour(0.5),
        "high": effort_colour(1.0),
    }
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
        wording = common.point_wording(lang, scale, p)
        answer = f"{p} ({wording})" if wording else str(p)
        tip = ngettext(
            lang,
            "%(answer)s: %(count)s answer",
            "%(answer)s: %(count)s answers",
            count,
            answer=answer,
            count=fmt_int(lang, count),
        )
        bars.append(Bar(str(p), wording, float(count), fmt_int(lang, count), colours[p], tip))
        rows.append(
            {"point": p, "label": wording, "count": fmt_int(lang, count), "colour": colours[p]}
        )
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


def trend_section(
    lang: str, report: Doc, markers: Sequence[ChartMarker] = ()
) -> dict[str, Any] | None:
    found = common.trend_of(report)
    if found is None:
        return None
    kind, rows = found
    formatted = trend_rows(lang, kind, rows, report.get("metric"), report.get("scale"))
    axis = y_axis(lang, report)
    points = [
        TrendPoint(
            r["tick"],
            gettext(
                lang,
                "%(period)s: %(value)s %(ci)s, n = %(n)s",
                period=r["name"],
                value=r["value_text"],
                ci=r["ci_text"],
                n=r["n"],
            )
            + (f" ({r['notes']})" if r["notes"] else ""),
            r["value"],
            r["ci"],
            r["pooled"],
            r["small"],
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
    svg = trend_chart(
        points,
        y_range=axis.range,
        y_ticks=axis.ticks,
        y_caption=axis.caption,
        legend=legend,
        title=title,
        desc="; ".join([axis.caption, *(m.title for m in markers)]),
        markers=markers,
    )
    return {"title": title, "svg": svg, "rows": formatted, "value_name": axis.name}


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
        figures=key_figures(lang, overall, report.get("metric"), scale),
        small_sample=bool(overall.get("small_sample")),
        groups=effort_groups_chart(lang, overall, scale),
        distribution=distribution_chart(lang, overall, scale),
        trend=trend_section(lang, report),
        tables=group_tables(lang, report),
        frictions=friction_section(lang, report),
        friction_headers=friction_headers(lang),
        verbatims=verbatim_rows(lang, report),
        input_rows=input_rows(lang, inp),
    )


def _side(lang: str, comp: Doc, key: str) -> dict[str, Any]:
    block = comp.get(key) or {}
    return {
        "groups": effort_groups_chart(lang, block, comp.get("scale")),
        "distribution": distribution_chart(lang, block, comp.get("scale")),
    }


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
        input_rows=input_rows(lang, inp),
    )
