"""Use case: the weekly ritual report, one document for the Monday meeting.

Every figure comes from its one source of truth: the CES of the week, of the
week before and of the last 12 weeks from the metrics service (the document
of ``GET /v1/metrics``), the top frictions from the frictions service, the
actions and the follow-ups from theirs. This module only chooses the windows,
keeps what the meeting needs and says how to read it.

Scales are never mixed: when the workspace's touchpoints ask on different
scales (or a question changed within the 12 weeks), every workspace-wide
figure is the effort index (0–100, lower = easier) and the report says so;
each touchpoint keeps its own mean on its own scale.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from fluide.domain.compare import Side, compare
from fluide.domain.frictions import iso_week_start, previous_iso_week
from fluide.domain.periods import local_day_bounds, period_label
from fluide.domain.scales import EffortGroups, Question, polarity_by_key, scale_by_key
from fluide.domain.task_names import all_task_names
from fluide.i18n import N_, gettext
from fluide.services import frictions as frictions_service
from fluide.services.dates import checked_week
from fluide.services.errors import ServiceError, invalid
from fluide.services.friction_links import main_touchpoint
from fluide.services.metrics import MetricsQuery, analysis
from fluide.services.workspaces import workspace_of
from fluide.settings import Settings
from fluide.storage import repo
from fluide.storage import reports as report_store
from fluide.storage.models import Workspace
from fluide.storage.types import utcnow

TREND_WEEKS = 12
TOP_FRICTIONS = 3
VERBATIMS_PER_FRICTION = 2
RECENT_DELIVERED = 3
OLDEST_OVERDUE = 5

NOTICES = {
    "effort_index": N_(
        "Touchpoints ask on different scales: workspace-wide figures are on the effort index "
        "(0–100, lower = easier); each touchpoint keeps its own scale."
    ),
    "small_sample": N_(
        "Only %(n)s answers this week (under %(threshold)s): read the figure as a trend."
    ),
    "week_in_progress": N_("This week is not over yet: its figures will still change."),
    "tags_pending": N_("%(count)s comments of the week are still waiting to be tagged."),
}


def resolve_workspace(factory: sessionmaker[Session], value: str | None) -> Workspace:
    """The workspace named by id or unique name; without a value, the only one there is.

    Otherwise a ``ServiceError`` whose ``choices`` param lists the workspaces.
    """
    from fluide.services.accounts import workspace_by_name_or_id

    with factory() as s:
        found = workspace_by_name_or_id(s, value) if value is not None else None
        listed = report_store.workspaces(s) if found is None else []
        if found is not None:
            s.expunge(found)
            return found
    shown = ", ".join(f"{w.name} ({w.id})" for w in listed[:20]) + (
        ", …" if len(listed) > 20 else ""
    )
    if value is None and len(listed) == 1:
        return listed[0]
    if not listed:
        raise ServiceError(
            "not_found", "No workspace yet: create one with fluide workspace create.", status=404
        )
    if value is None:
        raise invalid(
            "workspace",
            N_("Several workspaces: choose one with --workspace (id or name): %(choices)s."),
            choices=shown,
        )
    raise invalid(
        "workspace",
        N_("No single workspace %(value)s; choose an id or a unique name: %(choices)s."),
        value=value,
        choices=shown,
    )


def report_week(week: str | None, tz: str, now: datetime) -> str:
    """The ISO week to report: ``week`` if valid, else the last complete one in ``tz``.

    >>> from datetime import UTC
    >>> report_week(None, "Europe/Paris", datetime(2026, 11, 23, 8, tzinfo=UTC))
    '2026-W47'
    """
    if week is None:
        return previous_iso_week(period_label(now, tz, "week"))
    checked_week(week)
    if iso_week_start(week) > now.astimezone(ZoneInfo(tz)).date():
        raise invalid(
            "week",
            N_("Week %(value)s has not started yet: choose a week up to %(latest)s."),
            value=week,
            latest=period_label(now, tz, "week"),
        )
    return week


def _docs(
    factory: sessionmaker[Session], ws: Workspace, lang: str, windows: dict[str, MetricsQuery]
) -> tuple[dict[str, dict[str, Any]], bool]:
    """The metrics documents of each window, on raw scales when every window allows it.

    The documents are those of ``GET /v1/metrics`` (its ``frictions`` aside,
    which come from the frictions service here). One window with answers on
    two scales puts them all on the effort index, so they stay comparable.
    """
    for index in (False, True):
        try:
            return {
                name: analysis(factory, ws, replace(q, effort_index=index)).to_json(lang)
                for name, q in windows.items()
            }, index
        except ServiceError as e:
            if e.code != "mixed_questions" or index:
                raise
    raise AssertionError("unreachable")


def _question(scale: dict[str, Any]) -> Question:
    t = scale["thresholds"]
    return Question(
        scale_by_key(scale["key"]),
        polarity_by_key(scale["polarity"]),
        EffortGroups(t["low_max"], t["high_min"]),
    )


def _value(block: dict[str, Any], metric: str) -> float | None:
    if not block.get("n"):
        return None
    value = block.get("effort_index" if metric == "effort_index" else "mean")
    return None if value is None else float(value)


def difference(
    week: dict[str, Any], previous: dict[str, Any], metric: str, scale: dict[str, Any] | None
) -> dict[str, Any] | None:
    """This week minus last week; with the bootstrap interval, p-value and Cliff's delta
    of :func:`fluide.domain.compare.compare` when both weeks are on one raw scale."""
    now_, before = _value(week, metric), _value(previous, metric)
    if now_ is None or before is None:
        return None
    out: dict[str, Any] = {
        "value": now_ - before,
        "ci95": None,
        "p_value": None,
        "cliffs_delta": None,
    }
    if metric == "mean" and scale and week.get("distribution") and previous.get("distribution"):
        q = _question(scale)
        counts = [
            [int(b["distribution"].get(str(p), 0)) for p in q.points] for b in (previous, week)
        ]
        c = compare(Side(q, counts[0]), Side(q, counts[1]))
        out.update(
            value=c.diff_mean,
            ci95=list(c.diff_ci95) if c.diff_ci95 else None,
            p_value=c.p_value,
            cliffs_delta=c.cliffs_delta,
        )
    return out


def lower_is_better(metric: str, scale: dict[str, Any] | None) -> bool:
    return metric == "effort_index" or (scale or {}).get("polarity") == "effort"


def _touchpoint_rows(
    factory: sessionmaker[Session],
    ws: Workspace,
    lang: str,
    week: dict[str, Any],
    previous: dict[str, Any],
    bounds: dict[str, tuple[date, date]],
    metric: str,
) -> list[dict[str, Any]]:
    """Each touchpoint answered this week or last, on its own scale."""
    rows: dict[str, dict[str, Any]] = {}
    for name, doc in (("week", week), ("previous", previous)):
        for g in doc.get("groups", {}).get("touchpoint", []):
            if g.get("n") and g.get("value") is not None:
                rows.setdefault(str(g["value"]), {})[name] = g
    out = []
    for key in sorted(rows, key=lambda k: (-(rows[k].get("week") or {}).get("n", 0), k)):
        if metric == "mean":
            scale = week.get("scale") or previous.get("scale")
            own = {n: rows[key].get(n) or {"n": 0} for n in ("week", "previous")}
            tp_metric = "mean"
        else:
            windows = {
                n: MetricsQuery(touchpoint=key, start=lo, end=hi, periods=(), verbatims=0)
                for n, (lo, hi) in bounds.items()
            }
            docs, on_index = _docs(factory, ws, lang, windows)
            own = {n: docs[n]["overall"] for n in ("week", "previous")}
            scale = None if on_index else docs["week"].get("scale") or docs["previous"].get("scale")
            tp_metric = "effort_index" if on_index else "mean"
        out.append(
            {
                "touchpoint": key,
                "metric": tp_metric,
                "scale": scale,
                "week": own["week"],
                "previous": own["previous"],
                "difference": difference(own["week"], own["previous"], tp_metric, scale),
                "lower_is_better": lower_is_better(tp_metric, scale),
            }
        )
    return out


def _frictions(
    factory: sessionmaker[Session], ws: Workspace, week: str, now: datetime
) -> dict[str, Any]:
    doc = frictions_service.frictions(factory, ws, week=week, top=TOP_FRICTIONS, now=now)
    by_touchpoint = doc.get("by_touchpoint") or {}
    top = [
        {
            **f,
            # Where it weighs most: the touchpoint the overview's card prefills an action with.
            "touchpoint": main_touchpoint(f, by_touchpoint),
            "verbatims": list(f.get("verbatims") or [])[:VERBATIMS_PER_FRICTION],
        }
        for f in doc["frictions"][:TOP_FRICTIONS]
    ]
    keep = ("week", "previous_week", "answers", "comments", "pending", "tagger")
    return {**{k: doc[k] for k in keep}, "top": top}


def _day(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        return date.fromisoformat(value[:10])
    return None


def _measurable(action: dict[str, Any]) -> bool:
    ba = action.get("before_after")
    return bool(ba and ba.get("comparable"))


def _actions(
    factory: sessionmaker[Session], ws_id: str, monday: date, now: datetime
) -> dict[str, Any]:
    """Delivered during the week (else the latest measured ones, said so), and to deliver."""
    from fluide.services.actions import list_actions

    actions = list_actions(factory, ws_id, now=now)
    sunday = monday + timedelta(days=6)
    delivered = [a for a in actions if a.get("status") == "delivered"]
    delivered.sort(key=lambda a: _day(a.get("delivered_on")) or date.min, reverse=True)
    this_week = [
        a for a in delivered if monday <= (_day(a.get("delivered_on")) or date.min) <= sunday
    ]
    recent = [
        a
        for a in delivered
        if _measurable(a) and (_day(a.get("delivered_on")) or date.max) < monday
    ][:RECENT_DELIVERED]
    to_deliver = [a for a in actions if a.get("status") == "to_deliver"]
    to_deliver.sort(
        key=lambda a: (_day(a.get("due_on")) is None, _day(a.get("due_on")) or date.max, a["title"])
    )
    return {
        "delivered": this_week if this_week else recent,
        "delivered_scope": "week" if this_week else "recent",
        "to_deliver": to_deliver,
    }


FOLLOW_UP_FIELDS = (
    "id",
    "touchpoint",
    "touchpoint_task",
    "touchpoint_task_names",
    "score",
    "comment",
    "assignee",
    "status",
    "due_at",
    "overdue",
    "created_at",
)
"""What the report shows of a follow-up: never the customer's contact (it is e-mailed)."""


