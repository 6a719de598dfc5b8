"""Touchpoint rules cached per process, and ``workspaces.rules_version`` kept current.

Deciding an event needs the workspace's active touchpoints; reading them for
every event is a query per event. They are cached as immutable values keyed
by the workspace and its ``rules_version``, which every transaction that
inserts, changes or deletes a touchpoint or a question version bumps:

a ``before_flush`` listener on every :class:`~sqlalchemy.orm.Session` does it,
whatever the path (API, dashboard, demo…); a Core statement on those tables
must call :func:`bump`. (The import of an export inserts them with Core and
does not: it only makes workspaces the database never held, so no process
can have cached their rules, and their rows stay exactly the exported ones.)

A request reads the version with its workspace (the API key's query), so a
warm cache costs no statement, and a change made by another process is seen
by the next request that reads the new version. A change committed in this
process also drops the cache entry at once, for callers holding an older
workspace row.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain
from typing import Any, Final

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from fluide.domain.fatigue import TouchpointRule, Trigger
from fluide.storage.models import QuestionVersion, Touchpoint, Workspace

MAX_WORKSPACES: Final = 4096
"""Workspaces whose rules one process keeps (least recently used dropped first)."""
CHANGED: Final = "fluide_rules_changed"
"""``Session.info`` key: workspaces whose rules this transaction changed."""


@dataclass(frozen=True)
class ActiveTouchpoint:
    """What deciding an event needs of one active touchpoint."""

    id: str
    rule: TouchpointRule
    current_version_id: str | None
    channels: tuple[str, ...]


@dataclass(frozen=True)
class Rules:
    """A workspace's active touchpoints as of ``version``, in decision order."""

    version: int
    touchpoints: tuple[ActiveTouchpoint, ...]

    def rules(self) -> list[TouchpointRule]:
        return [t.rule for t in self.touchpoints]

    def by_key(self, key: str | None) -> ActiveTouchpoint | None:
        return next((t for t in self.touchpoints if t.rule.key == key), None)


class RulesCache:
    """A bounded, thread-safe LRU map: workspace id → its newest loaded :class:`Rules`."""

    def __init__(self, size: int = MAX_WORKSPACES) -> None:
        self.size = size
        self._entries: OrderedDict[str, Rules] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, ws: str, version: int) -> Rules | None:
        with self._lock:
            found = self._entries.get(ws)
            if found is None or found.version != version:
                return None
            self._entries.move_to_end(ws)
            return found

    def put(self, ws: str, rules: Rules) -> None:
        with self._lock:
            current = self._entries.get(ws)
            if current is not None and current.version > rules.version:
                return  # a slower loader must not replace newer rules
            self._entries[ws] = rules
            self._entries.move_to_end(ws)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def forget(self, workspaces: Iterable[str]) -> None:
        with self._lock:
            for ws in workspaces:
                self._entries.pop(ws, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


CACHE: Final = RulesCache()


def rules_for(s: Session, ws: str, version: int, cache: RulesCache = CACHE) -> Rules:
    """The workspace's rules: from the cache when ``version`` is the cached one, else read."""
    found = cache.get(ws, version)
    if found is not None:
        return found
    loaded = load(s, ws)
    cache.put(ws, loaded)
    return loaded


def load(s: Session, ws: str) -> Rules:
    """The version and the active touchpoints, read in one statement (so they match)."""
    rows = s.execute(
        select(
            Workspace.rules_version,
            Touchpoint.id,
            Touchpoint.key,
            Touchpoint.triggers,
            Touchpoint.sampling,
            Touchpoint.cooldown_days,
            Touchpoint.expires_after_hours,
            Touchpoint.current_version_id,
            Touchpoint.channels,
        )
        .select_from(Workspace)
        .outerjoin(
            Touchpoint,
            (Touchpoint.workspace_id == Workspace.id) & Touchpoint.active.is_(True),
        )
        .where(Workspace.id == ws)
        .order_by(Touchpoint.created_at, Touchpoint.key)
    ).all()
    if not rows:
        raise LookupError(f"no workspace {ws!r}")
    return Rules(
        int(rows[0].rules_version),
        tuple(
            ActiveTouchpoint(
                id=r.id,
                rule=TouchpointRule(
                    key=r.key,
                    triggers=tuple(Trigger(t["event"], t.get("outcome")) for t in r.triggers),
                    sampling=r.sampling,
                    cooldown_days=r.cooldown_days,
                    expires_after_hours=r.expires_after_hours,
                    active=True,
                ),
                current_version_id=r.current_version_id,
                channels=tuple(r.channels),
            )
            for r in rows
            if r.id is not None
        ),
    )


def bump(s: Session, workspaces: Iterable[str]) -> None:
    """Bump the rules version of ``workspaces`` in the session's transaction."""
    ids = sorted(set(workspaces))
    if not ids:
        return
    table = Workspace.metadata.tables[Workspace.__tablename__]
    # Core, not ORM: no synchronisation of loaded rows, and safe inside a flush.
    s.execute(
        update(table).where(table.c.id.in_(ids)).values(rules_version=table.c.rules_version + 1)
    )
    s.info.setdefault(CHANGED, set()).update(ids)


@event.listens_for(Session, "before_flush")
def _bump_on_flush(session: Session, _context: Any, _instances: Any) -> None:
    rules = (Touchpoint, QuestionVersion)
    changed = {o.workspace_id for o in chain(session.new, session.deleted) if isinstance(o, rules)}
    changed |= {
        o.workspace_id for o in session.dirty if isinstance(o, rules) and session.is_modified(o)
    }
    bump(session, changed)


@event.listens_for(Session, "after_commit")
def _forget_committed(session: Session) -> None:
    CACHE.forget(session.info.pop(CHANGED, ()))


@event.listens_for(Session, "after_rollback")
def _nothing_changed(session: Session) -> None:
    session.info.pop(CHANGED, None)
