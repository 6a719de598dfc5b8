"""The ``fluide loyalty`` document as text and as one HTML page (autoescaped; inline SVG).

Only formatting: every figure comes from the JSON document.
"""

from __future__ import annotations

from typing import Any

from fluide.i18n import MISSING, N_, check_lang, fmt_int, fmt_number, fmt_percent, gettext
from fluide.render import common
from fluide.render.common import Doc
from fluide.render.svg import LINE, Bar, bar_chart
from fluide.render.text import _bar
from fluide.templating import environment

GROUP_LABELS = {
    "low": N_("Low effort"),
    "moderate": N_("Moderate effort"),
    "high": N_("High effort"),
}


def _interval(lang: str, ci: Any) -> str:
    if not ci:
        return MISSING
    return f"{fmt_percent(lang, ci[0], 1)} – {fmt_percent(lang, ci[1], 1)}"


def headline(lang: str, doc: Doc) -> str:
    """The seeds' sentence with the customer's own figures."""
    g = doc.get("by_group") or {}
    high, low = g.get("high") or {}, g.get("low") or {}
    if high.get("rate") is None or low.get("rate") is None:
        return gettext(
            lang,
            "Not enough observed answers to compare high and low effort over %(days)s days.",
            days=fmt_int(lang, doc.get("horizon_days")),
        )
    if doc.get("event") == "churned":
        return gettext(
            lang,
            "%(high)s of customers who had a high-effort experience left within %(days)s days, "
            "against %(low)s after a low-effort one.",
            high=fmt_percent(lang, high["rate"], 0),
            low=fmt_percent(lang, low["rate"], 0),
            days=fmt_int(lang, doc.get("horizon_days")),
        )
    return gettext(
        lang,
        "%(high)s of customers who had a high-effort experience had the outcome %(event)s "
        "within %(days)s days, against %(low)s after a low-effort one.",
        high=fmt_percent(lang, high["rate"], 0),
        low=fmt_percent(lang, low["rate"], 0),
        event=str(doc.get("event") or ""),
        days=fmt_int(lang, doc.get("horizon_days")),
    )


def intervals_text(lang: str, doc: Doc) -> str:
    """The Wilson intervals of the two rates of the headline."""
    g = doc.get("by_group") or {}
    return gettext(
        lang,
        "95%% intervals: %(high)s after high effort, %(low)s after low effort.",
        high=_interval(lang, (g.get("high") or {}).get("ci95")),
        low=_interval(lang, (g.get("low") or {}).get("ci95")),
    )


def risk_text(lang: str, doc: Doc) -> str:
    rr = doc.get("relative_risk") or {}
    if rr.get("high_vs_low") is None:
        return gettext(lang, "Relative risk (high vs low effort): not computable.")
    ci = rr.get("ci95")
    return gettext(
        lang,
        "Relative risk (high vs low effort): %(rr)s (95%% interval %(lo)s – %(hi)s).",
        rr=fmt_number(lang, rr["high_vs_low"], 2),
        lo=fmt_number(lang, ci[0], 2) if ci else MISSING,
        hi=fmt_number(lang, ci[1], 2) if ci else MISSING,
    )


def headers(lang: str) -> tuple[str, ...]:
    return (
        "",
        gettext(lang, "Answers"),
        gettext(lang, "Observed"),
        gettext(lang, "Followed"),
        gettext(lang, "Rate"),
        gettext(lang, "95% interval"),
    )


def _row(lang: str, label: str, c: Doc) -> tuple[str, ...]:
    return (
        label,
        fmt_int(lang, c.get("answers")),
        fmt_int(lang, c.get("observed")),
        fmt_int(lang, c.get("followed")),
        fmt_percent(lang, c.get("rate"), 1),
        _interval(lang, c.get("ci95")),
    )


def group_rows(lang: str, groups: Doc) -> list[tuple[str, ...]]:
    return [_row(lang, gettext(lang, GROUP_LABELS[g]), groups.get(g) or {}) for g in GROUP_LABELS]


