"""Queries on the instance's own tables: the login throttle and ``instance_meta``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, delete, literal, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from fluide.storage.security_models import InstanceMeta, LoginThrottle
from fluide.storage.types import UtcDateTime


def reserve_attempt(s: Session, key: str, now: datetime, cutoff: datetime) -> tuple[datetime, int]:
    """Count one more attempt for ``key``; its (window start, attempts including this one).

    One ``INSERT … ON CONFLICT DO UPDATE … RETURNING``: concurrent attempts, in
    this process or another, each get their own number (SQLite ≥ 3.35 and
    PostgreSQL). A window that started at or before ``cutoff`` starts again now.
    """
    insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
    expired = LoginThrottle.window_start <= cutoff
    stmt = (
        insert(LoginThrottle)
        .values(key=key, window_start=now, attempts=1)
        .on_conflict_do_update(
            index_elements=[LoginThrottle.key],
            set_={
                "attempts": case((expired, 1), else_=LoginThrottle.attempts + 1),
                "window_start": case(
                    (expired, literal(now, UtcDateTime())), else_=LoginThrottle.window_start
                ),
            },
        )
        .returning(LoginThrottle.window_start, LoginThrottle.attempts)
    )
    start, attempts = s.execute(stmt).one()
    return start, int(attempts)


def forget_attempts(s: Session, key: str) -> None:
    s.execute(delete(LoginThrottle).where(LoginThrottle.key == key))


def purge_attempts(s: Session, cutoff: datetime) -> int:
    """Remove the windows that are over; how many."""
    result = s.execute(delete(LoginThrottle).where(LoginThrottle.window_start <= cutoff))
    return int(getattr(result, "rowcount", 0) or 0)


def meta(s: Session, key: str) -> str | None:
    return s.scalar(select(InstanceMeta.value).where(InstanceMeta.key == key))


def set_meta(s: Session, key: str, value: str, now: datetime) -> None:
    found = s.get(InstanceMeta, key)
    if found is None:
        s.add(InstanceMeta(key=key, value=value, updated_at=now))
    else:
        found.value, found.updated_at = value, now
