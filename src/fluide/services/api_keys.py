"""API keys: made, listed, rotated and revoked. Only a key's SHA-256 is stored.

A key is named by its prefix (``flk_`` and 8 random characters, shown in lists)
or its id. Rotating makes a new key, shown once, and ends the old one at once
or after a grace period (at most 7 days) while clients switch over. A workspace
always keeps a key without an end date: revoking the last one is refused, so
it can never lock itself out of the API.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy.orm import Session, sessionmaker

from fluide.i18n import N_
from fluide.services.errors import ServiceError, invalid, not_found
from fluide.storage import credentials as store
from fluide.storage.db import write_session
from fluide.storage.models import ApiKey, Workspace
from fluide.storage.types import new_id, utcnow

KEY_PREFIX: Final = "flk_"
PREFIX_LENGTH: Final = 12
"""``flk_`` and 8 random characters (48 bits): what lists show and DELETE takes."""
MAX_GRACE_SECONDS: Final = 7 * 24 * 3600
MAX_KEY_LENGTH: Final = 200


def hash_key(key: str) -> str:
    """SHA-256 of a key: keys are 256 random bits, so a fast hash is enough."""
    return hashlib.sha256(key.encode()).hexdigest()


def add_key(s: Session, workspace_id: str, label: str | None = None) -> tuple[str, ApiKey]:
    """A new key of the workspace, stored as its hash; the key itself is returned once.

    Its prefix differs from the workspace's other keys', so a prefix names one
    key (two keys of different workspaces may share one: a prefix is only
    ever looked up within the caller's workspace).
    """
    for _ in range(8):
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        if not store.prefix_used(s, workspace_id, key[:PREFIX_LENGTH]):
            break
    row = ApiKey(
        id=new_id("key"),
        workspace_id=workspace_id,
        prefix=key[:PREFIX_LENGTH],
        key_hash=hash_key(key),
        label=label,
        created_at=utcnow(),
    )
    s.add(row)
    s.flush()
    return key, row


def authenticate(
    s: Session, key: str, now: datetime | None = None
) -> tuple[ApiKey, Workspace] | None:
    """The valid key and its workspace, or ``None`` (unknown, revoked, or malformed)."""
    if not key.startswith(KEY_PREFIX) or len(key) > MAX_KEY_LENGTH:
        return None
    return store.key_by_hash(s, hash_key(key), now or utcnow())


KEY_CACHE_SECONDS: Final = 2.0
"""How long a server process trusts a key it checked, on the events path only.

Revoking or rotating through this process takes effect at once (the cache is
emptied); through another process, within this many seconds. The workspace's
rules and fatigue are read again in every transaction that decides events.
"""
KEY_CACHE_SIZE: Final = 10_000


@dataclass(frozen=True)
class KeyRef:
    """A checked key: which one, and its workspace's id (all ``record_events`` needs)."""

    key_id: str
    workspace_id: str
    ends_at: datetime | None


class KeyCache:
    """Checked keys by hash, trusted for :data:`KEY_CACHE_SECONDS` (thread-safe).

    Unknown keys are never cached: each wrong key asks the database, as before.
    """

    def __init__(self, seconds: float = KEY_CACHE_SECONDS, size: int = KEY_CACHE_SIZE) -> None:
        self._seconds = seconds
        self._size = size
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, KeyRef]] = {}

    def cached(self, key: str, now: datetime | None = None) -> KeyRef | None:
        """The key if the cache vouches for it now; None means "ask :meth:`lookup`"."""
        with self._lock:
            hit = self._entries.get(hash_key(key))
        if hit is None or time.monotonic() - hit[0] >= self._seconds:
            return None
        ref = hit[1]
        return ref if ref.ends_at is None or ref.ends_at > (now or utcnow()) else None

    def lookup(
        self, factory: sessionmaker[Session], key: str, now: datetime | None = None
    ) -> KeyRef | None:
        """The valid key ``key``, from the cache when checked less than a moment ago."""
        if not key.startswith(KEY_PREFIX) or len(key) > MAX_KEY_LENGTH:
            return None
        moment = now or utcnow()
        found_ref = self.cached(key, moment)
        if found_ref is not None:
            return found_ref
        digest = hash_key(key)
        clock = time.monotonic()
        with factory() as s:
            found = store.key_ref_by_hash(s, digest, moment)
        if found is None:
            with self._lock:
                self._entries.pop(digest, None)
            return None
        ref = KeyRef(*found)
        with self._lock:
            if len(self._entries) >= self._size:
                self._entries.clear()  # rare: more live keys than entries; start afresh
            self._entries[digest] = (clock, ref)
        return ref

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


key_cache = KeyCache()
"""This process's cache (emptied by :func:`rotate` and :func:`revoke`)."""


