"""Inline SVG charts as pure functions of already-formatted data.

Every text placed in a chart is escaped here, so a label coming from a data
file cannot inject markup. Charts carry ``role="img"``, an ``aria-label``, a
``<title>`` and a ``<desc>``; they need no script, font or external resource,
and no ``xmlns`` since they are meant to be inlined in HTML.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup

from fluide.render.markers import ChartMarker, draw_markers

# ColorBrewer RdYlGn, reversed: green (no effort) to red (high effort).
# Chosen to stay distinguishable when printed in greyscale by lightness too.
EFFORT_STOPS = ("#1a9850", "#66bd63", "#a6d96a", "#fee08b", "#fdae61", "#f46d43", "#d73027")
LINE = "#2b4c7e"
BAND = "#9db4d6"
GRID = "#d9d9d9"
INK = "#1f2328"
MUTED = "#5c6670"
GAP = "#ececec"
CHAR_W = 6.2  # average width of an 11px sans-serif character, for layout only


def _hex(colour: str) -> tuple[int, int, int]:
    c = colour.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def effort_colour(rank: float) -> str:
    """The colour of an effort level: 0 = least effort (green), 1 = most (red)."""
    t = min(max(rank, 0.0), 1.0) * (len(EFFORT_STOPS) - 1)
    i = min(int(t), len(EFFORT_STOPS) - 2)
    f = t - i
    a, b = _hex(EFFORT_STOPS[i]), _hex(EFFORT_STOPS[i + 1])
    r, g, bl = (round(x + (y - x) * f) for x, y in zip(a, b, strict=True))
    return f"#{r:02x}{g:02x}{bl:02x}"


def effort_rank(points: Sequence[int], polarity: object, point: int) -> float:
    """Where a raw point sits on the effort axis: 0 = least effort, 1 = most.

    On an ``ease`` scale the highest point is the easiest; on an ``effort``
    scale point 1 is.
    """
    k = len(points)
    if k < 2 or point not in points:
        return 0.0
    pos = list(points).index(point)
    e = k - 1 - pos if polarity == "ease" else pos
    return e / (k - 1)


def point_colours(points: Sequence[int], polarity: object) -> dict[int, str]:
    """Each raw answer point coloured by the effort it stands for."""
    return {p: effort_colour(effort_rank(points, polarity, p)) for p in points}


def text_colour(background: str) -> str:
    """Dark or white text, whichever reads better on ``background``."""
    r, g, b = _hex(background)
    luminance = (0.299 * r + 0.587 * g + 0.114 * b) / 255
    return INK if luminance > 0.6 else "#ffffff"


def _open(width: float, height: float, title: str, desc: str, cls: str) -> Markup:
    return Markup(
        '<svg class="{cls}" role="img" aria-label="{title}" viewBox="0 0 {w:.0f} {h:.0f}" '
        'width="100%" preserveAspectRatio="xMidYMid meet" font-family="inherit" font-size="11">'
        "<title>{title}</title><desc>{desc}</desc>"
    ).format(cls=cls, title=title, desc=desc, w=width, h=height)


def _text(
    x: float,
    y: float,
    text: str,
    *,
    anchor: str = "middle",
    fill: str = INK,
    weight: str = "normal",
    size: int = 11,
) -> Markup:
    return Markup(
        '<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}" '
        'font-weight="{weight}" font-size="{size}">{text}</text>'
    ).format(x=x, y=y, anchor=anchor, fill=fill, weight=weight, size=size, text=text)


def _svg(parts: Sequence[Markup]) -> Markup:
    return Markup("").join([*parts, Markup("</svg>")])


def wrap(text: str, chars: int, max_lines: int = 3) -> list[str]:
    """Greedy word wrap for chart captions; the last line ends in "…" if cut."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= chars:
            lines[-1] += " " + word
        else:
            lines.append(word)
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], lines[max_lines - 1] + "…"]
    return lines


@dataclass(frozen=True)
class Bar:
    tick: str  # under the bar, e.g. the answer point
    caption: str  # wrapped under the tick, e.g. the point's wording; may be empty
    value: float  # bar height, relative to the tallest bar
    text: str  # printed above the bar
    colour: str
    tooltip: str


