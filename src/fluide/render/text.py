"""Plain-text reports for the terminal, laid out with rich.

The console parses neither markup nor emoji codes: a comment such as
``[bold]`` or ``:smile:`` is printed exactly as the customer typed it.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from typing import Any

from rich import box
from rich.console import Console
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from fluide.i18n import DEFAULT_LANG, check_lang, fmt_date, fmt_int, fmt_percent, gettext
from fluide.render import common
from fluide.render.common import Doc
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

BAR = "█"
BAR_WIDTH = 30


def _console(width: int) -> Console:
    return Console(
        record=True,
        width=width,
        file=io.StringIO(),
        markup=False,
        emoji=False,
        highlight=False,
        color_system=None,
    )


def _table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    numeric: Sequence[int] = (),
    bar: int | None = None,
    title: str | None = None,
) -> Table:
    """A table whose figures never wrap mid-number; headers and words wrap instead."""
    table = Table(
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        show_header=any(headers),
        title=title,
        title_justify="left",
    )
    for i, h in enumerate(headers):
        if i == bar:
            table.add_column(h, no_wrap=True, overflow="crop")
        elif i in numeric:
            # Rich would break "[4,1 ; 4,9]" at its space: the header is wrapped
            # by hand to the widest figure instead, and the column never wraps.
            widest = max((len(r[i]) for r in rows), default=0)
            lines = textwrap.wrap(h, max(widest, min(len(h), 12), *(len(w) for w in h.split())))
            table.add_column("\n".join(lines), justify="right", no_wrap=True)
        else:
            table.add_column(h, overflow="fold")
    for r in rows:
        table.add_row(*r)
    return table


def _kv(rows: Sequence[tuple[str, str]]) -> Table:
    table = Table(box=None, show_header=False, pad_edge=False)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for label, value in rows:
        table.add_row(label, value)
    return table


def _bar(value: float | None, peak: float) -> str:
    if not value or peak <= 0:
        return ""
    return BAR * max(1, round(BAR_WIDTH * value / peak))


def _heading(console: Console, title: str) -> None:
    console.print()
    console.print(Rule(Text(title, style="bold"), align="left", characters="─"))


def _header(console: Console, title: str, rows: Sequence[tuple[str, str]]) -> None:
    console.print(Text(title, style="bold"))
    console.print(_kv([(label, value) for label, value in rows if value]))


def _warnings(console: Console, lang: str, warnings: Sequence[str]) -> None:
    if not warnings:
        return
    _heading(console, gettext(lang, "Warnings"))
    for w in warnings:
        console.print(Text("! " + w))


def _effort_groups(console: Console, lang: str, block: Doc, scale: Doc | None) -> None:
    groups = block.get("effort_groups") or {}
    rows = [
        (
            common.group_name(lang, g),
            fmt_percent(lang, groups.get(g), 1),
            common.group_points(lang, scale, g),
            _bar(groups.get(g), 100.0),
        )
        for g in common.GROUPS
    ]
    headers = (gettext(lang, "Effort groups"), "", gettext(lang, "Scale points"), "")
    console.print(_table(headers, rows, numeric=(1,), bar=3))


def _distribution(console: Console, lang: str, block: Doc, scale: Doc | None) -> None:
    dist = block.get("distribution")
    if not dist or not scale or not scale.get("points"):
        console.print(
            Text(
                gettext(
                    lang,
                    "Several answer scales are pooled on the effort index: "
                    "there is no distribution of raw answers.",
                )
            )
        )
        return
    counts = {int(p): int(dist.get(str(p), 0)) for p in scale["points"]}
    peak = max(counts.values(), default=0)
    rows = [
        (str(p), common.point_wording(lang, scale, p), fmt_int(lang, c), _bar(c, peak))
        for p, c in counts.items()
    ]
    headers = (gettext(lang, "Answer"), gettext(lang, "Wording"), gettext(lang, "Answers"), "")
    console.print(_table(headers, rows, numeric=(0, 2), bar=3))


def _trend(console: Console, lang: str, report: Doc) -> None:
    found = common.trend_of(report)
    if found is None:
        return
    kind, periods = found
    metric = report.get("metric")
    name = gettext(lang, "Effort index") if metric == "effort_index" else gettext(lang, "Mean CES")
    _heading(console, common.trend_title(lang, kind))
    headers = (
        gettext(lang, "Period"),
        gettext(lang, "Own answers"),
        gettext(lang, "Answers shown"),
        name,
        gettext(lang, "95% CI"),
        gettext(lang, "Notes"),
    )
    rows = [
        (r["name"], r["own_n"], r["n"], r["value_text"], r["ci_text"], r["notes"])
        for r in trend_rows(lang, kind, periods, metric, report.get("scale"))
    ]
    console.print(_table(headers, rows, numeric=(1, 2, 3, 4)))


def _groups(console: Console, lang: str, report: Doc) -> None:
    tables = group_tables(lang, report)
    if not tables:
        return
    with_mean = report.get("metric") != "effort_index"
    _heading(console, gettext(lang, "Breakdowns"))
    headers = [gettext(lang, "Value"), gettext(lang, "Answers")]
    if with_mean:
        headers += [gettext(lang, "Mean CES"), gettext(lang, "95% CI")]
    headers += [
        gettext(lang, "Effort index"),
        gettext(lang, "High effort"),
        gettext(lang, "Net effort"),
    ]
    # A flag column would cost a wide header; a marker and a footnote cost one column of text.
    flagged = False
    for t in tables:
        rows = []
        for r in t["rows"]:
            flagged = flagged or r["small"]
            cells = [r["value"] + (" *" if r["small"] else ""), r["n"]]
            if with_mean:
                cells += [r["mean"], r["ci"]]
            cells += [r["effort_index"], r["high"], r["net_effort"]]
            rows.append(cells)
        numeric = range(1, len(headers))
        console.print(_table(headers, rows, numeric=numeric, title=t["title"]))
        console.print()
    if flagged:
        console.print(Text("* " + gettext(lang, "small sample")))


def _friction_table(console: Console, lang: str, rows: Sequence[dict[str, Any]]) -> bool:
    """One top list as a table; whether a row was flagged small."""
    cells = [
        (
            r["rank"],
            r["name"] + (" *" if r["small"] else ""),
            r["volume"],
            r["share"],
            r["gap"],
            r["score"],
            r["change"],
        )
        for r in rows
    ]
    console.print(_table(friction_headers(lang), cells, numeric=(0, 2, 3, 4, 5, 6)))
    return any(r["small"] for r in rows)


def _frictions(console: Console, lang: str, report: Doc) -> None:
    section = friction_section(lang, report)
    if section is None:
        return
    _heading(console, section["title"])
    console.print(Text(section["period"]))
    if section["note"]:
        console.print(Text("! " + section["note"]))
    console.print()
    flagged = False
    if not section["overall"]:
        console.print(Text(section["empty"]))
    else:
        flagged = _friction_table(console, lang, section["overall"])
        for r in section["overall"]:
            console.print()
            console.print(Text(f"{r['rank']}. {r['name']}", style="bold"))
            for v in r["verbatims"]:
                quoted = gettext(lang, "“%(comment)s”", comment=v["comment"])
                console.print(Text("  " + quoted), overflow="fold")
                console.print(Text("    " + v["meta"]))
    tables = [t for t in section["by_touchpoint"] if t["rows"]]
    if tables:
        console.print()
        console.print(Text(section["by_touchpoint_title"], style="bold"))
        for t in tables:
            console.print()
            console.print(Text(t["title"], style="bold"))
            flagged = _friction_table(console, lang, t["rows"]) or flagged
    console.print()
    if flagged:
        console.print(Text("* " + gettext(lang, "small sample")))
    console.print(Text(section["explain"]), overflow="fold")


def _verbatims(console: Console, lang: str, report: Doc) -> None:
    _heading(console, gettext(lang, "Latest high-effort comments"))
    rows = verbatim_rows(lang, report)
    if not rows:
        console.print(Text(gettext(lang, "No high-effort answer with a comment in this period.")))
    for v in rows:
        console.print(Text(v["meta"], style="bold"))
        console.print(Text(v["comment"]), overflow="fold")
        console.print()


def render_text(report: dict[str, Any], lang: str = DEFAULT_LANG, width: int = 100) -> str:
    """The analysis report as plain text, ``width`` columns wide."""
    check_lang(lang)
    console = _console(width)
    inp = report.get("input") or {}
    overall = report.get("overall") or {}
    scale = report.get("scale")
    _header(
        console,
        gettext(lang, "Customer effort report"),
        [
            (gettext(lang, "File"), str(inp.get("file") or "")),
            (gettext(lang, "Period covered"), common.period_covered(lang, inp)),
            (gettext(lang, "Time zone"), str(inp.get("tz") or "")),
            (gettext(lang, "Question"), common.scale_description(lang, scale)),
        ],
    )
    _warnings(console, lang, common.warning_texts(lang, report.get("warnings")))
    _heading(console, gettext(lang, "Key figures"))
    figures = [
        (f.label, f.value, f.detail)
        for f in key_figures(lang, overall, report.get("metric"), scale)
    ]
    console.print(_table(("", "", ""), figures, numeric=(1,)))
    _effort_groups(console, lang, overall, scale)
    _heading(console, gettext(lang, "Distribution of answers"))
    _distribution(console, lang, overall, scale)
    _trend(console, lang, report)
    _groups(console, lang, report)
    _frictions(console, lang, report)
    _verbatims(console, lang, report)
    _heading(console, gettext(lang, "Data analysed"))
    console.print(_kv(input_rows(lang, inp)))
    return console.export_text()


def render_compare_text(comp: dict[str, Any], lang: str = DEFAULT_LANG, width: int = 100) -> str:
    """A before/after comparison as plain text."""
    check_lang(lang)
    console = _console(width)
    inp = comp.get("input") or {}
    touchpoint = comp.get("touchpoint")
    _header(
        console,
        gettext(lang, "Before/after comparison"),
        [
            (gettext(lang, "Change date"), fmt_date(lang, comp.get("change_date"))),
            (
                gettext(lang, "Touchpoint"),
                gettext(lang, "all touchpoints") if touchpoint is None else str(touchpoint),
            ),
            (gettext(lang, "File"), str(inp.get("file") or "")),
            (gettext(lang, "Period covered"), common.period_covered(lang, inp)),
            (gettext(lang, "Question"), common.scale_description(lang, comp.get("scale"))),
        ],
    )
    verdict = common.verdict(lang, comp)
    _heading(console, gettext(lang, "Verdict"))
    console.print(Text(verdict.text, style="bold"))
    if verdict.effect:
        console.print(
            Text(gettext(lang, "Effect size (Cliff's delta): %(effect)s", effect=verdict.effect))
        )
    _warnings(console, lang, common.warning_texts(lang, comp.get("warnings")))
    _heading(console, gettext(lang, "Difference"))
    console.print(_kv(difference_rows(lang, comp)))
    _heading(console, gettext(lang, "Before and after, side by side"))
    headers = ("", gettext(lang, "Before the change"), gettext(lang, "After the change"))
    console.print(_table(headers, compare_rows(lang, comp), numeric=(1, 2)))
    for key, title in (
        ("before", gettext(lang, "Before the change")),
        ("after", gettext(lang, "After the change")),
    ):
        block = comp.get(key) or {}
        console.print()
        console.print(Text(title, style="bold"))
        _effort_groups(console, lang, block, comp.get("scale"))
        _distribution(console, lang, block, comp.get("scale"))
    _heading(console, gettext(lang, "Data analysed"))
    console.print(_kv(input_rows(lang, inp)))
    return console.export_text()
