"""The weekly report's team work as display strings: actions and follow-ups.

Only formatting, like :mod:`fluide.render.weekly_view`: lists are cut to the
page's :class:`~fluide.render.weekly_view.Limits`, what is cut is counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fluide.domain.display import difference_bounds
from fluide.domain.task_names import task_in
from fluide.i18n import MISSING, N_, fmt_date, fmt_int, fmt_number, gettext, ngettext
from fluide.render.common import Doc, ci_text, scale_bounds_of, signed, smaller_n
from fluide.render.weekly_view import (
    NAME_CHARS,
    VERDICTS,
    Limits,
    clip,
    local,
    more_text,
    name_in,
)

TITLE_CHARS = 56
FOLLOW_UP_CHARS = 60
OWNER_CHARS = 30

REASONS = {
    "no_after_yet": N_("not measurable yet: no answers since the delivery"),
    "question_changed": N_("not comparable: the question changed across the delivery date"),
    "too_few_answers": N_("not measurable yet: too few answers on one side"),
}


def before_after(lang: str, ba: Doc | None) -> dict[str, str] | None:
    """An action's before/after in one line, with its verdict."""
    if not ba:
        return None
    if not ba.get("comparable"):
        reason = REASONS.get(
            str(ba.get("reason")), "not measurable yet: too few answers on one side"
        )
        return {"text": gettext(lang, reason), "kind": ""}
    before, after = ba.get("before") or {}, ba.get("after") or {}
    diff = ba.get("difference") or {}
    bounds = difference_bounds(scale_bounds_of(ba.get("scale")))
    text = gettext(
        lang,
        "CES %(before)s → %(after)s (%(diff)s %(ci)s)",
        before=fmt_number(lang, before.get("mean"), 2),
        after=fmt_number(lang, after.get("mean"), 2),
        diff=signed(lang, diff.get("value"), 2),
        ci=ci_text(lang, diff.get("ci"), 2, bounds=bounds, n=smaller_n(before, after)),
    )
    verdict = ba.get("verdict")
    if verdict is None and ba.get("improved") is not None:
        verdict = "improved" if ba["improved"] else "no_change"
    if verdict in VERDICTS:
        text += " · " + gettext(lang, VERDICTS[str(verdict)])
    return {"text": text, "kind": {"improved": "good", "worse": "bad"}.get(str(verdict), "")}


def _task(row: Doc, lang: str) -> str:
    """The row's touchpoint named by its task in ``lang`` (its key when it has none)."""
    task = str(row.get("touchpoint_task") or row.get("touchpoint") or "")
    return task_in(row.get("touchpoint_task_names"), lang, task)


def _action(lang: str, a: Doc, day_key: str) -> dict[str, Any]:
    who = clip(a.get("owner"), OWNER_CHARS)
    return {
        "title": clip(a.get("title"), TITLE_CHARS),
        "where": " · ".join(
            x
            for x in (
                clip(_task(a, lang), NAME_CHARS),
                name_in(a.get("tag_names"), lang, a.get("tag")) if a.get("tag") else "",
                who,
            )
            if x
        ),
        "day": fmt_date(lang, a.get(day_key)) if a.get(day_key) else MISSING,
        "overdue": bool(a.get("overdue")),
        "before_after": before_after(lang, a.get("before_after")),
    }


def actions(lang: str, doc: Doc, limits: Limits) -> dict[str, Any]:
    a = doc.get("actions") or {}
    to_deliver: Sequence[Doc] = a.get("to_deliver") or []
    delivered: Sequence[Doc] = a.get("delivered") or []
    return {
        "delivered_note": ""
        if a.get("delivered_scope") == "week"
        else gettext(lang, "Nothing delivered this week: the latest measured deliveries."),
        "delivered": [_action(lang, x, "delivered_on") for x in delivered[: limits.delivered]],
        "delivered_more": more_text(lang, max(0, len(delivered) - limits.delivered)),
        "to_deliver": [_action(lang, x, "due_on") for x in to_deliver[: limits.to_deliver]],
        "to_deliver_more": more_text(lang, max(0, len(to_deliver) - limits.to_deliver)),
    }


def _assignee(value: object) -> str:
    if isinstance(value, dict):
        return str(value.get("name") or value.get("email") or "")
    return str(value or "")


def _late(lang: str, doc: Doc, due: object) -> str:
    at = local(doc, due)
    made = local(doc, doc.get("generated_at"))
    if at is None or made is None:
        return ""
    days = (made - at).days
    if days < 1:
        return gettext(lang, "less than a day")
    return ngettext(lang, "%(n)s day", "%(n)s days", days, n=fmt_int(lang, days))


def follow_ups(lang: str, doc: Doc, limits: Limits) -> dict[str, Any]:
    f = doc.get("follow_ups") or {}
    counts = f.get("counts") or {}
    rows = [
        {
            "due": fmt_date(lang, local(doc, x.get("due_at"))),
            "late": _late(lang, doc, x.get("due_at")),
            "touchpoint": _task(x, lang),
            "score": fmt_int(lang, x.get("score")),
            "comment": clip(x.get("comment"), FOLLOW_UP_CHARS),
            "assignee": _assignee(x.get("assignee")) or gettext(lang, "unassigned"),
        }
        for x in (f.get("oldest_overdue") or [])[: limits.overdue]
    ]
    return {
        "overdue": fmt_int(lang, counts.get("overdue", 0)),
        "overdue_n": int(counts.get("overdue") or 0),
        "summary": gettext(
            lang,
            "%(open)s open · %(closed)s closed since %(day)s",
            open=fmt_int(lang, counts.get("open", 0)),
            closed=fmt_int(lang, f.get("closed_since_week_start", 0)),
            day=fmt_date(lang, doc.get("start")),
        ),
        "rows": rows,
        "more": more_text(lang, max(0, int(counts.get("overdue") or 0) - len(rows))),
    }
