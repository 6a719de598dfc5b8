"""Workspaces and their API keys (only a hash of a key is ever stored)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from fluide.services import api_keys
from fluide.services.api_keys import KEY_PREFIX, hash_key
from fluide.services.errors import not_found
from fluide.storage import repo
from fluide.storage.db import write_session
from fluide.storage.models import Workspace
from fluide.storage.types import new_id

__all__ = ["KEY_PREFIX", "NewWorkspace", "authenticate", "create_workspace", "hash_key"]


@dataclass(frozen=True)
class NewWorkspace:
    id: str
    name: str
    api_key: str  # shown once, never stored


def create_workspace(
    factory: sessionmaker[Session],
    name: str,
    *,
    fatigue_days: int = 14,
    timezone: str = "Europe/Paris",
) -> NewWorkspace:
    name = name.strip()
    if not name:
        raise ValueError("a workspace needs a name")
    with write_session(factory) as s:
        ws = Workspace(
            id=new_id("ws"), name=name[:200], fatigue_days=fatigue_days, timezone=timezone
        )
        repo.add(s, ws)
        key, _ = api_keys.add_key(s, ws.id)
        return NewWorkspace(ws.id, ws.name, key)


def authenticate(s: Session, key: str) -> Workspace | None:
    """The workspace of a valid key (see :func:`fluide.services.api_keys.authenticate`)."""
    found = api_keys.authenticate(s, key)
    return None if found is None else found[1]


def workspace_in(s: Session, workspace_id: str) -> Workspace:
    """The workspace, or a 404 ``ServiceError`` naming it."""
    ws = s.get(Workspace, workspace_id)
    if ws is None:
        raise not_found("No workspace %(value)s.", workspace_id)
    return ws


def workspace_of(factory: sessionmaker[Session], workspace_id: str) -> Workspace:
    """The workspace read in its own session (its time zone, name, settings), or a 404."""
    with factory() as s:
        return workspace_in(s, workspace_id)
