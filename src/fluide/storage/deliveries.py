"""A delivery row of a new invitation: which channels Fluide sends itself, and the key."""

from __future__ import annotations

from datetime import datetime

from fluide.storage.types import new_id, utcnow

DRIVEN_CHANNELS = ("email", "chat")
"""Channels Fluide sends itself; in_app/popover wait for the widget, link for the host."""


def idempotency_key(invitation_id: str, channel: str) -> str:
    return f"{invitation_id}:{channel}"


def new_row(
    workspace_id: str,
    invitation_id: str,
    channel: str,
    created_at: datetime,
    request_id: str | None,
) -> dict[str, object] | None:
    """The delivery of a new invitation as a row for a bulk insert (what :func:`enqueue` makes)."""
    if channel not in DRIVEN_CHANNELS:
        return None
    return {
        "id": new_id("dlv"),
        "workspace_id": workspace_id,
        "invitation_id": invitation_id,
        "channel": channel,
        "idempotency_key": idempotency_key(invitation_id, channel),
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": created_at,
        "created_at": utcnow(),
        "request_id": request_id,
    }
