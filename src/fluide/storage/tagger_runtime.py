"""Where each tagging process's model stands, readable by every process (``instance_meta``).

A process that tags comments (``fluide worker``, the tagging child of ``fluide
serve``) keeps one row, ``tagger:<its id>``, whose value is a small JSON
document (``state``: ``loading``, ``model`` or ``failed``; ``reason``; host and
pid) and whose ``updated_at`` is its heartbeat. The web process reads the rows
beaten recently: a process that died stops counting once its heartbeat is stale.
No workspace data is kept here.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from fluide.storage.security_models import InstanceMeta

PREFIX: Final = "tagger:"
LOADING, MODEL, FAILED = "loading", "model", "failed"
STALE: Final = timedelta(seconds=45)
"""A process silent for longer no longer counts (it died, or its machine did)."""


def beat(s: Session, worker_id: str, doc: dict[str, Any], now: datetime) -> None:
    """Record this process's state, and that it is alive at ``now``."""
    insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
    value = json.dumps(doc, sort_keys=True)
    stmt = insert(InstanceMeta).values(key=PREFIX + worker_id, value=value, updated_at=now)
    s.execute(
        stmt.on_conflict_do_update(index_elements=["key"], set_={"value": value, "updated_at": now})
    )


def drop(s: Session, worker_id: str) -> None:
    """The process stops: its state no longer counts."""
    s.execute(delete(InstanceMeta).where(InstanceMeta.key == PREFIX + worker_id))


def prune(s: Session, before: datetime) -> None:
    """Forget processes silent since ``before`` (killed without a chance to say so)."""
    s.execute(
        delete(InstanceMeta).where(
            InstanceMeta.key.startswith(PREFIX), InstanceMeta.updated_at < before
        )
    )


def live(s: Session, since: datetime) -> dict[str, dict[str, Any]]:
    """Each process that beat at or after ``since``: its id and document (one read)."""
    rows = s.execute(
        select(InstanceMeta.key, InstanceMeta.value).where(
            InstanceMeta.key.startswith(PREFIX), InstanceMeta.updated_at >= since
        )
    )
    out = {}
    for key, value in rows:
        try:
            doc = json.loads(value)
        except ValueError:
            continue
        if isinstance(doc, dict):
            out[str(key).removeprefix(PREFIX)] = doc
    return out
