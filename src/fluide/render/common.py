"""Labels, formatted values and verdicts shared by the HTML and text renderers.

Renderers only format: every figure comes from the report document, so the
HTML page, the terminal and the JSON agree to the last digit. This module
turns document values into display strings once, for HTML and text alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from babel import dates as babel_dates

from fluide.domain.display import (
    EFFORT_INDEX_BOUNDS,
    TOO_FEW_ANSWERS,
    UNBOUNDED,
    Bounds,
    difference_bounds,
    shown_interval,
)
from fluide.domain.notices import Notice
from fluide.domain.taxonomy import DEFAULT_TAXONOMY
from fluide.i18n import (
    MISSING,
    check_lang,
    fmt_date,
    fmt_int,
    fmt_number,
    gettext,
)
from fluide.messages import channel_name, generic_text, notice_text, polarity_name

Doc = Mapping[str, Any]
"""A JSON document (or part of one) as ``json.loads`` gives it."""

GROUPS = ("low", "moderate", "high")
SIGNIFICANCE = 0.05
TREND_KEYS = (("weekly", "week"), ("monthly", "month"), ("daily", "day"))


@dataclass(frozen=True)
class Figure:
    label: str
    value: str
    detail: str = ""


@dataclass(frozen=True)
class Verdict:
    kind: str  # "better", "worse", "same" or "unknown"
    text: str
    effect: str  # Cliff's delta in words, or ""


def signed(lang: str, x: float | None, digits: int = 1) -> str:
    """A difference, with an explicit ``+`` when positive."""
    text = fmt_number(lang, x, digits)
    if x is not None and round(x, digits) > 0:
        return "+" + text
    return text


def ci_text(
    lang: str, ci: Sequence[float] | None, digits: int = 1, *, bounds: Bounds, n: int | None
) -> str:
    """An interval as a person reads it (:func:`~fluide.domain.display.shown_interval`):
    cut to ``bounds``, "too few answers" under five answers, "—" without answers."""
    if not n:
        return MISSING
    shown = shown_interval(ci, bounds, int(n))
    if shown is TOO_FEW_ANSWERS:
        return gettext(lang, "too few answers")
    if shown is None:
        return MISSING
    return gettext(
        lang,
        "[%(lo)s, %(hi)s]",
        lo=fmt_number(lang, shown[0], digits),
        hi=fmt_number(lang, shown[1], digits),
    )


def shown_ci(
    ci: Sequence[float] | None, bounds: Bounds, n: int | None
) -> tuple[float, float] | None:
    """The interval a chart draws: cut to ``bounds``, none under five answers."""
    shown = shown_interval(ci, bounds, int(n or 0))
    return None if shown is TOO_FEW_ANSWERS else shown


def scale_bounds_of(scale: Doc | None) -> Bounds:
    """The bounds of a mean on a document's ``scale`` (its first and last points)."""
    points = [float(p) for p in (scale or {}).get("points") or []]
    return (min(points), max(points)) if len(points) >= 2 else UNBOUNDED


def figure_bounds(metric: object, scale: Doc | None) -> Bounds:
    """The bounds of a document's figure: the effort index's 0–100, or the scale's."""
    return EFFORT_INDEX_BOUNDS if metric == "effort_index" else scale_bounds_of(scale)


def smaller_n(*blocks: Doc | None) -> int:
    """The answers of a difference's smaller side: its interval is as good as that side."""
    return min(int((b or {}).get("n") or 0) for b in blocks)


def before_after_ci(lang: str, ba: Doc, side: str) -> str:
    """The interval of a delivered action's ``before``, ``after`` or ``difference``, as the
    action pages read it (the document of :mod:`fluide.services.before_after`)."""
    metric, scale = ba.get("metric"), ba.get("scale")
    before, after = ba.get("before") or {}, ba.get("after") or {}
    if side == "difference":
        return ci_text(
            lang,
            (ba.get("difference") or {}).get("ci"),
            2,
            bounds=difference_bounds(figure_bounds(metric, scale)),
            n=smaller_n(before, after),
        )
    block = before if side == "before" else after
    if metric == "effort_index":
        ci, digits = block.get("effort_index_ci"), 0
    else:
        ci, digits = block.get("ci"), 2
    return ci_text(lang, ci, digits, bounds=figure_bounds(metric, scale), n=block.get("n"))


def p_text(lang: str, p: float | None) -> str:
    if p is None:
        return MISSING
    if p < 0.001:
        return gettext(lang, "< %(p)s", p=fmt_number(lang, 0.001, 3))
    return fmt_number(lang, p, 3)


