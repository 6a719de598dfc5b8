"""Events drawn on a trend chart: delivered actions and question-version changes.

A marker is a vertical line at its date, wrapped in a link to what it stands
for, with its full text as ``<title>`` and ``aria-label``. Like every chart
text, the label is escaped here: an action titled ``<script>`` stays text.

>>> m = ChartMarker(0.5, "<b>", "Action: <b>", "/app/actions/act_1", "action")
>>> svg = "".join(draw_markers([m], 10.0, 110.0, 0.0, 50.0))
>>> "&lt;b&gt;" in svg and "<b>" not in svg, 'x1="60.0"' in svg
(True, True)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from babel import dates as babel_dates
from markupsafe import Markup

from fluide.i18n import check_lang, fmt_date, gettext

INK: Final = "#1f2328"  # as fluide.render.svg's, which draws these markers
ACTION_COLOUR: Final = "#1a7f37"
VERSION_COLOUR: Final = "#8250df"
MAX_LABEL: Final = 28


@dataclass(frozen=True)
class ChartMarker:
    at: float  # 0–1 along the plot, from the window's first day to its last
    label: str  # shown on the chart (shortened)
    title: str  # the full text, for the tooltip and screen readers
    href: str | None
    kind: str  # "action" | "question_version"


def short_date(lang: str, d: date | str) -> str:
    """An axis date: ``16 nov.`` / ``Nov 16``."""
    day = d if isinstance(d, date) else date.fromisoformat(d)
    text: str = babel_dates.format_skeleton("MMMd", day, locale=check_lang(lang))
    return text


def _short(text: str, limit: int = MAX_LABEL) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def chart_markers(
    lang: str, items: Iterable[dict[str, Any]], start: date | str, end: date | str
) -> list[ChartMarker]:
    """The markers (``kind``, ``date``, …, as the dashboard's JSON gives them) placed on a
    window of days from ``start`` to ``end``; those outside it are left out."""
    first = start if isinstance(start, date) else date.fromisoformat(start)
    last = end if isinstance(end, date) else date.fromisoformat(end)
    days = (last - first).days + 1
    out = []
    for item in items:
        day = date.fromisoformat(item["date"])
        if not first <= day <= last:
            continue
        at = ((day - first).days + 0.5) / days
        if item["kind"] == "action":
            title = gettext(
                lang,
                "Action delivered on %(date)s: %(title)s",
                date=fmt_date(lang, day),
                title=item["title"],
            )
            out.append(ChartMarker(at, _short(item["title"]), title, item.get("url"), "action"))
        else:
            label = gettext(lang, "question v%(number)s", number=item["version"])
            title = gettext(
                lang,
                "Question version %(number)s from %(date)s",
                number=item["version"],
                date=fmt_date(lang, day),
            )
            out.append(ChartMarker(at, label, title, item.get("url"), "question_version"))
    return out


def draw_markers(
    markers: Sequence[ChartMarker],
    x0: float,
    x1: float,
    top: float,
    bottom: float,
    *,
    labels: bool = True,
    size: int = 11,
) -> list[Markup]:
    """Each marker as a dashed vertical line over the plot (``x0``–``x1``, ``top``–``bottom``),
    its label at the top (staggered so that close labels do not overlap) when ``labels``."""
    out = []
    for i, m in enumerate(markers):
        x = x0 + (x1 - x0) * min(max(m.at, 0.0), 1.0)
        colour = ACTION_COLOUR if m.kind == "action" else VERSION_COLOUR
        inner = [
            Markup("<title>{t}</title>").format(t=m.title),
            Markup(
                '<line x1="{x:.1f}" x2="{x:.1f}" y1="{a:.1f}" y2="{b:.1f}" stroke="{c}" '
                'stroke-width="1.6" stroke-dasharray="4 3"/>'
                # A wide transparent line: the thin one alone is hard to point at or tap.
                '<line x1="{x:.1f}" x2="{x:.1f}" y1="{a:.1f}" y2="{b:.1f}" stroke="transparent" '
                'stroke-width="10"/>'
            ).format(x=x, a=top, b=bottom, c=colour),
        ]
        if labels:
            right = x > x0 + (x1 - x0) * 0.6
            inner.append(
                Markup(
                    '<text x="{x:.1f}" y="{y:.1f}" text-anchor="{a}" fill="{c}" font-size="{s}" '
                    'stroke="#ffffff" stroke-width="3" paint-order="stroke">{t}</text>'
                ).format(
                    x=x - 4 if right else x + 4,
                    y=top + size + (size + 2) * (i % 3),
                    a="end" if right else "start",
                    c=INK if m.kind == "action" else colour,
                    s=size,
                    t=m.label,
                )
            )
        body = Markup("").join(inner)
        cls = f"marker {m.kind}"
        if m.href:
            out.append(
                Markup('<a class="{k}" href="{h}" aria-label="{t}">{b}</a>').format(
                    k=cls, h=m.href, t=m.title, b=body
                )
            )
        else:
            out.append(
                Markup('<g class="{k}" role="img" aria-label="{t}">{b}</g>').format(
                    k=cls, t=m.title, b=body
                )
            )
    return out
