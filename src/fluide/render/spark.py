"""A sparkline: a small weekly trend for a table cell, as inline SVG.

Like :mod:`fluide.render.svg`, every text is escaped here; the chart needs no
script, font or external resource. Its band is the 95 % interval of each
period, hollow marks are periods with few answers, grey slots periods without.

>>> pts = [SparkPoint("W1: 5", 5.0, (4.0, 6.0), False), SparkPoint("W2: none", None, None, False)]
>>> svg = sparkline(pts, 1.0, 7.0, title="CES <trend>", desc="")
>>> svg.count('class="pt"'), svg.count('class="gap"'), "CES &lt;trend&gt;" in svg
(1, 1, True)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from fluide.render.svg import BAND, GAP, LINE


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
    width: int = 180,
    height: int = 44,
) -> Markup:
    """A small trend: line, 95 % band, a mark per week (hollow when thin), gaps where empty."""
    pad = 5.0
    slot = (width - 2 * pad) / max(len(points), 1)
    span = (hi - lo) or 1.0

    def x(i: int) -> float:
        return pad + slot * (i + 0.5)

    def y(v: float) -> float:
        return pad + (height - 2 * pad) * (hi - min(max(v, lo), hi)) / span

    out = [
        Markup(
            '<svg class="chart spark" role="img" aria-label="{t}" viewBox="0 0 {w} {h}" '
            'width="{w}" height="{h}"><title>{t}</title><desc>{d}</desc>'
        ).format(t=title, d=desc, w=width, h=height)
    ]
    runs: list[list[int]] = []
    for i, p in enumerate(points):
        if p.value is None:
            out.append(
                Markup(
                    '<rect class="gap" x="{x:.1f}" y="{y}" width="{w:.1f}" height="{h}" '
                    'fill="{c}"><title>{tip}</title></rect>'
                ).format(x=x(i) - slot / 2, y=pad, w=slot, h=height - 2 * pad, c=GAP, tip=p.tooltip)
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
    for run in runs:
        for i in run:
            p = points[i]
            out.append(
                Markup(
                    '<circle class="pt" cx="{x:.1f}" cy="{y:.1f}" r="2.6" fill="{f}" '
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
