"""Workspaces and their API keys (only a hash of a key is ever stored)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from fluide.services.errors import not_found
from fluide.storage import repo
from fluide.storage.db import write_session
from fluide.storage.models import ApiKey, Workspace
from fluide.storage.types import new_id

KEY_PREFIX = "flk_"


def hash_key(key: str) -> str:
    """SHA-256 of a key: keys are 256 random bits, so a fast hash is enough."""
    return hashlib.sha256(key.encode()).hexdigest()


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
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    with write_session(factory) as s:
        ws = Workspace(
            id=new_id("ws"), name=name[:200], fatigue_days=fatigue_days, timezone=timezone
        )
        repo.add(s, ws)
        repo.add(
            s, ApiKey(id=new_id("key"), workspace_id=ws.id, prefix=key[:12], key_hash=hash_key(key))
        )
        return NewWorkspace(ws.id, ws.name, key)


def authenticate(s: Session, key: str) -> Workspace | None:
    if not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    return repo.workspace_for_key_hash(s, hash_key(key))


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