def _iso(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime | date) else value


def _follow_ups(
    factory: sessionmaker[Session], ws_id: str, week_end: datetime, now: datetime
) -> dict[str, Any]:
    """Open and overdue now, the oldest overdue first; closures since the week's Monday."""
    from fluide.services.follow_ups import counts, list_follow_ups

    overdue = list_follow_ups(factory, ws_id, overdue=True, now=now, limit=OLDEST_OVERDUE)
    # counts() counts closures since the Monday of its ``now``: the report week's.
    in_week = min(now, week_end - timedelta(microseconds=1))
    return {
        "counts": counts(factory, ws_id, now=now),
        "closed_since_week_start": counts(factory, ws_id, now=in_week)["closed_this_week"],
        "oldest_overdue": [{k: _iso(f.get(k)) for k in FOLLOW_UP_FIELDS} for f in overdue],
    }


def _notice(lang: str, code: str, **params: object) -> dict[str, Any]:
    return {"code": code, "params": params, "message": gettext(lang, NOTICES[code], **params)}


def weekly_report(
    factory: sessionmaker[Session],
    settings: Settings,
    workspace_id: str,
    *,
    week: str | None = None,
    lang: str = "fr",
    now: datetime | None = None,
) -> dict[str, Any]:
    """The weekly ritual report of a workspace, as a JSON-ready document.

    ``week`` (``2026-W47``) defaults to the last complete ISO week in the
    workspace's time zone; ``now`` is when the report is made (the state of
    actions and follow-ups is as of then). A bad week is a ``ServiceError``
    naming the ``week`` field.
    """
    now = now or utcnow()
    ws = workspace_of(factory, workspace_id)
    tz = ws.timezone
    label = report_week(week, tz, now)
    previous_label = previous_iso_week(label)
    monday = iso_week_start(label)
    bounds = {
        "week": (monday, monday + timedelta(days=6)),
        "previous": (monday - timedelta(days=7), monday - timedelta(days=1)),
    }
    windows = {
        name: MetricsQuery(start=lo, end=hi, by=("touchpoint",), periods=(), verbatims=0)
        for name, (lo, hi) in bounds.items()
    }
    windows["trend"] = MetricsQuery(
        start=monday - timedelta(weeks=TREND_WEEKS - 1), end=bounds["week"][1], verbatims=0
    )
    docs, on_index = _docs(factory, ws, lang, windows)
    metric = "effort_index" if on_index else "mean"
    scale = None if on_index else docs["week"].get("scale")
    week_block, previous_block = docs["week"]["overall"], docs["previous"]["overall"]
    notices = [_notice(lang, "effort_index")] if on_index else []
    if week_block["n"] > 0 and week_block.get("small_sample"):
        threshold = MetricsQuery().small_sample
        notices.append(_notice(lang, "small_sample", n=week_block["n"], threshold=threshold))
    end_utc = local_day_bounds(None, bounds["week"][1], tz)[1]
    assert end_utc is not None  # weeks of the range in date_range
    if now < end_utc:
        notices.append(_notice(lang, "week_in_progress"))
    friction_doc = _frictions(factory, ws, label, now)
    if friction_doc["pending"]:
        notices.append(_notice(lang, "tags_pending", count=friction_doc["pending"]))
    base = settings.public_url.rstrip("/")
    tasks = _tasks(factory, ws.id)
    return {
        "workspace": {"id": ws.id, "name": ws.name, "timezone": tz},
        "week": label,
        "previous_week": previous_label,
        "start": bounds["week"][0].isoformat(),
        "end": bounds["week"][1].isoformat(),
        "generated_at": now.isoformat(),
        "lang": lang,
        "metric": metric,
        "scale": scale,
        "lower_is_better": lower_is_better(metric, scale),
        "ces": {
            "week": week_block,
            "previous": previous_block,
            "difference": difference(week_block, previous_block, metric, scale),
        },
        "response_rate": {
            "week": week_block.get("response_rate"),
            "previous": previous_block.get("response_rate"),
        },
        "touchpoints": _touchpoint_rows(
            factory, ws, lang, docs["week"], docs["previous"], bounds, metric
        ),
        "touchpoint_tasks": {k: task for k, (task, _) in tasks.items()},
        "touchpoint_task_names": {k: names for k, (_, names) in tasks.items()},
        "trend": {
            "metric": metric,
            "scale": scale,
            "weeks": _week_labels(label),
            "weekly": docs["trend"].get("weekly", []),
        },
        "frictions": friction_doc,
        "actions": _actions(factory, ws.id, monday, now),
        "follow_ups": _follow_ups(factory, ws.id, end_utc, now),
        "notices": notices,
        "links": {
            "page": f"{base}/app/report?week={label}",
            "pdf": f"{base}/app/report.pdf?week={label}",
        },
    }


def _tasks(
    factory: sessionmaker[Session], workspace_id: str
) -> dict[str, tuple[str, dict[str, str]]]:
    """Each touchpoint's task and task names by key: the report names touchpoints as people do."""
    with factory() as s:
        return {
            tp.key: (tp.task, all_task_names(tp.task_names, tp.task))
            for tp in repo.touchpoints(s, workspace_id)
        }


def _week_labels(label: str) -> list[str]:
    """The trend's weeks, oldest first, ending with ``label``.

    >>> _week_labels("2026-W02")[-3:]
    ['2025-W52', '2026-W01', '2026-W02']
    """
    monday = iso_week_start(label)
    out = []
    for i in range(TREND_WEEKS - 1, -1, -1):
        year, week, _ = (monday - timedelta(weeks=i)).isocalendar()
        out.append(f"{year:04d}-W{week:02d}")
    return out
