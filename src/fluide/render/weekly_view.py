"""The weekly report's content as display strings, for its HTML, PDF and text forms.

Only formatting: every figure comes from the document of
:func:`fluide.services.weekly_report.weekly_report`. Lists are cut to what
fits one printed A4 page; what is cut is counted ("and 4 more").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel import dates as babel_dates

from fluide.domain.before_after import verdict as ci_verdict
from fluide.domain.display import Bounds, difference_bounds
from fluide.domain.task_names import task_in
from fluide.i18n import (
    MISSING,
    N_,
    check_lang,
    fmt_date,
    fmt_datetime,
    fmt_int,
    fmt_number,
    fmt_percent,
    gettext,
    ngettext,
)
from fluide.render.common import (
    Doc,
    ci_text,
    figure_bounds,
    figure_digits,
    signed,
    smaller_n,
    trend_value,
)
from fluide.render.html import effort_groups_chart, trend_section
from fluide.services.friction_links import new_action_url
from fluide.services.weekly_report import NOTICES

VERBATIM_CHARS = 95
NAME_CHARS = 20


@dataclass(frozen=True)
class Limits:
    """How much of each list one page shows; what is left out is counted."""

    touchpoints: int = 5
    verbatims: int = 2
    delivered: int = 3
    to_deliver: int = 4
    overdue: int = 3


DENSITIES = (Limits(), Limits(touchpoints=4, verbatims=1, delivered=2, to_deliver=3, overdue=2))
"""From the fullest page to the most compact one, tried in turn until the PDF fits one page."""


def clip(text: object, chars: int) -> str:
    """One line of at most ``chars`` characters, "…" where cut.

    >>> clip("Le  paiement\\na échoué deux fois", 20)
    'Le paiement a échou…'
    """
    flat = " ".join(str(text or "").split())
    return flat if len(flat) <= chars else flat[: chars - 1].rstrip() + "…"


def short_date(lang: str, moment: datetime | None) -> str:
    """A day of the report's weeks, without the year (the header has it): "22 nov"."""
    if moment is None:
        return MISSING
    text: str = babel_dates.format_skeleton("MMMd", moment.date(), locale=check_lang(lang))
    return text


def name_in(names: object, lang: str, fallback: object) -> str:
    if isinstance(names, dict):
        return str(names.get(lang) or names.get("en") or names.get("fr") or fallback)
    return str(fallback)


def _week_number(label: str) -> str:
    return label.split("-W")[-1]


def _rate_text(lang: str, rr: Doc | None) -> str:
    if not rr or rr.get("rate") is None:
        return MISSING
    return fmt_percent(lang, 100 * rr["rate"], 0)


def _metric_label(lang: str, metric: str) -> str:
    return gettext(lang, "Effort index") if metric == "effort_index" else gettext(lang, "Mean CES")


def _value(lang: str, block: Doc, metric: str, scale: Doc | None) -> tuple[str, str]:
    """The figure and its interval as a person reads it (within the scale or 0–100)."""
    digits = figure_digits(metric)
    value, ci = trend_value(block, metric)
    bounds = figure_bounds(metric, scale)
    return fmt_number(lang, value, digits), ci_text(
        lang, ci, digits, bounds=bounds, n=block.get("n")
    )


def _verdict(diff: Doc | None, lower_is_better: bool) -> str | None:
    """``improved``, ``worse``, ``no_change`` from the interval; ``None`` without one."""
    if not diff or not diff.get("ci95"):
        return None
    lo, hi = diff["ci95"]
    return ci_verdict((float(lo), float(hi)), lower_is_better=lower_is_better)


VERDICTS = {
    "improved": N_("Significant improvement"),
    "worse": N_("Significant deterioration"),
    "no_change": N_("No significant change"),
}


def _change(
    lang: str, diff: Doc | None, metric: str, lower_is_better: bool, bounds: Bounds, n: int
) -> dict[str, str]:
    """The change this week; ``bounds`` and ``n`` are the difference's (its smaller side)."""
    if not diff or diff.get("value") is None:
        return {
            "value": MISSING,
            "detail": gettext(lang, "Needs answers in both weeks."),
            "kind": "same",
        }
    kind = _verdict(diff, lower_is_better)
    digits = figure_digits(metric)
    if kind is None:
        detail = gettext(lang, "No interval on the effort index: compare the two intervals.")
    else:
        detail = gettext(
            lang,
            "%(verdict)s (%(ci_name)s %(ci)s)",
            verdict=gettext(lang, VERDICTS[kind]),
            ci_name=gettext(lang, "95% CI"),
            ci=ci_text(lang, diff["ci95"], digits, bounds=bounds, n=n),
        )
    return {
        "value": signed(lang, diff["value"], digits),
        "detail": detail,
        "kind": {"improved": "good", "worse": "bad"}.get(kind or "", "same"),
    }


