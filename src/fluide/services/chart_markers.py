"""Use case: what the dashboard's trend charts mark, by touchpoint.

Delivered actions (from :func:`fluide.services.actions.delivered_between`) and
question-version changes (a version after the first one starts), dated in the
workspace's time zone, within a window of days. Only the workspace's own.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from fluide.services import actions
from fluide.storage import metrics as metric_store
from fluide.storage.models import Workspace


def markers(
    factory: sessionmaker[Session],
    ws: Workspace,
    start: date,
    end: date,
    touchpoint: str | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Each touchpoint's markers from ``start`` to ``end`` (inclusive), by date:
    ``{kind: "action", date, id, title, tag, url}`` or
    ``{kind: "question_version", date, version, url}``."""
    out: dict[str, list[dict[str, Any]]] = {}
    for a in actions.delivered_between(factory, ws.id, start, end):
        out.setdefault(a["touchpoint"], []).append(
            {
                "kind": "action",
                "date": a["delivered_on"],
                "id": a["id"],
                "title": a["title"],
                "tag": a["tag"],
                "url": f"/app/actions/{a['id']}",
            }
        )
    zone = ZoneInfo(ws.timezone)
    with factory() as s:
        versions = metric_store.question_versions(s, ws.id, None)
    for v, key, _ in versions:
        day = v.created_at.astimezone(zone).date()
        if v.number < 2 or not start <= day <= end:
            continue
        out.setdefault(key, []).append(
            {
                "kind": "question_version",
                "date": day.isoformat(),
                "version": v.number,
                "url": f"/app/touchpoints/{key}#versions-title",
            }
        )
    for items in out.values():
        items.sort(key=lambda m: (m["date"], m["kind"] != "question_version"))
    if touchpoint is not None:
        return {touchpoint: out.get(touchpoint, [])}
    return out
