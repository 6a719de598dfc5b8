"""The recontacts report as plain text for the terminal (markup and emoji codes not parsed)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.text import Text

from fluide.i18n import DEFAULT_LANG, MISSING, check_lang, fmt_percent, gettext
from fluide.render import common
from fluide.render import recontacts_view as v
from fluide.render.text import _bar, _console, _header, _heading, _kv, _table, _warnings


def render_recontacts_text(doc: dict[str, Any], lang: str = DEFAULT_LANG, width: int = 100) -> str:
    check_lang(lang)
    console = _console(width)
    inp = doc.get("input") or {}
    overall = doc.get("overall") or {}
    _header(
        console,
        gettext(lang, "Recontacts and delays"),
        [
            (gettext(lang, "File"), str(inp.get("file") or "")),
            (gettext(lang, "Period covered"), common.period_covered(lang, inp)),
            (gettext(lang, "Time zone"), str(inp.get("tz") or "")),
        ],
    )
    console.print(Text(v.window_note(lang, doc)))
    _warnings(console, lang, common.warning_texts(lang, doc.get("warnings")))
    _heading(console, gettext(lang, "Key figures"))
    figures = [(f["label"], f["value"], f["detail"]) for f in v.key_figures(lang, overall)]
    console.print(_table(("", "", ""), figures, numeric=(1,)))
    weekly = v.weekly_rates(doc)
    if weekly:
        _weekly(console, lang, doc, weekly)
    for t in v.group_tables(lang, doc):
        _heading(console, t["title"])
        console.print(_table(t["headers"], t["rows"], numeric=range(1, 8)))
    answers = doc.get("answers")
    if answers:
        _heading(console, gettext(lang, "Asked effort and shown effort"))
        headers = ("", gettext(lang, "Recontacted"), gettext(lang, "Not recontacted"))
        console.print(_table(headers, v.answers_rows(lang, answers), numeric=(1, 2)))
        console.print(Text(v.difference_text(lang, answers)))
        rec, other = answers.get("recontacted") or {}, answers.get("not_recontacted") or {}
        points = v.points_of(rec, other)
        dist = [
            (
                str(p),
                fmt_percent(lang, _share(rec, p), 0),
                fmt_percent(lang, _share(other, p), 0),
            )
            for p in points
        ]
        console.print(_table(headers, dist, numeric=(1, 2)))
    _heading(console, gettext(lang, "Data analysed"))
    console.print(_kv(v.input_rows(lang, doc)))
    return console.export_text()


def _share(block: dict[str, Any], point: int) -> float | None:
    dist = block.get("distribution") or {}
    n = block.get("n") or 0
    return 100.0 * int(dist.get(str(point), 0)) / n if n else None


def _weekly(console: Console, lang: str, doc: dict[str, Any], weekly: Any) -> None:
    _heading(console, gettext(lang, "Weekly recontact rate"))
    rows = [
        (
            common.period_name(lang, "week", week),
            fmt_percent(lang, rate, 1),
            _bar(rate, 100.0) if rate is not None else MISSING,
        )
        for week, rate, _n in weekly
    ]
    console.print(_table(("", "", ""), rows, numeric=(1,), bar=2))
    table = v.weekly_table(lang, doc)
    console.print(_table(table["headers"], table["rows"], numeric=range(1, 8)))
