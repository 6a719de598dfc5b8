"""A small chart: a weekly trend for a table cell, as inline SVG, with its axis.

Like :mod:`fluide.render.svg`, every text is escaped here; the chart needs no
script, font or external resource. Its band is the 95 % interval of each
period, hollow marks are periods with few answers, grey slots periods without;
dashed lines mark delivered actions and question-version changes.

>>> pts = [SparkPoint("W1: 5", 5.0, (4.0, 6.0), False), SparkPoint("W2: none", None, None, False)]
>>> svg = sparkline(pts, 1.0, 7.0, title="CES <trend>", desc="")
>>> svg.count('class="pt"'), svg.count('class="gap"'), "CES &lt;trend&gt;" in svg
(1, 1, True)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from fluide.render.markers import ChartMarker, draw_markers
from fluide.render.svg import BAND, CHAR_W, GAP, GRID, LINE, MUTED


@dataclass(frozen=True)
class SparkPoint:
    tooltip: str
    value: float | None
    ci: tuple[float, float] | None
    faint: bool  # pooled with the previous week, or a small sample


def sparkline(
    points: Sequence[SparkPoint],
    lo: float,
    hi: float,
    *,
    title: str,
    desc: str,
    y_labels: tuple[str, str] = ("", ""),
    x_labels: tuple[str, str] = ("", ""),
    markers: Sequence[ChartMarker] = (),
    width: int = 260,
    height: int = 96,
) -> Markup:
    """A small trend: line, 95 % band, a mark per week (hollow when thin), gaps where empty;
    its axis (``y_labels``: bottom and top of the scale, ``x_labels``: first and last day)
    and ``markers`` as dated lines. It scales to its box (viewBox, ``width:100%``)."""
    label_w = max(len(t) for t in y_labels) * CHAR_W
    left, right, top = max(14.0, label_w + 8), 6.0, 8.0
    base = height - 18.0
    plot_w = width - left - right
    slot = plot_w / max(len(points), 1)
    span = (hi - lo) or 1.0

    def x(i: int) -> float:
        return left + slot * (i + 0.5)

    def y(v: float) -> float:
        return top + (base - top) * (hi - min(max(v, lo), hi)) / span

    out = [
        Markup(
            '<svg class="chart spark" role="img" aria-label="{t}" viewBox="0 0 {w} {h}" '
            'width="100%" preserveAspectRatio="xMidYMid meet" font-size="11">'
            "<title>{t}</title><desc>{d}</desc>"
        ).format(t=title, d=desc, w=width, h=height)
    ]
    # The axis: the scale's ends (no zoom that exaggerates) and the window's first/last day.
    axis = Markup(
        '<line x1="{l:.1f}" x2="{r:.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="{c}"/>'
        '<text class="y-label" x="{tx:.1f}" y="{ty:.1f}" text-anchor="end" fill="{m}">{t}</text>'
    )
    for value, text in ((lo, y_labels[0]), (hi, y_labels[1])):
        out.append(
            axis.format(
                l=left,
                r=width - right,
                y=y(value),
                c=GRID,
                tx=left - 4,
                ty=y(value) + 3.5,
                m=MUTED,
                t=text,
            )
        )
    out.append(
        Markup(
            '<text class="x-label" x="{a:.1f}" y="{y:.1f}" fill="{m}">{f}</text>'
            '<text class="x-label" x="{b:.1f}" y="{y:.1f}" text-anchor="end" fill="{m}">{t}</text>'
        ).format(a=left, b=width - right, y=height - 4, m=MUTED, f=x_labels[0], t=x_labels[1])
    )
    runs: list[list[int]] = []
    for i, p in enumerate(points):
        if p.value is None:
            out.append(
                Markup(
                    '<rect class="gap" x="{x:.1f}" y="{y}" width="{w:.1f}" height="{h}" '
                    'fill="{c}"><title>{tip}</title></rect>'
                ).format(x=x(i) - slot / 2, y=top, w=slot, h=base - top, c=GAP, tip=p.tooltip)
            )
        elif runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    for run in runs:
        cis = [(i, points[i].ci) for i in run if points[i].ci]
        if len(run) > 1 and len(cis) == len(run):
            edge = [f"{x(i):.1f},{y(c[1]):.1f}" for i, c in cis if c]
            edge += [f"{x(i):.1f},{y(c[0]):.1f}" for i, c in reversed(cis) if c]
            out.append(
                Markup('<polygon class="band" points="{p}" fill="{c}" fill-opacity="0.5"/>').format(
                    p=" ".join(edge), c=BAND
                )
            )
        if len(run) > 1:
            line = " ".join(f"{x(i):.1f},{y(points[i].value or 0):.1f}" for i in run)
            out.append(
                Markup(
                    '<polyline points="{p}" fill="none" stroke="{c}" stroke-width="1.8"/>'
                ).format(p=line, c=LINE)
            )
    out.extend(draw_markers(markers, left, width - right, top, base, labels=False))
    for run in runs:
        for i in run:
            p = points[i]
            out.append(
                Markup(
                    '<circle class="pt" cx="{x:.1f}" cy="{y:.1f}" r="2.8" fill="{f}" '
                    'stroke="{c}" stroke-width="1.4"><title>{tip}</title></circle>'
                ).format(
                    x=x(i),
                    y=y(p.value or 0),
                    f="#ffffff" if p.faint else LINE,
                    c=LINE,
                    tip=p.tooltip,
                )
            )
    out.append(Markup("</svg>"))
    return Markup("").join(out)
