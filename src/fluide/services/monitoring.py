"""Is the service ready, and how far behind is its work: readiness and queue figures."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from fluide.services.errors import ServiceError
from fluide.storage import monitoring as store

log = logging.getLogger("fluide.monitoring")

SCRAPE_TIMEOUT_MS = 2000
"""A scrape never waits longer on one statement (PostgreSQL): a slow database shows as down."""


def readiness(engine: Engine) -> dict[str, str]:
    """``ready`` when the database answers and is at this code's migration; 503 otherwise."""
    expected = store.head_revision()
    try:
        with engine.connect() as conn:
            current = store.schema_revision(conn)
    except (SQLAlchemyError, OSError) as exc:
        log.warning("readiness: the database does not answer (%s)", type(exc).__name__)
        raise ServiceError(
            "database_unreachable",
            "The database does not answer.",
            status=503,
            details={"database": "unreachable"},
        ) from None
    if current != expected:
        raise ServiceError(
            "migrations_pending",
            "The database schema is at revision %(current)s; this version expects %(expected)s.",
            status=503,
            details={"current": current, "expected": expected},
            current=current or "none",
            expected=expected or "none",
        )
    return {"status": "ready", "database": "ok", "migrations": "current", "tagger": _tagger(engine)}


def _tagger(engine: Engine) -> str:
    """The workers' model (``loading``, ``model``, ``failed``, ``unknown``): told, never a
    reason to be unready (the keyword rules tag while the model loads)."""
    from fluide.services.tagger_state import UNKNOWN, fleet

    try:
        with Session(engine) as s:
            return fleet(s)
    except SQLAlchemyError:
        return UNKNOWN


@dataclass(frozen=True)
class Backlog:
    """The work waiting, all workspaces together: counts and ages only."""

    deliveries: dict[str, int]
    due: int
    due_oldest_seconds: float
    jobs: dict[str, tuple[int, float]] = field(default_factory=dict)
    """procrastinate's due jobs per queue: how many, and the oldest one's age in seconds."""
    tagging: int = 0


def _age(now: datetime, since: datetime | None) -> float:
    return max((now - since).total_seconds(), 0.0) if since is not None else 0.0


def backlog(factory: sessionmaker[Session], now: datetime) -> Backlog:
    """One read-only transaction; raises what the database raises."""
    with factory() as s:
        store.bound_time(s, SCRAPE_TIMEOUT_MS)
        deliveries = store.deliveries_by_state(s)
        due, oldest = store.due_deliveries(s, now)
        jobs = {q: (n, _age(now, at)) for q, n, at in store.todo_jobs(s)}
        tagging = store.tagging_backlog(s)
    return Backlog(deliveries, due, _age(now, oldest), jobs, tagging)
