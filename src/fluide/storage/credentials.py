"""API keys and the workspaces' stored secrets.

A key is valid while ``revoked_at`` is empty or still in the future (a key
being rotated keeps working for its grace period). Every query of keys filters
on the workspace, except the one that finds a key's workspace from its hash.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from fluide.storage.models import ApiKey, Workspace


def _valid(now: datetime) -> ColumnElement[bool]:
    return or_(ApiKey.revoked_at.is_(None), ApiKey.revoked_at > now)


def key_by_hash(s: Session, key_hash: str, now: datetime) -> tuple[ApiKey, Workspace] | None:
    """The valid key of this hash and its workspace."""
    row = s.execute(
        select(ApiKey, Workspace)
        .join(Workspace, Workspace.id == ApiKey.workspace_id)
        .where(ApiKey.key_hash == key_hash, _valid(now))
    ).first()
    return None if row is None else (row[0], row[1])


def key_ref_by_hash(
    s: Session, key_hash: str, now: datetime
) -> tuple[str, str, datetime | None] | None:
    """The valid key of this hash as (key id, workspace id, end), without loading rows."""
    row = s.execute(
        select(ApiKey.id, ApiKey.workspace_id, ApiKey.revoked_at).where(
            ApiKey.key_hash == key_hash, _valid(now)
        )
    ).first()
    return None if row is None else (str(row[0]), str(row[1]), row[2])


def keys(s: Session, ws: str) -> list[ApiKey]:
    """Every key of the workspace, revoked ones too, oldest first."""
    return list(
        s.scalars(
            select(ApiKey).where(ApiKey.workspace_id == ws).order_by(ApiKey.created_at, ApiKey.id)
        )
    )


def keys_named(s: Session, ws: str, ref: str) -> list[ApiKey]:
    """The workspace's keys whose prefix or id is ``ref`` (more than one: ambiguous)."""
    return list(
        s.scalars(
            select(ApiKey)
            .where(ApiKey.workspace_id == ws, or_(ApiKey.prefix == ref, ApiKey.id == ref))
            .order_by(ApiKey.created_at, ApiKey.id)
        )
    )


def valid_keys(s: Session, ws: str, now: datetime) -> list[ApiKey]:
    return list(
        s.scalars(
            select(ApiKey)
            .where(ApiKey.workspace_id == ws, _valid(now))
            .order_by(ApiKey.created_at, ApiKey.id)
        )
    )


def prefix_used(s: Session, ws: str, prefix: str) -> bool:
    found = s.scalar(
        select(ApiKey.id).where(ApiKey.workspace_id == ws, ApiKey.prefix == prefix).limit(1)
    )
    return found is not None


def workspaces_with_secrets(s: Session) -> list[Workspace]:
    """Every workspace holding a widget or webhook secret (all workspaces: an operator's task)."""
    return list(
        s.scalars(
            select(Workspace)
            .where(or_(Workspace.widget_secret.is_not(None), Workspace.webhook_secret.is_not(None)))
            .order_by(Workspace.created_at, Workspace.id)
        )
    )