def headline(lang: str, doc: Doc) -> list[dict[str, str]]:
    """The four cards: this week, last week, the change, the response rate."""
    metric = str(doc.get("metric"))
    ces = doc.get("ces") or {}
    week, previous = ces.get("week") or {}, ces.get("previous") or {}
    cards = []
    for block, label in (
        (
            week,
            gettext(
                lang,
                "%(figure)s, week %(week)s",
                week=_week_number(doc["week"]),
                figure=_metric_label(lang, metric),
            ),
        ),
        (
            previous,
            gettext(lang, "Week before (%(week)s)", week=_week_number(doc["previous_week"])),
        ),
    ):
        value, ci = _value(lang, block, metric, doc.get("scale"))
        n = int(block.get("n") or 0)
        detail = (
            f"{gettext(lang, '95% CI')} {ci} · {_answers(lang, n)}"
            if n
            else gettext(lang, "no answers")
        )
        cards.append({"label": label, "value": value, "detail": detail, "kind": ""})
    change = _change(
        lang,
        ces.get("difference"),
        metric,
        bool(doc.get("lower_is_better")),
        difference_bounds(figure_bounds(metric, doc.get("scale"))),
        smaller_n(week, previous),
    )
    cards.append({"label": gettext(lang, "Change"), **change})
    rr = (doc.get("response_rate") or {}).get("week")
    before = (doc.get("response_rate") or {}).get("previous")
    detail = (
        gettext(
            lang,
            "%(answered)s of %(invited)s invited · week before %(rate)s",
            answered=fmt_int(lang, rr.get("answered")),
            invited=fmt_int(lang, rr.get("invited")),
            rate=_rate_text(lang, before),
        )
        if rr and rr.get("invited")
        else gettext(lang, "no invitation this week")
    )
    cards.append(
        {
            "label": gettext(lang, "Response rate"),
            "value": _rate_text(lang, rr),
            "detail": detail,
            "kind": "",
        }
    )
    return cards


def _answers(lang: str, n: int) -> str:
    return ngettext(lang, "%(n)s answer", "%(n)s answers", n, n=fmt_int(lang, n))


def scale_note(lang: str, doc: Doc) -> str:
    scale = doc.get("scale") or {}
    if doc.get("metric") == "effort_index" or not scale:
        return gettext(lang, "Effort index: 0 = no effort, 100 = most effort (lower = easier).")
    points = scale.get("points") or []
    way = (
        gettext(lang, "higher = easier")
        if scale.get("polarity") == "ease"
        else gettext(lang, "lower = easier")
    )
    return gettext(
        lang,
        "Answers on %(low)s to %(high)s, %(way)s.",
        low=fmt_int(lang, points[0] if points else None),
        high=fmt_int(lang, points[-1] if points else None),
        way=way,
    )


def trend(lang: str, doc: Doc) -> dict[str, Any] | None:
    """The 12 weeks' line with its band; weeks without answers are gaps."""
    t = doc.get("trend") or {}
    metric = str(t.get("metric"))
    have = {str(r.get("week")): r for r in t.get("weekly") or []}
    if not have:
        return None
    empty = {"n": 0, "own_n": 0, "pooled": False, "pooled_with": None, "small_sample": True}
    rows = [have.get(w) or {"week": w, **empty} for w in t.get("weeks") or []]
    section = trend_section(lang, {"weekly": rows, "metric": metric, "scale": t.get("scale")})
    if section is not None:
        section["title"] = gettext(lang, "Last 12 weeks")
    return section


def effort_groups(lang: str, doc: Doc) -> dict[str, Any] | None:
    week = (doc.get("ces") or {}).get("week") or {}
    if not week.get("n"):
        return None
    return effort_groups_chart(lang, week, doc.get("scale"))


def task_of(doc: Doc, key: object, lang: str) -> str:
    """A touchpoint named by its task in ``lang`` (« payer »), as the report's reader knows it."""
    tasks = doc.get("touchpoint_tasks") or {}
    names = (doc.get("touchpoint_task_names") or {}).get(str(key))
    return task_in(names, lang, str(tasks.get(str(key)) or key or ""))


