"""Report and comparison content as rows of display strings, for HTML and text alike.

Renderers only format: every figure comes from the document, so the HTML page,
the terminal and the JSON agree to the last digit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fluide.domain.display import EFFORT_INDEX_BOUNDS, difference_bounds
from fluide.i18n import MISSING, fmt_datetime, fmt_int, fmt_number, fmt_percent, gettext
from fluide.render.common import (
    GROUPS,
    Doc,
    Figure,
    ci_text,
    effect_size,
    figure_bounds,
    figure_digits,
    group_name,
    group_value,
    grouping_title,
    metric_name,
    p_text,
    period_covered,
    period_name,
    period_tick,
    scale_bounds_of,
    scale_label,
    shown_ci,
    signed,
    skipped_lines,
    smaller_n,
    tag_name,
    trend_value,
    yes_no,
)


def block_cis(lang: str, block: Doc, scale: Doc | None) -> tuple[str, str]:
    """The mean's interval (within the scale) and the effort index's (within 0–100)."""
    n = block.get("n")
    return (
        ci_text(lang, block.get("ci95"), 2, bounds=scale_bounds_of(scale), n=n),
        ci_text(lang, block.get("effort_index_ci95"), 1, bounds=EFFORT_INDEX_BOUNDS, n=n),
    )


def key_figures(lang: str, block: Doc, metric: object, scale: Doc | None) -> list[Figure]:
    """The headline figures of a block, each with its interval or meaning."""
    ci95 = gettext(lang, "95% CI")
    mean_ci, index_ci = block_cis(lang, block, scale)
    out = []
    if metric != "effort_index":
        out.append(
            Figure(
                gettext(lang, "Mean CES"),
                fmt_number(lang, block.get("mean"), 2),
                f"{ci95} {mean_ci}",
            )
        )
    out.append(
        Figure(
            gettext(lang, "Answers"),
            fmt_int(lang, block.get("n")),
            gettext(lang, "small sample: read as a trend") if block.get("small_sample") else "",
        )
    )
    out.append(
        Figure(
            gettext(lang, "Effort index"),
            fmt_number(lang, block.get("effort_index"), 1),
            f"{ci95} {index_ci}",
        )
    )
    out.append(
        Figure(
            gettext(lang, "Net effort"),
            signed(lang, block.get("net_effort")),
            gettext(lang, "high-effort share minus low-effort share"),
        )
    )
    out.append(
        Figure(
            gettext(lang, "Net Easy Score"),
            signed(lang, block.get("net_easy")),
            gettext(lang, "low-effort share minus high-effort share"),
        )
    )
    rr = block.get("response_rate")
    if rr:
        out.append(
            Figure(
                gettext(lang, "Response rate"),
                fmt_percent(lang, None if rr.get("rate") is None else 100 * rr["rate"], 1),
                gettext(
                    lang,
                    "%(answered)s of %(invited)s invited",
                    answered=fmt_int(lang, rr.get("answered")),
                    invited=fmt_int(lang, rr.get("invited")),
                ),
            )
        )
    return out


def block_rows(lang: str, block: Doc, metric: object, scale: Doc | None) -> list[tuple[str, str]]:
    """Every figure of a block as (label, value), for side-by-side tables."""
    groups = block.get("effort_groups") or {}
    mean_ci, index_ci = block_cis(lang, block, scale)
    rows = [(gettext(lang, "Answers"), fmt_int(lang, block.get("n")))]
    if metric != "effort_index":
        rows += [
            (gettext(lang, "Mean CES"), fmt_number(lang, block.get("mean"), 2)),
            (gettext(lang, "95% CI"), mean_ci),
        ]
    rows += [
        (gettext(lang, "Effort index"), fmt_number(lang, block.get("effort_index"), 1)),
        (gettext(lang, "95% CI"), index_ci),
    ]
    rows += [(group_name(lang, g), fmt_percent(lang, groups.get(g), 1)) for g in GROUPS]
    rows += [
        (gettext(lang, "Net effort"), signed(lang, block.get("net_effort"))),
        (gettext(lang, "Net Easy Score"), signed(lang, block.get("net_easy"))),
        (gettext(lang, "Small sample"), yes_no(lang, block.get("small_sample"))),
    ]
    return rows


def input_rows(lang: str, inp: Doc | None) -> list[tuple[str, str]]:
    """The input summary: what was read, and what was left out."""
    inp = inp or {}
    rows = [
        (gettext(lang, "File"), str(inp.get("file") or MISSING)),
        (gettext(lang, "Answers analysed"), fmt_int(lang, inp.get("rows"))),
        (gettext(lang, "Rows skipped"), fmt_int(lang, inp.get("skipped"))),
    ]
    if inp.get("skipped_lines"):
        rows.append((gettext(lang, "Skipped lines"), skipped_lines(inp["skipped_lines"])))
    rows += [
        (gettext(lang, "Period covered"), period_covered(lang, inp)),
        (gettext(lang, "Time zone"), str(inp.get("tz") or MISSING)),
    ]
    return rows


def trend_rows(
    lang: str, kind: str, rows: Sequence[Doc], metric: object, scale: Doc | None
) -> list[dict[str, Any]]:
    """Each period of the trend, formatted, with the flags the chart needs (its band is
    the interval a person reads: cut to the bounds, none under five answers)."""
    digits = figure_digits(metric)
    bounds = figure_bounds(metric, scale)
    out = []
    for row in rows:
        label = str(row.get(kind, ""))
        value, ci = trend_value(row, metric)
        notes = []
        if row.get("pooled") and row.get("pooled_with"):
            notes.append(
                gettext(
                    lang,
                    "pooled with %(period)s",
                    period=period_tick(lang, kind, str(row["pooled_with"])),
                )
            )
        if not row.get("n"):
            notes.append(gettext(lang, "no answers"))
        elif row.get("small_sample"):
            notes.append(gettext(lang, "small sample"))
        out.append(
            {
                "label": label,
                "name": period_name(lang, kind, label),
                "tick": period_tick(lang, kind, label),
                "own_n": fmt_int(lang, row.get("own_n", row.get("n"))),
                "n": fmt_int(lang, row.get("n")),
                "value": value if row.get("n") else None,
                "ci": shown_ci(ci, bounds, row.get("n")),
                "value_text": fmt_number(lang, value, digits),
                "ci_text": ci_text(lang, ci, digits, bounds=bounds, n=row.get("n")),
                "pooled": bool(row.get("pooled")),
                "small": bool(row.get("small_sample")) and bool(row.get("n")),
                "notes": "; ".join(notes),
            }
        )
    return out


def group_tables(lang: str, report: Doc) -> list[dict[str, Any]]:
    metric = report.get("metric")
    digits = figure_digits(metric)
    bounds = figure_bounds(metric, report.get("scale"))
    out = []
    for grouping, rows in (report.get("groups") or {}).items():
        out.append(
            {
                "title": grouping_title(lang, grouping),
                "rows": [
                    {
                        "value": group_value(lang, grouping, r.get("value")),
                        "n": fmt_int(lang, r.get("n")),
                        "mean": fmt_number(lang, r.get("mean"), digits),
                        "ci": ci_text(lang, r.get("ci95"), digits, bounds=bounds, n=r.get("n")),
                        "effort_index": fmt_number(lang, r.get("effort_index"), 1),
                        "high": fmt_percent(lang, (r.get("effort_groups") or {}).get("high"), 1),
                        "net_effort": signed(lang, r.get("net_effort")),
                        "small": bool(r.get("small_sample")),
                    }
                    for r in rows or []
                ],
            }
        )
    return out


def answer_text(lang: str, scale: Doc | None, score: object) -> str:
    """An answer with its wording when the scale names it: "answer 2 (Disagree)"."""
    wording = scale_label(lang, scale, score)
    if wording == str(score):
        return gettext(lang, "answer %(score)s", score=str(score))
    return gettext(lang, "answer %(score)s (%(label)s)", score=str(score), label=wording)


def _verbatim(lang: str, scale: Doc | None, v: Doc) -> dict[str, str]:
    """A comment with its date, answer and touchpoint, as a reader sees them."""
    parts = [
        fmt_datetime(lang, v.get("responded_at")),
        answer_text(lang, scale, v.get("score")),
    ]
    if v.get("touchpoint") not in (None, ""):
        parts.append(group_value(lang, "touchpoint", v["touchpoint"]))
    return {"meta": " · ".join(parts), "comment": str(v.get("comment") or "")}


def verbatim_rows(lang: str, report: Doc) -> list[dict[str, str]]:
    """The latest high-effort comments, newest first as the document orders them."""
    scale = report.get("scale")
    return [_verbatim(lang, scale, v) for v in report.get("verbatims") or []]


def friction_rows(lang: str, frictions: Sequence[Doc], scale: Doc | None) -> list[dict[str, Any]]:
    """Each friction of a top list, formatted, with its verbatims."""
    out = []
    for f in frictions:
        change = f.get("change")
        share = f.get("share")
        out.append(
            {
                "rank": fmt_int(lang, f.get("rank")),
                "name": tag_name(lang, f.get("tag")),
                "volume": fmt_int(lang, f.get("volume")),
                "share": fmt_percent(lang, None if share is None else 100 * share, 1),
                "gap": signed(lang, f.get("effort_gap"), 1),
                "score": fmt_number(lang, f.get("score"), 0),
                "change": gettext(lang, "new")
                if change is None
                else signed(lang, change.get("volume"), 0),
                "small": bool(f.get("small_sample")),
                "verbatims": [_verbatim(lang, scale, v) for v in f.get("verbatims") or []],
            }
        )
    return out


def tagger_note(lang: str, tagger: str) -> str:
    """What a reader must know about the tags, given ``tagger`` (empty: the model's)."""
    if tagger == "loading":
        return gettext(lang, "Tagging model loading — tags from keyword rules meanwhile")
    if tagger == "rules":
        return gettext(lang, "Tags from keyword rules only: the tagging model could not be loaded.")
    return ""


def friction_section(lang: str, report: Doc) -> dict[str, Any] | None:
    """The week's top frictions, workspace-wide and per touchpoint; ``None`` without them."""
    doc = report.get("frictions")
    if not doc:
        return None
    scale = report.get("scale")
    by_tp = doc.get("by_touchpoint") or {}
    return {
        "title": gettext(lang, "Top frictions of the week"),
        "period": gettext(
            lang,
            "Week %(week)s, compared with %(previous)s",
            week=period_name(lang, "week", str(doc.get("week", ""))),
            previous=period_name(lang, "week", str(doc.get("previous_week", ""))),
        ),
        "explain": gettext(
            lang,
            "Impact = answers × effort gap. The effort gap is how many effort-index points "
            "(0–100) the answers with this tag are above their touchpoint's usual level "
            "that week.",
        ),
        "note": tagger_note(lang, str(doc.get("tagger", ""))),
        "empty": gettext(lang, "No friction this week: no tag comes with more effort than usual."),
        "by_touchpoint_title": gettext(lang, "Frictions by touchpoint"),
        "overall": friction_rows(lang, doc.get("overall") or [], scale),
        # One touchpoint alone would repeat the workspace's list.
        "by_touchpoint": [
            {
                "title": group_value(lang, "touchpoint", tp),
                "rows": friction_rows(lang, rows or [], scale),
            }
            for tp, rows in by_tp.items()
        ]
        if len(by_tp) > 1
        else [],
    }


def friction_headers(lang: str) -> list[str]:
    """The columns of a friction table, in order."""
    return [
        "#",
        gettext(lang, "Friction"),
        gettext(lang, "Answers"),
        gettext(lang, "Share of comments"),
        gettext(lang, "Effort gap"),
        gettext(lang, "Impact"),
        gettext(lang, "vs previous week"),
    ]


def compare_rows(lang: str, comp: Doc) -> list[tuple[str, str, str]]:
    """The figures of both sides, row by row: (label, before, after)."""
    metric, scale = comp.get("metric"), comp.get("scale")
    before = block_rows(lang, comp.get("before") or {}, metric, scale)
    after = block_rows(lang, comp.get("after") or {}, metric, scale)
    return [(b[0], b[1], a[1]) for b, a in zip(before, after, strict=True)]


def difference_rows(lang: str, comp: Doc) -> list[tuple[str, str]]:
    digits = figure_digits(comp.get("metric"))
    delta = comp.get("cliffs_delta")
    effect = effect_size(lang, delta)
    diff_ci = ci_text(
        lang,
        comp.get("diff_ci95"),
        digits,
        bounds=difference_bounds(figure_bounds(comp.get("metric"), comp.get("scale"))),
        n=smaller_n(comp.get("before"), comp.get("after")),
    )
    return [
        (gettext(lang, "Compared figure"), metric_name(lang, comp.get("metric"))),
        (gettext(lang, "Difference (after − before)"), signed(lang, comp.get("diff_mean"), digits)),
        (gettext(lang, "95% CI of the difference"), diff_ci),
        (gettext(lang, "p-value (Mann–Whitney)"), p_text(lang, comp.get("p_value"))),
        (
            gettext(lang, "Cliff's delta"),
            signed(lang, delta, 2) + (f" ({effect})" if effect else ""),
        ),
        (
            gettext(lang, "Bootstrap"),
            gettext(
                lang,
                "%(resamples)s resamples, seed %(seed)s",
                resamples=fmt_int(lang, comp.get("resamples")),
                seed=str(comp.get("seed", "")),
            ),
        ),
    ]
