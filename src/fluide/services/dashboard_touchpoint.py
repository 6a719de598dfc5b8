"""Use case: one touchpoint's page (``GET /app/touchpoints/{key}``) and tag corrections.

The figures are the ``/v1/metrics`` document of the touchpoint over the last
weeks, with the splits the seeds ask for (success or failure, new or
established customers, channel, agent); the verbatims are ``/v1/verbatims``'s,
and a correction goes through :func:`fluide.services.verbatims.correct`, the
same as ``PUT /v1/verbatims/{id}/tags`` (the tagger learns from it).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from fluide.domain.task_names import all_task_names
from fluide.services import attempts as attempts_service
from fluide.services import chart_markers, drivers_live
from fluide.services import loyalty as loyalty_service
from fluide.services.dashboard import (
    DEFAULT_WEEKS,
    figures,
    flags,
    text_in,
    window,
)
from fluide.services.errors import not_found
from fluide.services.metrics import MetricsQuery
from fluide.services.tags import ensure_seeded
from fluide.services.touchpoints import touchpoint_of
from fluide.services.verbatims import VerbatimQuery, correct, get_verbatim, list_verbatims
from fluide.storage import repo
from fluide.storage import tags as tag_store
from fluide.storage.models import QuestionVersion, Workspace
from fluide.storage.types import utcnow

SPLITS: Final = ("outcome", "tenure", "channel", "agent")
"""The breakdowns of a touchpoint (``by`` of ``/v1/metrics``), in the page's order."""
VERBATIMS_PER_PAGE: Final = 50


def workspace_tags(
    factory: sessionmaker[Session], workspace_id: str, lang: str
) -> tuple[int, list[dict[str, Any]]]:
    """The tagger version, and every tag ``{key, name, active}`` (merged ones inactive)."""
    version = ensure_seeded(factory, workspace_id)
    with factory() as s:
        rows = tag_store.tags(s, workspace_id)
    return version, [
        {"key": t.key, "name": text_in(t.names, lang), "active": t.active} for t in rows
    ]


def _versions(
    versions: Sequence[QuestionVersion], current_id: str | None, tz: str, lang: str
) -> list[dict[str, Any]]:
    """Each question version with its dates, and whether the metrics pool it with the current."""
    zone = ZoneInfo(tz)
    current = next((v for v in versions if v.id == current_id), versions[-1])

    def key(v: QuestionVersion) -> tuple[str, str, int, int]:
        return (v.scale, v.polarity, v.low_max, v.high_min)

    out = []
    for i, v in enumerate(versions):
        after = versions[i + 1] if i + 1 < len(versions) else None
        out.append(
            {
                "number": v.number,
                "question": text_in(v.question, lang),
                "scale": v.scale,
                "polarity": v.polarity,
                "effort_groups": {"low_max": v.low_max, "high_min": v.high_min},
                "from": v.created_at.astimezone(zone).date().isoformat(),
                "to": None
                if after is None
                else after.created_at.astimezone(zone).date().isoformat(),
                "current": v.id == current.id,
                "pooled_with_current": key(v) == key(current),
            }
        )
    return out


def touchpoint_page(
    factory: sessionmaker[Session],
    ws: Workspace,
    key: str,
    lang: str,
    *,
    weeks: int = DEFAULT_WEEKS,
    cursor: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The figures, splits, question versions and verbatims of touchpoint ``key``."""
    now = now or utcnow()
    win = window(ws.timezone, weeks, now)
    with factory() as s:
        tp = touchpoint_of(s, ws.id, key)
        versions = repo.versions(s, ws.id, tp.id)
    q = MetricsQuery(touchpoint=key, start=win.start, end=win.end, by=SPLITS, verbatims=0)
    found = figures(factory, ws, q, lang)
    page = list_verbatims(
        factory,
        ws,
        VerbatimQuery(touchpoint=key, start=win.start, end=win.end),
        limit=VERBATIMS_PER_PAGE,
        cursor=cursor,
    )
    version, tags = workspace_tags(factory, ws.id, lang)
    names = {t["key"]: t["name"] for t in tags}
    for v in page["verbatims"]:
        for t in v["tags"]:
            t["name"] = names.get(t["key"], t["key"])
    current = text_in(
        next((v.question for v in versions if v.id == tp.current_version_id), {}), lang
    )
    marks = chart_markers.markers(factory, ws, win.start, win.end, tp.key)[tp.key]
    lo, hi = attempts_service.period_bounds(ws, win.start, win.end)
    attempts, groups = attempts_service.attempts_and_groups(
        factory, ws, key, win.start, win.end, now=now
    )
    return {
        "touchpoint": {
            "key": tp.key,
            "task": tp.task,
            "task_names": all_task_names(tp.task_names, tp.task),
            "active": tp.active,
            "question": current,
            "channels": list(tp.channels),
        },
        "tz": ws.timezone,
        "period": win.to_json(),
        "flags": flags(found.doc, found.scales_mixed),
        "metrics": found.doc,
        "versions": _versions(versions, tp.current_version_id, ws.timezone, lang),
        "markers": marks,
        "attempts": attempts,
        "loyalty": loyalty_service.card(factory, ws, key, lo, hi, lang, now=now),
        "drivers": drivers_live.drivers(
            factory, ws, key, win.start, win.end, lang, now=now, attempts_of=groups
        ),
        "verbatims": page["verbatims"],
        "next_cursor": page["next_cursor"],
        "tags": [t for t in tags if t["active"]],
        "tagger_version": version,
    }


def correct_tags(
    factory: sessionmaker[Session], ws: Workspace, key: str, response_id: str, keys: Sequence[str]
) -> dict[str, Any]:
    """A person's tags for a verbatim of touchpoint ``key`` (``[]``: no tag fits)."""
    if get_verbatim(factory, ws, response_id)["touchpoint"] != key:
        raise not_found("No verbatim %(value)s on this touchpoint.", response_id)
    return correct(factory, ws, response_id, keys)
