"""The response-rate funnel: eligible → invited → shown → answered, per touchpoint and outcome.

- ``eligible``: events that triggered the touchpoint, whatever the decision
  (invited, fatigue, cooldown, sampled out, too late);
- ``invited``: invitations made for them (the question was sent or offered);
- ``shown``: invitations the widget displayed (in-app card or popover; other
  channels report no display, so e-mail answers may outnumber ``shown``);
- ``dismissed``: cards closed without an answer;
- ``answered``: invitations answered.

The period is on the moment of the action (the event), in local dates.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from fluide.domain.metrics import funnel_rates
from fluide.domain.periods import local_day_bounds
from fluide.services.errors import ServiceError
from fluide.services.touchpoints import touchpoint_id_of
from fluide.storage.funnel import FunnelRow, funnel_counts
from fluide.storage.models import Workspace

STAGES = ("eligible", "invited", "shown", "answered")
COUNTS = ("eligible", "invited", "shown", "dismissed", "answered")


def _block(counts: dict[str, int]) -> dict[str, Any]:
    rates = funnel_rates(counts["eligible"], counts["invited"], counts["shown"], counts["answered"])
    return {**counts, "rates": rates}


def _sum(rows: list[FunnelRow]) -> dict[str, int]:
    return {name: sum(getattr(r, name) for r in rows) for name in COUNTS}


def funnel(
    s: Session,
    ws: Workspace,
    *,
    touchpoint: str | None = None,
    start: date | None = None,
    end: date | None = None,
) -> dict[str, Any]:
    """The funnel's counts and rates: per touchpoint and outcome, per touchpoint, in total.

    Rates: ``invited`` of eligible, ``shown`` of invited, ``answered`` of
    invited (the response rate), ``answered_when_shown`` of shown; ``null``
    when there is nothing to divide.
    """
    if start is not None and end is not None and start > end:
        raise ServiceError(
            "invalid",
            "The period starts after it ends: from %(start)s is after to %(end)s.",
            start=start.isoformat(),
            end=end.isoformat(),
        )
    try:
        zone = ZoneInfo(ws.timezone)
    except (ZoneInfoNotFoundError, ValueError):  # pragma: no cover - checked at creation
        zone = ZoneInfo("UTC")
    touchpoint_id = touchpoint_id_of(s, ws.id, touchpoint)
    low, high = local_day_bounds(start, end, zone.key)
    rows = sorted(
        funnel_counts(s, ws.id, touchpoint_id=touchpoint_id, start=low, end=high),
        key=lambda r: (r.touchpoint, r.outcome or ""),
    )
    keys = list(dict.fromkeys(r.touchpoint for r in rows))
    return {
        "from": start.isoformat() if start else None,
        "to": end.isoformat() if end else None,
        "tz": ws.timezone,
        "touchpoint": touchpoint,
        "stages": list(STAGES),
        "rows": [
            {
                "touchpoint": r.touchpoint,
                "outcome": r.outcome,
                **_block({k: v for k, v in asdict(r).items() if k in COUNTS}),
            }
            for r in rows
        ],
        "touchpoints": [
            {"touchpoint": key, **_block(_sum([r for r in rows if r.touchpoint == key]))}
            for key in keys
        ],
        "total": _block(_sum(rows)),
    }