def bar_chart(bars: Sequence[Bar], *, title: str, desc: str, width: int = 640) -> Markup:
    """Vertical bars, one per category, value printed above each."""
    slot = (width - 32) / max(len(bars), 1)
    chars = max(4, int(slot / CHAR_W))
    captions = [wrap(b.caption, chars) for b in bars]
    lines = max((len(c) for c in captions), default=0)
    top, plot_h = 22.0, 170.0
    base = top + plot_h
    peak = max((b.value for b in bars), default=0.0)
    out = [_open(width, base + 28 + 13 * lines, title, desc, "chart bars")]
    out.append(
        Markup('<line x1="16" y1="{y:.1f}" x2="{x2}" y2="{y:.1f}" stroke="{c}"/>').format(
            y=base, x2=width - 16, c=MUTED
        )
    )
    for i, (bar, caption) in enumerate(zip(bars, captions, strict=True)):
        cx = 16 + slot * (i + 0.5)
        h = plot_h * bar.value / peak if peak > 0 else 0.0
        w = slot * 0.7
        out.append(
            Markup(
                '<g class="bar"><title>{tip}</title><rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" '
                'height="{h:.1f}" fill="{fill}" stroke="#00000033"/></g>'
            ).format(tip=bar.tooltip, x=cx - w / 2, y=base - h, w=w, h=h, fill=bar.colour)
        )
        out.append(_text(cx, base - h - 5, bar.text))
        out.append(_text(cx, base + 15, bar.tick, weight="bold"))
        out.extend(
            _text(cx, base + 29 + 13 * j, line, fill=MUTED, size=10)
            for j, line in enumerate(caption)
        )
    return _svg(out)


@dataclass(frozen=True)
class Segment:
    label: str
    pct: float | None  # 0–100
    text: str  # printed inside when it fits
    colour: str


def stacked_bar(segments: Sequence[Segment], *, title: str, desc: str, width: int = 640) -> Markup:
    """One horizontal 100 % bar split into segments (the effort groups)."""
    out = [_open(width, 34, title, desc, "chart stacked")]
    rect = Markup('<rect x="{x:.1f}" y="2" width="{w:.1f}" height="30" fill="{fill}"/>')
    x = 0.0
    for s in segments:
        w = width * (s.pct or 0.0) / 100
        out.append(
            Markup('<g class="segment"><title>{label} ({text})</title>{rect}</g>').format(
                label=s.label, text=s.text, rect=rect.format(x=x, w=w, fill=s.colour)
            )
        )
        if w >= CHAR_W * len(s.text) + 8:
            out.append(_text(x + w / 2, 21, s.text, fill=text_colour(s.colour), weight="bold"))
        x += w
    if x == 0:
        out.append(rect.format(x=0, w=width, fill=GAP))
    return _svg(out)


@dataclass(frozen=True)
class TrendPoint:
    tick: str
    tooltip: str
    value: float | None  # None: no answers in the period, drawn as a gap
    ci: tuple[float, float] | None
    pooled: bool
    small: bool


@dataclass(frozen=True)
class TrendLegend:
    line: str
    band: str
    pooled: str
    small: str
    empty: str


def _runs(points: Sequence[TrendPoint]) -> list[list[int]]:
    """Indices of consecutive periods with a value: lines break at gaps."""
    runs: list[list[int]] = []
    for i, p in enumerate(points):
        if p.value is None:
            continue
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def _marker(x: float, y: float, p: TrendPoint) -> Markup:
    cls = "pt" + (" pooled" if p.pooled else "") + (" small" if p.small else "")
    style = {"fill": "#ffffff" if p.pooled else LINE, "line": LINE}
    shape = (
        Markup(
            '<rect x="{x:.1f}" y="{y:.1f}" width="8" height="8" fill="{fill}" stroke="{line}" '
            'stroke-width="2"/>'
        ).format(x=x - 4, y=y - 4, **style)
        if p.small
        else Markup(
            '<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{fill}" stroke="{line}" '
            'stroke-width="2"/>'
        ).format(x=x, y=y, **style)
    )
    return Markup('<g class="{cls}"><title>{tip}</title>{shape}</g>').format(
        cls=cls, tip=p.tooltip, shape=shape
    )


def _legend(legend: TrendLegend, width: int, y0: float) -> tuple[list[Markup], float]:
    """Legend items laid out left to right, wrapping; returns the SVG and its bottom."""
    items = [
        (
            Markup('<line x1="0" y1="0" x2="18" y2="0" stroke="{c}" stroke-width="2"/>').format(
                c=LINE
            ),
            legend.line,
        ),
        (
            Markup(
                '<rect x="0" y="-6" width="18" height="12" fill="{c}" fill-opacity="0.5"/>'
            ).format(c=BAND),
            legend.band,
        ),
        (
            Markup(
                '<circle cx="9" cy="0" r="4.5" fill="#ffffff" stroke="{c}" stroke-width="2"/>'
            ).format(c=LINE),
            legend.pooled,
        ),
        (
            Markup('<rect x="5" y="-4" width="8" height="8" fill="{c}"/>').format(c=LINE),
            legend.small,
        ),
        (
            Markup('<rect x="3" y="-7" width="12" height="14" fill="{c}" stroke="{s}"/>').format(
                c=GAP, s=GRID
            ),
            legend.empty,
        ),
    ]
    out, x, y = [], 16.0, y0
    for symbol, label in items:
        if not label:
            continue  # a chart without that mark (no band, no pooling) names none
        w = 24 + CHAR_W * len(label) + 18
        if x + w > width and x > 16:
            x, y = 16.0, y + 18
        out.append(
            Markup('<g class="legend" transform="translate({x:.1f},{y:.1f})">{s}{t}</g>').format(
                x=x, y=y, s=symbol, t=_text(24, 4, label, anchor="start")
            )
        )
        x += w
    return out, y + 10


