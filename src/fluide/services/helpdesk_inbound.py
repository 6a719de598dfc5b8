"""Use case: the help desk tells Fluide a ticket's new status (the outcome coming back).

``POST /v1/integrations/helpdesk/inbound/{inbound_id}``: the id names the
workspace's connection, the vendor's signature authenticates the call (see
:mod:`fluide.channels.helpdesk_inbound`). A solved or closed ticket closes its
follow-up with the outcome ``resolved`` and the agent's note; anything else is
only recorded. Idempotent: the same call twice changes nothing more; an event
older than the last one seen is ignored. Only the workspace's own tickets are
touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy.orm import Session, sessionmaker

from fluide import secretbox
from fluide.channels import helpdesk_inbound as signed
from fluide.domain import helpdesk as rules
from fluide.domain.follow_ups import MAX_NOTE
from fluide.services.errors import ServiceError
from fluide.settings import Settings
from fluide.storage import follow_ups as follow_up_store
from fluide.storage import helpdesk as store
from fluide.storage.db import write_session
from fluide.storage.helpdesk_models import HelpdeskConnection, HelpdeskTicket
from fluide.storage.types import utcnow

CLOSED_BY: Final = "helpdesk"
OUTCOME: Final = "resolved"


@dataclass(frozen=True)
class Call:
    """An inbound request as received: raw body, headers (lower-case names), the URL the
    vendor called (``FLUIDE_PUBLIC_URL`` and the path: what HubSpot signs)."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes


def _refused() -> ServiceError:
    # One answer for an unknown id and a bad signature: nothing to learn by probing.
    return ServiceError(
        "bad_signature",
        "The signature is missing, wrong or older than five minutes.",
        status=401,
    )


def _authentic(row: HelpdeskConnection, settings: Settings, call: Call, now: int) -> bool:
    if not row.signing_secret:
        return False
    try:
        secret = secretbox.box(settings).open(row.signing_secret)
    except secretbox.UndecryptableSecret as exc:
        raise ServiceError("secret_key_mismatch", secretbox.MISMATCH, status=503) from exc
    h = call.headers
    if row.provider == "zendesk":
        return signed.verify_zendesk(
            secret,
            h.get("x-zendesk-webhook-signature-timestamp"),
            h.get("x-zendesk-webhook-signature"),
            call.body,
            now=now,
        )
    if row.provider == "hubspot":
        return signed.verify_hubspot(
            secret,
            call.method,
            call.url,
            call.body,
            h.get("x-hubspot-request-timestamp"),
            h.get("x-hubspot-signature-v3"),
            now=now,
        )
    return signed.verify_fluide(secret, h.get("x-fluide-signature"), call.body, now=now)


def _ticket(
    s: Session, row: HelpdeskConnection, change: signed.StatusChange
) -> HelpdeskTicket | None:
    ws = row.workspace_id
    if change.external_id is not None:
        found = store.by_external_id(s, ws, row.provider, change.external_id)
        if found is not None:
            return found
    if change.follow_up_id is not None:
        return store.ticket(s, ws, change.follow_up_id)
    return None


def _apply(
    s: Session, row: HelpdeskConnection, change: signed.StatusChange, moment: datetime
) -> str:
    """``closed``, ``recorded``, ``unchanged``, ``stale`` or ``unknown``."""
    t = _ticket(s, row, change)
    if t is None:
        return "unknown"
    if change.at is not None and t.remote_at is not None and change.at < t.remote_at:
        return "stale"
    seen = (t.remote_status, t.remote_at)
    t.remote_status, t.remote_at = change.status[:40], change.at or moment
    fu = follow_up_store.get(s, row.workspace_id, t.follow_up_id)
    if fu is None or not rules.closes(row.provider, change.status):
        return "recorded" if seen[0] != t.remote_status else "unchanged"
    if fu.status == "closed":
        return "unchanged"
    fu.status, fu.outcome, fu.closed_at, fu.closed_by = "closed", OUTCOME, moment, CLOSED_BY
    if change.note:
        text = change.note.replace("\x00", "").strip()
        note = f"{fu.note}\n\n{text}" if fu.note else text
        fu.note = note[:MAX_NOTE]
    return "closed"


def receive(
    factory: sessionmaker[Session],
    settings: Settings,
    inbound_id: str,
    call: Call,
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Check the call, then apply each status change it carries; counts by what happened."""
    moment = now or utcnow()
    with factory() as s:
        row = store.by_inbound_id(s, inbound_id[:40]) if "\x00" not in inbound_id else None
        if row is None or not _authentic(row, settings, call, int(moment.timestamp())):
            raise _refused()
        provider = row.provider
    try:
        changes = signed.changes(provider, call.body)
    except signed.Unreadable as exc:
        raise ServiceError("unreadable", str(exc), status=422) from None
    done: dict[str, int] = {}
    with write_session(factory) as s:
        conn = store.by_inbound_id(s, inbound_id)
        if conn is None:
            raise _refused()
        for change in changes:
            what = _apply(s, conn, change, moment)
            done[what] = done.get(what, 0) + 1
    return {"received": len(changes), **done}
