"""What must hold after a load run, read from the Fluide database by SQL.

- No user has two invitations within the workspace's fatigue window (any
  touchpoint, any channel): offenders are listed.
- Every event acknowledged with a 2xx is stored: events stored ≥ events acknowledged
  (more is fine: a request wrk gave up on may still have committed).

Works on SQLite and PostgreSQL alike (the ORM models of ``fluide.storage``).
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, func, select

from fluide.storage.models import Delivery, EndUser, Event, Invitation, Workspace

MAX_OFFENDERS_SHOWN = 20


def offenders(engine: Engine, workspace_id: str) -> list[dict[str, Any]]:
    """Users invited twice inside the fatigue window, with both moments (oldest pair first)."""
    with engine.connect() as conn:
        fatigue_days = conn.execute(
            select(Workspace.fatigue_days).where(Workspace.id == workspace_id)
        ).scalar_one()
        several = (
            select(Invitation.user_id)
            .where(Invitation.workspace_id == workspace_id)
            .group_by(Invitation.user_id)
            .having(func.count() > 1)
        )
        rows = conn.execute(
            select(EndUser.external_id, Invitation.created_at, Invitation.id)
            .join(EndUser, EndUser.id == Invitation.user_id)
            .where(Invitation.workspace_id == workspace_id, Invitation.user_id.in_(several))
            .order_by(EndUser.external_id, Invitation.created_at)
        ).all()
    window = timedelta(days=fatigue_days)
    found = []
    for prev, row in itertools.pairwise(rows):
        if prev.external_id == row.external_id and row.created_at - prev.created_at < window:
            found.append(
                {
                    "user": row.external_id,
                    "first": prev.created_at.isoformat(),
                    "second": row.created_at.isoformat(),
                    "invitations": [prev.id, row.id],
                }
            )
    return found


def check(engine: Engine, workspace_id: str, events_acked: int) -> dict[str, Any]:
    """Counts, offenders and whether both invariants hold, for one workspace."""
    with engine.connect() as conn:
        invitations, invited_users = conn.execute(
            select(func.count(), func.count(Invitation.user_id.distinct())).where(
                Invitation.workspace_id == workspace_id
            )
        ).one()
        stored = conn.execute(
            select(func.count()).select_from(Event).where(Event.workspace_id == workspace_id)
        ).scalar_one()
        decisions: dict[str, int] = dict(
            conn.execute(
                select(Event.decision, func.count())
                .where(Event.workspace_id == workspace_id)
                .group_by(Event.decision)
            ).all()
        )
        deliveries: dict[str, int] = dict(
            conn.execute(
                select(Delivery.status, func.count())
                .where(Delivery.workspace_id == workspace_id)
                .group_by(Delivery.status)
            ).all()
        )
    found = offenders(engine, workspace_id)
    return {
        "invitations": int(invitations),
        "invited_users": int(invited_users),
        "offenders": found[:MAX_OFFENDERS_SHOWN],
        "offender_count": len(found),
        "events_stored": int(stored),
        "events_acked": int(events_acked),
        "decisions": {str(k): int(v) for k, v in sorted(decisions.items())},
        "deliveries": {str(k): int(v) for k, v in sorted(deliveries.items())},
        "no_double_invitation": not found,
        "acked_stored": int(stored) >= events_acked,
        "ok": not found and int(stored) >= events_acked,
    }