def trend_chart(
    points: Sequence[TrendPoint],
    *,
    y_range: tuple[float, float],
    y_ticks: Sequence[tuple[float, str]],
    y_caption: str,
    legend: TrendLegend,
    title: str,
    desc: str,
    width: int = 760,
    markers: Sequence[ChartMarker] = (),
) -> Markup:
    """A line with its confidence band over periods; pooled, thin and empty periods marked,
    and ``markers`` (delivered actions, question versions) as dated vertical lines."""
    left, right, top, plot_h = 52.0, 16.0, 28.0, 190.0
    base = top + plot_h
    lo, hi = y_range
    span = (hi - lo) or 1.0
    slot = (width - left - right) / max(len(points), 1)

    def x(i: int) -> float:
        return left + slot * (i + 0.5)

    def y(v: float) -> float:
        return top + plot_h * (hi - min(max(v, lo), hi)) / span

    legend_svg, bottom = _legend(legend, width, base + 44)
    out = [_open(width, bottom + 6, title, desc, "chart trend")]
    out.append(_text(left, 14, y_caption, anchor="start", fill=MUTED))
    hline = Markup('<line x1="{x1}" y1="{y:.1f}" x2="{x2}" y2="{y:.1f}" stroke="{c}"/>')
    for v, label in y_ticks:
        out.append(hline.format(x1=left, x2=width - right, y=y(v), c=GRID))
        out.append(_text(left - 6, y(v) + 4, label, anchor="end", fill=MUTED))
    for i, p in enumerate(points):
        if p.value is None:
            out.append(
                Markup(
                    '<g class="gap"><title>{tip}</title><rect x="{x:.1f}" y="{y}" width="{w:.1f}" '
                    'height="{h}" fill="{c}"/></g>'
                ).format(tip=p.tooltip, x=x(i) - slot / 2, y=top, w=slot, h=plot_h, c=GAP)
            )
    runs = _runs(points)
    for run in runs:
        out.extend(_band(run, points, x, y))
        if len(run) > 1:
            coords = " ".join(f"{x(i):.1f},{y(points[i].value or 0):.1f}" for i in run)
            out.append(
                Markup(
                    '<polyline class="line" points="{p}" fill="none" stroke="{c}" '
                    'stroke-width="2"/>'
                ).format(p=coords, c=LINE)
            )
    out.extend(draw_markers(markers, left, width - right, top, base))
    for run in runs:
        out.extend(_marker(x(i), y(points[i].value or 0), points[i]) for i in run)
    every = max(1, math.ceil(len(points) * 46 / (width - left - right)))
    out.extend(
        _text(x(i), base + 16, p.tick, fill=MUTED) for i, p in enumerate(points) if i % every == 0
    )
    out.append(hline.format(x1=left, x2=width - right, y=base, c=MUTED))
    out.extend(legend_svg)
    return _svg(out)


def _band(
    run: Sequence[int],
    points: Sequence[TrendPoint],
    x: Callable[[int], float],
    y: Callable[[float], float],
) -> list[Markup]:
    """The confidence band of a run of periods; a whisker where the run is one period long."""
    cis = [(i, points[i].ci) for i in run]
    if len(run) > 1 and all(ci for _, ci in cis):
        upper = [f"{x(i):.1f},{y(ci[1]):.1f}" for i, ci in cis if ci]
        lower = [f"{x(i):.1f},{y(ci[0]):.1f}" for i, ci in reversed(cis) if ci]
        return [
            Markup('<polygon class="band" points="{p}" fill="{c}" fill-opacity="0.5"/>').format(
                p=" ".join(upper + lower), c=BAND
            )
        ]
    return [
        Markup(
            '<line class="whisker" x1="{x:.1f}" y1="{y1:.1f}" x2="{x:.1f}" y2="{y2:.1f}" '
            'stroke="{c}" stroke-width="6"/>'
        ).format(x=x(i), y1=y(ci[0]), y2=y(ci[1]), c=BAND)
        for i, ci in cis
        if ci
    ]