def yes_no(lang: str, flag: object) -> str:
    return gettext(lang, "yes") if flag else gettext(lang, "no")


def metric_name(lang: str, metric: object) -> str:
    if metric == "effort_index":
        return gettext(lang, "effort index (0–100, all scales pooled)")
    return gettext(lang, "mean score on the answer scale")


def group_name(lang: str, group: str) -> str:
    names = {
        "low": gettext(lang, "Low effort"),
        "moderate": gettext(lang, "Moderate effort"),
        "high": gettext(lang, "High effort"),
    }
    return names.get(group, group)


def grouping_title(lang: str, grouping: str) -> str:
    """The heading of one breakdown (``touchpoint``, ``outcome``…)."""
    titles = {
        "touchpoint": gettext(lang, "By touchpoint"),
        "outcome": gettext(lang, "By outcome"),
        "tenure": gettext(lang, "By customer tenure"),
        "channel": gettext(lang, "By channel"),
        "segment": gettext(lang, "By segment"),
        "question_version": gettext(lang, "By question version"),
    }
    return titles.get(grouping, gettext(lang, "By %(name)s", name=grouping))


def group_value(lang: str, grouping: str, value: object) -> str:
    if value is None or value == "":
        return gettext(lang, "(not specified)")
    if grouping == "tenure" and value in ("new", "established"):
        return (
            gettext(lang, "new customer")
            if value == "new"
            else gettext(lang, "established customer")
        )
    if grouping == "channel":
        return channel_name(lang, value)
    return str(value)


def tag_name(lang: str, key: object) -> str:
    """A friction tag's name in ``lang``; a tag the default taxonomy lacks shows its key."""
    tag = DEFAULT_TAXONOMY.get(str(key))
    return tag.name_in(lang) if tag is not None else str(key)


def scale_label(lang: str, scale: Doc | None, point: object) -> str:
    """The wording of one answer point, in ``lang`` when the scale has it."""
    labels = (scale or {}).get("labels") or {}
    label = labels.get(str(point))
    if isinstance(label, Mapping):
        return str(label.get(lang) or label.get("en") or label.get("fr") or point)
    return str(point)


def point_wording(lang: str, scale: Doc | None, point: object) -> str:
    """The wording of a point, or "" where the scale only numbers it."""
    label = scale_label(lang, scale, point)
    return "" if label == str(point) else label


def scale_description(lang: str, scale: Doc | None) -> str:
    if not scale:
        return gettext(lang, "several scales, pooled on the effort index")
    return gettext(
        lang,
        "scale %(key)s, direction: %(polarity)s",
        key=str(scale.get("key", MISSING)),
        polarity=polarity_name(lang, scale.get("polarity")),
    )


def _parse_period(kind: str, label: str) -> date | None:
    try:
        if kind == "week":
            year, week = label.split("-W")
            return date.fromisocalendar(int(year), int(week), 1)
        if kind == "month":
            year, month = label.split("-")
            return date(int(year), int(month), 1)
        return date.fromisoformat(label)
    except ValueError:
        return None


def period_name(lang: str, kind: str, label: str) -> str:
    """A period as a reader says it: "S32 · 3 août" (the year is in the report's header)."""
    start = _parse_period(kind, label)
    if start is None:
        return label
    if kind == "week":
        day = babel_dates.format_skeleton("MMMd", start, locale=check_lang(lang))
        return gettext(lang, "W%(week)s · %(date)s", week=f"{start.isocalendar()[1]:02d}", date=day)
    if kind == "month":
        text: str = babel_dates.format_skeleton("yMMMM", start, locale=check_lang(lang))
        return text
    return fmt_date(lang, start)


def period_tick(lang: str, kind: str, label: str) -> str:
    """A short axis label for a period."""
    start = _parse_period(kind, label)
    if start is None:
        return label
    if kind == "week":
        return gettext(lang, "W%(week)s", week=label.split("-W")[1])
    skeleton = "yMMM" if kind == "month" else "MMMd"
    text: str = babel_dates.format_skeleton(skeleton, start, locale=check_lang(lang))
    return text


def trend_title(lang: str, kind: str) -> str:
    titles = {
        "week": gettext(lang, "Week by week"),
        "month": gettext(lang, "Month by month"),
        "day": gettext(lang, "Day by day"),
    }
    return titles[kind]


