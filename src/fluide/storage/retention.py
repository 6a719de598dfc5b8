"""The daily retention run's bookkeeping: which workspaces have periods, and the day
each was last done (``instance_meta`` keys ``retention:<workspace id>``).

A day is claimed by inserting the workspace's key, or by a compare-and-set of
its value from the day before: of two workers only one gets it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fluide.storage.models import Workspace
from fluide.storage.security_models import InstanceMeta

PREFIX: Final = "retention:"


def workspaces_with_retention(s: Session) -> list[tuple[str, str]]:
    """``(id, time zone)`` of the workspaces with a retention period."""
    rows = s.execute(
        select(Workspace.id, Workspace.timezone)
        .where(
            Workspace.comment_retention_days.is_not(None)
            | Workspace.personal_data_retention_days.is_not(None)
        )
        .order_by(Workspace.id)
    ).all()
    return [(str(i), str(tz)) for i, tz in rows]


def last_days(s: Session) -> dict[str, str]:
    """The day each workspace's retention was last run, by workspace id."""
    rows = s.execute(
        select(InstanceMeta.key, InstanceMeta.value).where(InstanceMeta.key.startswith(PREFIX))
    ).all()
    return {str(k).removeprefix(PREFIX): str(v) for k, v in rows}


def claim_day(s: Session, ws: str, day: str, now: datetime) -> bool:
    """Take the workspace's run of ``day`` (ISO date); False when it is already taken."""
    key = PREFIX + ws
    seen = s.execute(select(InstanceMeta.value).where(InstanceMeta.key == key)).scalar()
    if seen is None:
        try:
            with s.begin_nested():
                s.add(InstanceMeta(key=key, value=day, updated_at=now))
        except IntegrityError:
            return False
        return True
    if str(seen) >= day:
        return False
    done = s.execute(
        update(InstanceMeta)
        .where(InstanceMeta.key == key, InstanceMeta.value == seen)
        .values(value=day, updated_at=now)
    )
    assert isinstance(done, CursorResult)
    return done.rowcount == 1
