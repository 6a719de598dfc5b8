"""The recontacts report as one self-contained HTML page (autoescaped; inline SVG)."""

from __future__ import annotations

from typing import Any

from fluide.i18n import DEFAULT_LANG, check_lang, fmt_int, fmt_percent, gettext
from fluide.render import common
from fluide.render import recontacts_view as v
from fluide.render.common import Doc
from fluide.render.svg import LINE, MUTED, Bar, TrendLegend, TrendPoint, bar_chart, trend_chart
from fluide.templating import environment


def weekly_chart(lang: str, doc: Doc) -> Any:
    """The weekly recontact rate on 0–100 %; a week with nothing observed is a gap."""
    points = [
        TrendPoint(
            common.period_tick(lang, "week", week),
            gettext(
                lang,
                "%(period)s: %(value)s, %(n)s observed contacts",
                period=common.period_name(lang, "week", week),
                value=fmt_percent(lang, rate, 1),
                n=fmt_int(lang, n),
            ),
            rate,
            None,
            False,
            False,
        )
        for week, rate, n in v.weekly_rates(doc)
    ]
    title = gettext(lang, "Weekly recontact rate")
    return trend_chart(
        points,
        y_range=(0.0, 100.0),
        y_ticks=[(t, fmt_percent(lang, t, 0)) for t in (0.0, 25.0, 50.0, 75.0, 100.0)],
        y_caption=gettext(lang, "Lower is better: fewer customers had to come back."),
        legend=TrendLegend(
            line=gettext(lang, "Recontact rate"),
            band="",
            pooled="",
            small="",
            empty=gettext(lang, "nothing observed"),
        ),
        title=title,
        desc=title,
    )


def _distribution(lang: str, block: Doc, points: list[int], title: str, colour: str) -> Any:
    n = int(block.get("n") or 0)
    dist = block.get("distribution") or {}
    bars = []
    for p in points:
        count = int(dist.get(str(p), 0))
        pct = 100.0 * count / n if n else 0.0
        text = fmt_percent(lang, pct, 0) if n else "—"
        bars.append(Bar(str(p), "", pct, text, colour, f"{p}: {text} ({fmt_int(lang, count)})"))
    return bar_chart(bars, title=title, desc="; ".join(b.tooltip for b in bars), width=420)


def answers_section(lang: str, doc: Doc) -> dict[str, Any] | None:
    answers = doc.get("answers")
    if not answers:
        return None
    rec, other = answers.get("recontacted") or {}, answers.get("not_recontacted") or {}
    points = v.points_of(rec, other)
    rec_title = gettext(lang, "Recontacted")
    other_title = gettext(lang, "Not recontacted")
    return {
        "rows": v.answers_rows(lang, answers),
        "difference": v.difference_text(lang, answers),
        "sides": [
            (rec_title, _distribution(lang, rec, points, rec_title, LINE)),
            (other_title, _distribution(lang, other, points, other_title, MUTED)),
        ],
    }


def render_recontacts_html(doc: dict[str, Any], lang: str = DEFAULT_LANG) -> str:
    check_lang(lang)
    inp = doc.get("input") or {}
    return (
        environment("fluide.render", lang)
        .get_template("recontacts.html.j2")
        .render(
            lang=lang,
            file=str(inp.get("file") or ""),
            period=common.period_covered(lang, inp),
            tz=str(inp.get("tz") or ""),
            window_note=v.window_note(lang, doc),
            warnings=common.warning_texts(lang, doc.get("warnings")),
            figures=v.key_figures(lang, doc.get("overall") or {}),
            weekly_svg=weekly_chart(lang, doc),
            weekly=v.weekly_table(lang, doc),
            tables=v.group_tables(lang, doc),
            answers=answers_section(lang, doc),
            input_rows=v.input_rows(lang, doc),
        )
    )
