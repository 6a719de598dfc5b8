"""What a metrics scrape and a readiness probe read: one cheap query each, all workspaces.

Only counts and ages leave here: no workspace id, no user, no content.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from sqlalchemy import Connection, func, select, text
from sqlalchemy.orm import Session

from fluide.storage.models import Delivery
from fluide.storage.verbatim_queue import pending_count

DELIVERY_STATES = ("pending", "sending", "sent", "retry", "failed", "expired")


def bound_time(s: Session, milliseconds: int) -> None:
    """On PostgreSQL, no statement of this transaction runs longer than ``milliseconds``."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text(f"SET LOCAL statement_timeout = {int(milliseconds)}"))


def deliveries_by_state(s: Session) -> dict[str, int]:
    """Every state with its number of deliveries (0 for a state none is in)."""
    counts = dict.fromkeys(DELIVERY_STATES, 0)
    rows = s.execute(select(Delivery.status, func.count()).group_by(Delivery.status))
    for status, count in rows:
        counts[str(status)] = int(count)
    return counts


def due_deliveries(s: Session, now: datetime) -> tuple[int, datetime | None]:
    """Deliveries waiting for a first attempt or a retry that is due, and the oldest due time."""
    count, oldest = s.execute(
        select(func.count(), func.min(Delivery.next_attempt_at)).where(
            Delivery.status.in_(("pending", "retry")), Delivery.next_attempt_at <= now
        )
    ).one()
    return int(count), oldest


_TODO_JOBS = text(
    """
    SELECT j.queue_name, count(*) AS depth,
           min(coalesce(j.scheduled_at, (SELECT min(e.at) FROM procrastinate_events e
                                         WHERE e.job_id = j.id AND e.type = 'deferred')))
    FROM procrastinate_jobs j
    WHERE j.status = 'todo' AND (j.scheduled_at IS NULL OR j.scheduled_at <= now())
    GROUP BY j.queue_name
    """
)


def todo_jobs(s: Session) -> list[tuple[str, int, datetime | None]]:
    """PostgreSQL: procrastinate's due jobs per queue and the oldest one's due time.

    Nothing on SQLite, nor before a worker created procrastinate's tables.
    """
    if s.get_bind().dialect.name != "postgresql":
        return []
    if s.execute(text("SELECT to_regclass('procrastinate_jobs')")).scalar() is None:
        return []
    return [(str(q), int(n), at) for q, n, at in s.execute(_TODO_JOBS)]


def tagging_backlog(s: Session) -> int:
    """Comments waiting to be tagged, all workspaces together."""
    return pending_count(s)


def schema_revision(conn: Connection) -> str | None:
    """The Alembic revision the database is at (None: never migrated)."""
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


@lru_cache(maxsize=1)
def head_revision() -> str | None:
    """The newest migration this code ships (read from the files once)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", "fluide.storage:migrations")
    return ScriptDirectory.from_config(config).get_current_head()