def _valid(k: ApiKey, now: datetime) -> bool:
    return k.revoked_at is None or k.revoked_at > now


def key_json(k: ApiKey, now: datetime, current_id: str | None = None) -> dict[str, Any]:
    """What the API shows of a key: never the key, never its hash."""
    return {
        "id": k.id,
        "prefix": k.prefix,
        "label": k.label,
        "created_at": k.created_at.isoformat(),
        "revoked_at": k.revoked_at.isoformat() if k.revoked_at else None,
        "valid": _valid(k, now),
        "current": k.id == current_id,
    }


def list_keys(
    s: Session, workspace_id: str, current_id: str | None = None, now: datetime | None = None
) -> dict[str, Any]:
    moment = now or utcnow()
    return {"api_keys": [key_json(k, moment, current_id) for k in store.keys(s, workspace_id)]}


def check_grace(grace_seconds: int) -> timedelta:
    if not 0 <= grace_seconds <= MAX_GRACE_SECONDS:
        raise invalid(
            "grace",
            "grace must be between 0 and %(max)s seconds (7 days), got %(value)s.",
            max=MAX_GRACE_SECONDS,
            value=grace_seconds,
        )
    return timedelta(seconds=grace_seconds)


def _locked(s: Session, workspace_id: str) -> Workspace:
    """The workspace row, locked: two rotations or revocations never interleave."""
    ws = s.get(Workspace, workspace_id, with_for_update=True)
    if ws is None:
        raise not_found("No workspace %(value)s.", workspace_id)
    return ws


def check_label(label: str | None) -> None:
    """Refuse a label PostgreSQL cannot store (NUL) or a person cannot read (control characters)."""
    if label is not None and any(ord(c) < 32 or ord(c) == 127 for c in label):
        raise invalid("label", N_("The label cannot hold control characters (such as NUL)."))


def rotate(
    factory: sessionmaker[Session],
    workspace_id: str,
    *,
    replacing: str | None,
    grace_seconds: int = 0,
    label: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """A new key, and the end of the key ``replacing`` (an id), or of every valid key.

    The old keys stop working ``grace_seconds`` from now (at once for 0); a
    key already due to end sooner keeps its earlier end; ``old_key_valid_until``
    is when the last of them ends. The new key is in the result, the only time
    it is shown.
    """
    grace = check_grace(grace_seconds)
    check_label(label)
    moment = now or utcnow()
    until = moment + grace
    with write_session(factory) as s:
        _locked(s, workspace_id)
        old = [
            k
            for k in store.valid_keys(s, workspace_id, moment)
            if replacing is None or k.id == replacing
        ]
        ends = []
        for k in old:
            k.revoked_at = until if k.revoked_at is None else min(k.revoked_at, until)
            ends.append(k.revoked_at)
        key, row = add_key(s, workspace_id, label)
        out = {
            "api_key": key,
            **key_json(row, moment),
            "revokes": [k.prefix for k in old],
            "old_key_valid_until": max(ends).isoformat() if ends else None,
        }
    key_cache.clear()  # committed: this process stops trusting the old keys at once
    return out


def revoke(
    factory: sessionmaker[Session], workspace_id: str, ref: str, now: datetime | None = None
) -> dict[str, Any]:
    """End the key named ``ref`` (prefix or id) now; revoking a revoked key changes nothing.

    404 for a key this workspace does not have; 409 when the prefix names
    several keys, or when the workspace would be left without a key that has
    no end date.
    """
    moment = now or utcnow()
    with write_session(factory) as s:
        _locked(s, workspace_id)
        found = store.keys_named(s, workspace_id, ref)
        if not found:
            raise not_found("No API key %(value)s in this workspace.", ref)
        if len(found) > 1:
            raise ServiceError(
                "ambiguous_key",
                "Several keys of this workspace start with %(value)s: revoke one by its id "
                "(GET /v1/workspace/api-keys lists them).",
                status=409,
                details={"ids": [k.id for k in found]},
                value=ref,
            )
        target = found[0]
        if not _valid(target, moment):
            return key_json(target, moment)
        lasting = [
            k
            for k in store.valid_keys(s, workspace_id, moment)
            if k.revoked_at is None and k.id != target.id
        ]
        if not lasting:
            raise ServiceError(
                "last_key",
                "%(value)s is the workspace's last key without an end date: make a new key "
                "first (POST /v1/workspace/api-keys or fluide workspace rotate-key), so that "
                "the workspace is never locked out.",
                status=409,
                value=target.prefix,
            )
        target.revoked_at = moment
        out = key_json(target, moment)
    key_cache.clear()  # committed: this process stops trusting the key at once
    return out
