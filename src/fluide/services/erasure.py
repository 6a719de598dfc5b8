"""Erasing one customer: the right to erasure, and retention's erasure of inactive customers.

Every row of :data:`fluide.storage.erasure.CUSTOMER_TABLES` that belongs to
the customer goes in one transaction, with the copies of their comments, and
an :class:`~fluide.storage.security_models.Erasure` row keeps who erased which
id, when, why, and how many rows of each table went (no personal data). Then
the bytes are purged from the database files (:mod:`fluide.storage.purge`).

Figures are computed from the answers that remain: an erased customer's
scores leave every figure, past periods included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from fluide.services.errors import not_found
from fluide.storage import erasure as store
from fluide.storage import purge as purge_store
from fluide.storage.db import write_session
from fluide.storage.security_models import Erasure
from fluide.storage.types import new_id, utcnow

REQUEST: Final = "request"
RETENTION: Final = "retention"
CLI: Final = "cli"


@dataclass(frozen=True)
class Erased:
    """What an erasure did; ``email`` is for wiping in-memory copies, never shown."""

    erasure_id: str
    user_id: str
    erased_by: str
    reason: str
    erased_at: datetime
    counts: dict[str, int]
    files_purged: bool
    email: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "erasure_id": self.erasure_id,
            "user_id": self.user_id,
            "erased_by": self.erased_by,
            "reason": self.reason,
            "erased_at": self.erased_at.isoformat(),
            "counts": self.counts,
            "files_purged": self.files_purged,
        }


def api_caller(key: str) -> str:
    """How an API key is named in the audit: its public prefix, never the key."""
    return f"api:{key[:12]}"


def erase_user(
    factory: sessionmaker[Session],
    ws_id: str,
    external_id: str,
    *,
    erased_by: str,
    reason: str = REQUEST,
    now: datetime | None = None,
    inactive_before: datetime | None = None,
    purge: bool = True,
) -> Erased | None:
    """Erase the customer ``external_id`` of the workspace; a 404 if there is none.

    With ``inactive_before`` (retention), a customer active since then is kept
    and ``None`` returned. Without ``purge`` the caller purges the files itself.
    """
    moment = now or utcnow()
    with write_session(factory) as s:
        user = store.locked_user(s, ws_id, external_id)
        if user is None:
            raise not_found("No user %(value)s in this workspace.", external_id)
        if inactive_before is not None and store.last_activity(s, ws_id, user) >= inactive_before:
            return None
        email = user.email
        counts = store.erase_customer(s, ws_id, user.id)
        audit = Erasure(
            id=new_id("era"),
            workspace_id=ws_id,
            user_external_id=external_id,
            erased_by=erased_by[:200],
            reason=reason,
            erased_at=moment,
            counts=counts,
        )
        s.add(audit)
    purged = purge_files(factory, erased_tables([counts])) if purge else False
    return Erased(audit.id, external_id, audit.erased_by, reason, moment, counts, purged, email)


def erased_tables(counts: list[dict[str, int]]) -> list[str]:
    """The tables that lost rows, in :data:`~fluide.storage.erasure.CUSTOMER_TABLES` order."""
    tables = [t.table for t in store.CUSTOMER_TABLES if any(c.get(t.table) for c in counts)]
    return list(dict.fromkeys(tables))


def _engine(factory: sessionmaker[Session]) -> Engine:
    bind = factory.kw.get("bind")
    assert isinstance(bind, Engine)
    return bind


def purge_files(factory: sessionmaker[Session], tables: list[str]) -> bool:
    """Purge ``tables`` and any purge left pending before; True when nothing is left."""
    started = utcnow()
    with factory() as s:
        waiting = purge_store.pending(s)
    todo = list(dict.fromkeys([*tables, *waiting]))
    if not todo:
        return True
    left = purge_store.purge_files(_engine(factory), todo)
    done = [t for t in waiting if t not in left]
    if done or left:
        with write_session(factory) as s:
            purge_store.clear_pending(s, done, started)
            purge_store.mark_pending(s, left, utcnow())
    return not left


def purge_pending(factory: sessionmaker[Session]) -> bool:
    """Do the purges left pending (the worker's round); True when none is left."""
    return purge_files(factory, [])