def touchpoints(lang: str, doc: Doc, limits: Limits) -> dict[str, Any]:
    rows = []
    for tp in (doc.get("touchpoints") or [])[: limits.touchpoints]:
        metric = str(tp.get("metric"))
        scale = tp.get("scale") or {}
        value, ci = _value(lang, tp.get("week") or {}, metric, scale)
        diff = tp.get("difference")
        kind = _verdict(diff, bool(tp.get("lower_is_better")))
        rows.append(
            {
                "name": clip(task_of(doc, tp.get("touchpoint"), lang), NAME_CHARS),
                # Only when touchpoints differ: each then says its own scale.
                "scale": (
                    gettext(lang, "index")
                    if metric == "effort_index"
                    else str(scale.get("key", ""))
                )
                if doc.get("metric") == "effort_index"
                else "",
                "value": value if (tp.get("week") or {}).get("n") else MISSING,
                "ci": ci if (tp.get("week") or {}).get("n") else "",
                "n": fmt_int(lang, (tp.get("week") or {}).get("n")),
                "change": signed(lang, diff["value"], figure_digits(metric))
                if diff and diff.get("value") is not None
                else MISSING,
                "kind": {"improved": "good", "worse": "bad"}.get(kind or "", ""),
            }
        )
    more = max(0, len(doc.get("touchpoints") or []) - limits.touchpoints)
    figure = (
        gettext(lang, "CES")
        if doc.get("metric") != "effort_index"
        else gettext(lang, "CES or index")
    )
    return {"rows": rows, "more": more_text(lang, more), "figure": figure}


def more_text(lang: str, n: int) -> str:
    return ngettext(lang, "and %(n)s more", "and %(n)s more", n, n=fmt_int(lang, n)) if n else ""


def local(doc: Doc, moment: object) -> datetime | None:
    if not moment:
        return None
    at = moment if isinstance(moment, datetime) else datetime.fromisoformat(str(moment))
    tz = str((doc.get("workspace") or {}).get("timezone") or "UTC")
    return at.astimezone(ZoneInfo(tz))


def frictions(lang: str, doc: Doc, limits: Limits) -> dict[str, Any]:
    f = doc.get("frictions") or {}
    rows = []
    for item in f.get("top") or []:
        change = item.get("change")
        share = item.get("share")
        rows.append(
            {
                "rank": fmt_int(lang, item.get("rank")),
                "name": name_in(item.get("names"), lang, item.get("tag")),
                "volume": _answers(lang, int(item.get("volume") or 0)),
                "share": fmt_percent(lang, None if share is None else 100 * share, 0),
                "gap": signed(lang, item.get("effort_gap"), 1),
                "change": gettext(lang, "new this week")
                if change is None
                else gettext(
                    lang, "%(change)s vs week before", change=signed(lang, change.get("volume"), 0)
                ),
                "small": bool(item.get("small_sample")),
                "new_action": new_action_url(item.get("touchpoint"), str(item.get("tag") or "")),
                "verbatims": [
                    {
                        "comment": clip(v.get("comment"), VERBATIM_CHARS),
                        "meta": " · ".join(
                            x
                            for x in (
                                short_date(lang, local(doc, v.get("responded_at"))),
                                clip(task_of(doc, v.get("touchpoint"), lang), NAME_CHARS),
                                gettext(lang, "answer %(score)s", score=str(v.get("score"))),
                            )
                            if x
                        ),
                    }
                    for v in (item.get("verbatims") or [])[: limits.verbatims]
                ],
            }
        )
    return {
        "rows": rows,
        "summary": gettext(
            lang,
            "%(comments)s comments out of %(answers)s answers this week.",
            comments=fmt_int(lang, f.get("comments")),
            answers=fmt_int(lang, f.get("answers")),
        ),
    }


def header(lang: str, doc: Doc) -> dict[str, str]:
    ws = doc.get("workspace") or {}
    start, end = date.fromisoformat(doc["start"]), date.fromisoformat(doc["end"])
    return {
        "title": gettext(lang, "Weekly report"),
        "workspace": str(ws.get("name") or ""),
        "week": gettext(
            lang,
            "Week %(week)s · %(start)s to %(end)s",
            week=_week_number(doc["week"]),
            start=fmt_date(lang, start),
            end=fmt_date(lang, end),
        ),
        "made": gettext(
            lang,
            "Time zone %(tz)s · made on %(when)s",
            tz=str(ws.get("timezone") or ""),
            when=fmt_datetime(lang, local(doc, doc.get("generated_at"))),
        ),
        "scale": scale_note(lang, doc),
        "link": str((doc.get("links") or {}).get("page") or ""),
    }


def view(lang: str, doc: Doc, limits: Limits = DENSITIES[0]) -> dict[str, Any]:
    """Everything the templates show, in ``lang``."""
    from fluide.render.weekly_team import actions, follow_ups

    notices = []
    for n in doc.get("notices") or []:
        msgid = NOTICES.get(str(n.get("code")))
        if msgid is not None:  # rebuilt from the code: the viewer's language wins
            notices.append(gettext(lang, msgid, **(n.get("params") or {})))
    return {
        "header": header(lang, doc),
        "notices": notices,
        "cards": headline(lang, doc),
        "trend": trend(lang, doc),
        "groups": effort_groups(lang, doc),
        "touchpoints": touchpoints(lang, doc, limits),
        "frictions": frictions(lang, doc, limits),
        "actions": actions(lang, doc, limits),
        "follow_ups": follow_ups(lang, doc, limits),
    }