def pooled_legend(lang: str, kind: str) -> str:
    texts = {
        "week": gettext(lang, "pooled with the previous week"),
        "month": gettext(lang, "pooled with the previous month"),
        "day": gettext(lang, "pooled with the previous day"),
    }
    return texts[kind]


def trend_of(report: Doc) -> tuple[str, list[Doc]] | None:
    """The period kind and rows of the trend to show: weekly first."""
    for key, kind in TREND_KEYS:
        rows = report.get(key)
        if rows:
            return kind, list(rows)
    return None


def trend_value(block: Doc, metric: object) -> tuple[float | None, Sequence[float] | None]:
    """The plotted figure of a block: the mean, or the effort index when scales are pooled."""
    if metric == "effort_index":
        return block.get("effort_index"), block.get("effort_index_ci95")
    return block.get("mean"), block.get("ci95")


def figure_digits(metric: object) -> int:
    """Means on a short scale need two decimals; the 0–100 index needs one."""
    return 1 if metric == "effort_index" else 2


def group_points(lang: str, scale: Doc | None, group: str) -> str:
    """The raw answers that make up an effort group, e.g. ``1, 2, 3``."""
    points = ((scale or {}).get("effort_groups") or {}).get(group) or []
    return ", ".join(fmt_int(lang, p) for p in points)


def lower_is_better(comp: Doc) -> bool | None:
    """Which way is progress: ``None`` when the document does not say."""
    if comp.get("metric") == "effort_index":
        return True
    polarity = (comp.get("scale") or {}).get("polarity")
    if polarity == "effort":
        return True
    if polarity == "ease":
        return False
    return None


def effect_size(lang: str, delta: float | None) -> str:
    """Cliff's delta in words (Romano et al. 2006 thresholds)."""
    if delta is None:
        return ""
    size = abs(delta)
    if size < 0.147:
        return gettext(lang, "negligible effect")
    if size < 0.33:
        return gettext(lang, "small effect")
    if size < 0.474:
        return gettext(lang, "medium effect")
    return gettext(lang, "large effect")


def verdict(lang: str, comp: Doc) -> Verdict:
    """A plain-language conclusion of a before/after comparison."""
    p, diff = comp.get("p_value"), comp.get("diff_mean")
    effect = effect_size(lang, comp.get("cliffs_delta"))
    if p is None or diff is None:
        return Verdict("unknown", gettext(lang, "Not enough answers to conclude."), effect)
    if p >= SIGNIFICANCE or diff == 0:
        text = gettext(
            lang, "No significant difference: the answers do not show a change in effort."
        )
        return Verdict("same", _caveat(lang, comp, text), effect)
    lower = lower_is_better(comp)
    if lower is None:
        text = gettext(lang, "Significant difference.")
        return Verdict("unknown", _caveat(lang, comp, text), effect)
    if (diff < 0) == lower:
        text = gettext(lang, "Significant improvement: effort went down after the change.")
        return Verdict("better", _caveat(lang, comp, text), effect)
    text = gettext(lang, "Significant deterioration: effort went up after the change.")
    return Verdict("worse", _caveat(lang, comp, text), effect)


def _caveat(lang: str, comp: Doc, text: str) -> str:
    sides = (comp.get("before") or {}, comp.get("after") or {})
    if any(s.get("small_sample") for s in sides):
        return text + " " + gettext(lang, "Small samples: confirm with more answers.")
    return text


def warning_texts(lang: str, warnings: Sequence[Doc] | None) -> list[str]:
    """Warnings in ``lang``: rebuilt from code and params, so the report language wins.

    The document's own message is the fallback for a code (or params) this
    version cannot phrase.
    """
    out = []
    for w in warnings or []:
        code = str(w.get("code", ""))
        text = notice_text(lang, Notice(code, dict(w.get("params") or {})))
        if text == generic_text(lang, code) and w.get("message"):
            text = str(w["message"])
        out.append(text)
    return out


def skipped_lines(lines: Sequence[object] | None, limit: int = 20) -> str:
    """The skipped line numbers, the first ``limit`` of them."""
    # Line numbers are identifiers: no thousands separator, unlike counts.
    items = [str(x) for x in (lines or [])]
    if len(items) > limit:
        items = [*items[:limit], "…"]
    return ", ".join(items)


def period_covered(lang: str, inp: Doc) -> str:
    first, last = inp.get("first"), inp.get("last")
    if first is None and last is None:
        return MISSING
    return gettext(
        lang, "%(first)s to %(last)s", first=fmt_date(lang, first), last=fmt_date(lang, last)
    )
