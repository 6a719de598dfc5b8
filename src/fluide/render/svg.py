"""Inline SVG charts as pure functions of already-formatted data.

Every text placed in a chart is escaped here, so a label coming from a data
file cannot inject markup. Charts carry ``role="img"``, an ``aria-label``, a
``<title>`` and a ``<desc>``; they need no script, font or external resource,
and no ``xmlns`` since they are meant to be inlined in HTML.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

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


def _open(width: float, height: float, title: str, desc: str, cls: str) -> str:
    t = escape(title)
    return (
        f'<svg class="{cls}" role="img" aria-label="{t}" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="100%" preserveAspectRatio="xMidYMid meet" font-family="inherit" font-size="11">'
        f"<title>{t}</title><desc>{escape(desc)}</desc>"
    )


def _text(x: float, y: float, text: str, *, anchor: str = "middle", fill: str = INK,
          extra: str = "") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}"{extra}>'
        f"{escape(text)}</text>"
    )


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
    caption: str  # wrapped under the tick, e.g. the point's wording
    value: float  # bar height, relative to the tallest bar
    text: str  # printed above the bar
    colour: str
    tooltip: str


def bar_chart(bars: Sequence[Bar], *, title: str, desc: str, width: int = 640) -> Markup:
    """Vertical bars, one per category, value printed above each."""
    slot = (width - 32) / max(len(bars), 1)
    chars = max(4, int(slot / CHAR_W))
    captions = [wrap(b.caption, chars) if b.caption != b.tick else [] for b in bars]
    lines = max((len(c) for c in captions), default=0)
    top, plot_h = 22.0, 170.0
    base = top + plot_h
    height = base + 22 + 13 * lines + 6
    peak = max((b.value for b in bars), default=0.0)
    out = [_open(width, height, title, desc, "chart bars")]
    out.append(f'<line x1="16" y1="{base:.1f}" x2="{width - 16}" y2="{base:.1f}" stroke="{MUTED}"/>')
    for i, (bar, caption) in enumerate(zip(bars, captions, strict=True)):
        cx = 16 + slot * (i + 0.5)
        h = plot_h * bar.value / peak if peak > 0 else 0.0
        w = slot * 0.7
        out.append(
            f'<g class="bar"><title>{escape(bar.tooltip)}</title>'
            f'<rect x="{cx - w / 2:.1f}" y="{base - h:.1f}" width="{w:.1f}" height="{h:.1f}" '
            f'fill="{bar.colour}" stroke="#00000033"/></g>'
        )
        out.append(_text(cx, base - h - 5, bar.text))
        out.append(_text(cx, base + 15, bar.tick, extra=' font-weight="bold"'))
        for j, line in enumerate(caption):
            out.append(_text(cx, base + 29 + 13 * j, line, fill=MUTED, extra=' font-size="10"'))
    out.append("</svg>")
    return Markup("".join(out))


@dataclass(frozen=True)
class Segment:
    label: str
    pct: float | None  # 0–100
    text: str  # printed inside when it fits
    colour: str


def stacked_bar(segments: Sequence[Segment], *, title: str, desc: str, width: int = 640) -> Markup:
    """One horizontal 100 % bar split into segments (the effort groups)."""
    height, bar_h = 34.0, 30.0
    out = [_open(width, height, title, desc, "chart stacked")]
    x = 0.0
    for s in segments:
        w = width * (s.pct or 0.0) / 100
        out.append(
            f'<g class="segment"><title>{escape(s.label)} ({escape(s.text)})</title>'
            f'<rect x="{x:.1f}" y="2" width="{w:.1f}" height="{bar_h:.0f}" fill="{s.colour}"/></g>'
        )
        if w >= CHAR_W * len(s.text) + 8:
            out.append(_text(x + w / 2, 21, s.text, fill=text_colour(s.colour),
                             extra=' font-weight="bold"'))
        x += w
    if x == 0:
        out.append(f'<rect x="0" y="2" width="{width}" height="{bar_h:.0f}" fill="{GAP}"/>')
    out.append("</svg>")
    return Markup("".join(out))


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


def _marker(x: float, y: float, p: TrendPoint) -> str:
    cls = "pt" + (" pooled" if p.pooled else "") + (" small" if p.small else "")
    fill = "#ffffff" if p.pooled else LINE
    style = f'fill="{fill}" stroke="{LINE}" stroke-width="2"'
    shape = (
        f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" {style}/>'
        if p.small
        else f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" {style}/>'
    )
    return f'<g class="{cls}"><title>{escape(p.tooltip)}</title>{shape}</g>'


def _legend(legend: TrendLegend, width: int, y0: float) -> tuple[list[str], float]:
    """Legend items laid out left to right, wrapping; returns the SVG and its bottom."""
    items = [
        (f'<line x1="0" y1="0" x2="18" y2="0" stroke="{LINE}" stroke-width="2"/>', legend.line),
        (f'<rect x="0" y="-6" width="18" height="12" fill="{BAND}" fill-opacity="0.5"/>', legend.band),
        (f'<circle cx="9" cy="0" r="4.5" fill="#ffffff" stroke="{LINE}" stroke-width="2"/>',
         legend.pooled),
        (f'<rect x="5" y="-4" width="8" height="8" fill="{LINE}"/>', legend.small),
        (f'<rect x="3" y="-7" width="12" height="14" fill="{GAP}" stroke="{GRID}"/>', legend.empty),
    ]
    out, x, y = [], 16.0, y0
    for symbol, label in items:
        w = 24 + CHAR_W * len(label) + 18
        if x + w > width and x > 16:
            x, y = 16.0, y + 18
        out.append(f'<g class="legend" transform="translate({x:.1f},{y:.1f})">{symbol}'
                   f"{_text(24, 4, label, anchor='start')}</g>")
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
) -> Markup:
    """A line with its confidence band over periods; pooled, thin and empty periods marked."""
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
    for v, label in y_ticks:
        out.append(f'<line x1="{left}" y1="{y(v):.1f}" x2="{width - right}" y2="{y(v):.1f}" '
                   f'stroke="{GRID}"/>')
        out.append(_text(left - 6, y(v) + 4, label, anchor="end", fill=MUTED))
    for i, p in enumerate(points):
        if p.value is None:
            out.append(f'<g class="gap"><title>{escape(p.tooltip)}</title>'
                       f'<rect x="{x(i) - slot / 2:.1f}" y="{top}" width="{slot:.1f}" '
                       f'height="{plot_h}" fill="{GAP}"/></g>')
    runs = _runs(points)
    for run in runs:
        cis = [(i, points[i].ci) for i in run]
        if len(run) > 1 and all(ci for _, ci in cis):
            upper = [f"{x(i):.1f},{y(ci[1]):.1f}" for i, ci in cis if ci]
            lower = [f"{x(i):.1f},{y(ci[0]):.1f}" for i, ci in reversed(cis) if ci]
            out.append(f'<polygon class="band" points="{" ".join(upper + lower)}" '
                       f'fill="{BAND}" fill-opacity="0.5"/>')
        else:
            for i, ci in cis:
                if ci:
                    out.append(f'<line class="whisker" x1="{x(i):.1f}" y1="{y(ci[0]):.1f}" '
                               f'x2="{x(i):.1f}" y2="{y(ci[1]):.1f}" stroke="{BAND}" stroke-width="6"/>')
        if len(run) > 1:
            coords = " ".join(f"{x(i):.1f},{y(points[i].value or 0):.1f}" for i in run)
            out.append(f'<polyline class="line" points="{coords}" fill="none" stroke="{LINE}" '
                       f'stroke-width="2"/>')
    for run in runs:
        out.extend(_marker(x(i), y(points[i].value or 0), points[i]) for i in run)
    every = max(1, math.ceil(len(points) * 46 / (width - left - right)))
    for i, p in enumerate(points):
        if i % every == 0:
            out.append(_text(x(i), base + 16, p.tick, fill=MUTED))
    out.append(f'<line x1="{left}" y1="{base}" x2="{width - right}" y2="{base}" stroke="{MUTED}"/>')
    out.extend(legend_svg)
    out.append("</svg>")
    return Markup("".join(out))