def score_rows(lang: str, doc: Doc) -> list[tuple[str, ...]]:
    return [_row(lang, p, c) for p, c in (doc.get("by_score") or {}).items()]


def by_tables(lang: str, doc: Doc) -> list[dict[str, Any]]:
    out = []
    for name, rows in (doc.get("groups") or {}).items():
        for r in rows:
            value = r.get("value")
            title = (
                f"{name} = {value}" if value is not None else f"{name}: {gettext(lang, '(empty)')}"
            )
            out.append({"title": title, "rows": group_rows(lang, r.get("by_group") or {})})
    return out


def caveat(lang: str) -> str:
    return gettext(
        lang,
        "An answer is observed when the whole horizon has passed by the end of observation; "
        "it is followed when the customer had the outcome within the horizon after answering. "
        "This is a correlation, not a cause: customers who find things hard may differ in other "
        "ways. Below 10 followed answers in a group, the rate is very uncertain.",
    )


def loyalty_text(doc: Doc, lang: str) -> str:
    check_lang(lang)
    lines = [
        gettext(lang, "Effort and loyalty"),
        "",
        headline(lang, doc),
        intervals_text(lang, doc),
    ]
    lines.append(risk_text(lang, doc))
    lines += [f"! {w}" for w in common.warning_texts(lang, doc.get("warnings"))]

    def table(rows: list[tuple[str, ...]]) -> None:
        all_rows = [headers(lang), *rows]
        widths = [max(len(r[i]) for r in all_rows) for i in range(len(all_rows[0]))]
        for r in all_rows:
            lines.append(
                "  ".join(
                    c.ljust(w) if i == 0 else c.rjust(w)
                    for i, (c, w) in enumerate(zip(r, widths, strict=True))
                )
            )

    lines += ["", gettext(lang, "By effort group")]
    table(group_rows(lang, doc.get("by_group") or {}))
    lines += ["", gettext(lang, "By score")]
    table(score_rows(lang, doc))
    lines += ["", gettext(lang, "Outcome rate by score")]
    for p, c in (doc.get("by_score") or {}).items():
        rate = c.get("rate")
        lines.append(
            f"{p.rjust(2)}  {fmt_percent(lang, rate, 0).rjust(6)}  {_bar(rate, 100.0)}".rstrip()
        )
    for t in by_tables(lang, doc):
        lines += ["", t["title"]]
        table(t["rows"])
    lines += ["", caveat(lang)]
    return "\n".join(lines) + "\n"


def score_chart(lang: str, doc: Doc) -> Any:
    bars = []
    for p, c in (doc.get("by_score") or {}).items():
        rate = c.get("rate")
        text = fmt_percent(lang, rate, 0)
        tip = gettext(
            lang,
            "%(point)s: %(rate)s (%(followed)s of %(observed)s observed answers)",
            point=p,
            rate=text,
            followed=fmt_int(lang, c.get("followed")),
            observed=fmt_int(lang, c.get("observed")),
        )
        bars.append(Bar(p, "", float(rate or 0.0), text, LINE, tip))
    title = gettext(lang, "Outcome rate by score")
    return bar_chart(bars, title=title, desc="; ".join(b.tooltip for b in bars), width=480)


def loyalty_html(doc: Doc, lang: str) -> str:
    check_lang(lang)
    inp = doc.get("input") or {}
    return (
        environment("fluide.render", lang)
        .get_template("loyalty.html.j2")
        .render(
            lang=lang,
            file=str(inp.get("file") or ""),
            outcomes=str(inp.get("outcomes_file") or ""),
            period=common.period_covered(lang, inp),
            headline=headline(lang, doc),
            intervals=intervals_text(lang, doc),
            risk=risk_text(lang, doc),
            warnings=common.warning_texts(lang, doc.get("warnings")),
            headers=headers(lang),
            groups=group_rows(lang, doc.get("by_group") or {}),
            scores=score_rows(lang, doc),
            chart=score_chart(lang, doc),
            tables=by_tables(lang, doc),
            caveat=caveat(lang),
        )
    )
