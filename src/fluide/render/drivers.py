"""The ``fluide drivers`` document as text and as one HTML page (autoescaped; inline SVG).

Only formatting: every figure comes from the JSON document.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from fluide.i18n import MISSING, check_lang, fmt_int, fmt_number, fmt_percent, gettext
from fluide.render import common
from fluide.render.common import Doc
from fluide.render.svg import INK, LINE, MUTED
from fluide.templating import environment


def summary(lang: str, doc: Doc) -> str:
    return gettext(
        lang,
        "%(n)s answers; the features together explain %(r2)s of the variation in effort (R²).",
        n=fmt_int(lang, doc.get("n")),
        r2=fmt_percent(lang, 100.0 * float(doc.get("r2") or 0.0), 1),
    )


def caveat(lang: str) -> str:
    return gettext(
        lang,
        "Each feature's share is the part of the explained variation it brings, averaged over "
        "every order in which the features can enter the model (LMG). This is a correlation, not "
        "a cause. When R² is small, effort depends mostly on other things than these features.",
    )


def rows(lang: str, doc: Doc) -> list[tuple[str, str, str, str]]:
    out = []
    for d in doc.get("drivers") or []:
        ci = d.get("ci95")
        out.append(
            (
                str(d.get("feature") or ""),
                fmt_percent(lang, None if d.get("share") is None else 100.0 * d["share"], 1),
                fmt_number(lang, d.get("lmg"), 4),
                f"{fmt_number(lang, ci[0], 4)} – {fmt_number(lang, ci[1], 4)}" if ci else MISSING,
            )
        )
    return out


def headers(lang: str) -> tuple[str, str, str, str]:
    return (
        gettext(lang, "Feature"),
        gettext(lang, "Share of R²"),
        gettext(lang, "LMG"),
        gettext(lang, "95% interval of LMG"),
    )


def drivers_text(doc: Doc, lang: str) -> str:
    check_lang(lang)
    lines = [gettext(lang, "Drivers of effort"), "", summary(lang, doc)]
    lines += [f"! {w}" for w in common.warning_texts(lang, doc.get("warnings"))]
    table = [headers(lang), *rows(lang, doc)]
    widths = [max(len(r[i]) for r in table) for i in range(4)]
    lines.append("")
    for r in table:
        lines.append(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(r, widths, strict=True))
            )
        )
    lines += ["", caveat(lang)]
    return "\n".join(lines) + "\n"


def chart(lang: str, doc: Doc) -> Markup:
    """Horizontal bars of LMG, largest first, each with its interval as a whisker."""
    ds = doc.get("drivers") or []
    top = max(
        [float(d.get("lmg") or 0) for d in ds]
        + [float((d.get("ci95") or [0, 0])[1]) for d in ds]
        + [1e-9]
    )
    label_w, plot_w, row_h = 160, 300, 26
    height = 10 + row_h * len(ds)
    title = gettext(lang, "Drivers of effort")
    parts = [
        Markup(
            '<svg xmlns="http://www.w3.org/2000/svg" class="chart bars" role="img" '
            'width="{w}" height="{h}" viewBox="0 0 {w} {h}"><title>{t}</title>'
        ).format(w=label_w + plot_w + 80, h=height, t=title)
    ]
    for i, d in enumerate(ds):
        y = 5 + i * row_h
        lmg = float(d.get("lmg") or 0)
        share = d.get("share")
        parts.append(
            Markup('<text x="{x}" y="{y}" text-anchor="end" fill="{c}">{name}</text>').format(
                x=label_w - 6, y=y + 16, c=INK, name=str(d.get("feature") or "")
            )
        )
        parts.append(
            Markup('<rect x="{x}" y="{y}" width="{w:.1f}" height="16" fill="{c}"/>').format(
                x=label_w, y=y + 3, w=plot_w * lmg / top, c=LINE
            )
        )
        ci = d.get("ci95")
        if ci:
            parts.append(
                Markup(
                    '<line x1="{a:.1f}" x2="{b:.1f}" y1="{y}" y2="{y}" '
                    'stroke="{c}" stroke-width="2"/>'
                ).format(
                    a=label_w + plot_w * float(ci[0]) / top,
                    b=label_w + plot_w * float(ci[1]) / top,
                    y=y + 11,
                    c=MUTED,
                )
            )
        parts.append(
            Markup('<text x="{x:.1f}" y="{y}" fill="{c}">{t}</text>').format(
                x=label_w + plot_w + 6,
                y=y + 16,
                c=INK,
                t=fmt_percent(lang, None if share is None else 100.0 * share, 0),
            )
        )
    parts.append(Markup("</svg>"))
    return Markup("").join(escape(p) for p in parts)


def drivers_html(doc: Doc, lang: str) -> str:
    check_lang(lang)
    inp = doc.get("input") or {}
    return (
        environment("fluide.render", lang)
        .get_template("drivers.html.j2")
        .render(
            lang=lang,
            file=str(inp.get("file") or ""),
            summary=summary(lang, doc),
            warnings=common.warning_texts(lang, doc.get("warnings")),
            headers=headers(lang),
            rows=rows(lang, doc),
            chart=chart(lang, doc),
            caveat=caveat(lang),
        )
    )
