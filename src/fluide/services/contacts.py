"""Which events are a customer's contacts (a workspace setting) and what they carry.

A contact is an event whose type is in the workspace's list (by default
:data:`DEFAULT_CONTACT_TYPES`); its channel, reason, agent, ticket and promise
come from its ``properties`` (``channel``, ``reason``, ``agent_id``,
``ticket_id``, ``promised_at``). A ``ticket_resolved`` event with the same
``ticket_id`` resolves it: its ``occurred_at`` is the contact's ``resolved_at``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

from fluide.i18n import N_
from fluide.services.errors import invalid
from fluide.storage.models import Workspace

DEFAULT_CONTACT_TYPES: Final = ("ticket_opened", "contact", "call", "chat_started")
RESOLVED_TYPE: Final = "ticket_resolved"
DEFAULT_PROMISE_ALERT_HOURS: Final = 4
MAX_PROMISE_ALERT_HOURS: Final = 168
MAX_CONTACT_TYPES: Final = 50
MAX_TYPE_LENGTH: Final = 200
"""As ``POST /v1/events`` allows an event type: 1 to 200 characters."""


def contact_types(ws: Workspace) -> tuple[str, ...]:
    return (
        DEFAULT_CONTACT_TYPES if ws.contact_event_types is None else tuple(ws.contact_event_types)
    )


def promise_alert_hours(ws: Workspace) -> int:
    return ws.promise_alert_hours or DEFAULT_PROMISE_ALERT_HOURS


def check_event_types(
    types: Sequence[str],
    *,
    field: str,
    limit: int,
    too_many: str,
    not_a_type: str,
    refused: dict[str, str] | None = None,
) -> list[str]:
    """An event-type list as it will be stored (trimmed, each once, in order); a 422 on
    ``field`` naming the first bad one. ``too_many`` takes ``max`` and ``count``,
    ``not_a_type`` takes ``value`` and ``max``; ``refused`` maps a type that may not be
    listed to the message saying why (it takes ``value``)."""
    out: list[str] = []
    if len(types) > limit:
        raise invalid(field, too_many, max=limit, count=len(types))
    for raw in types:
        name = raw.strip()
        if not name or len(name) > MAX_TYPE_LENGTH or "\x00" in name:
            raise invalid(field, not_a_type, value=repr(raw[:60]), max=MAX_TYPE_LENGTH)
        if refused and name in refused:
            raise invalid(field, refused[name], value=name)
        if name not in out:
            out.append(name)
    return out


def check_contact_types(types: Sequence[str]) -> list[str]:
    """The contact types as they will be stored; a 422 naming a bad one."""
    return check_event_types(
        types,
        field="contact_event_types",
        limit=MAX_CONTACT_TYPES,
        too_many=N_("At most %(max)s contact event types, got %(count)s."),
        not_a_type=N_(
            "Contact event type %(value)s is not an event type: 1 to %(max)s "
            "characters, as POST /v1/events accepts them."
        ),
        refused={RESOLVED_TYPE: N_("%(value)s resolves a ticket; it cannot be a contact as well.")},
    )


def text_of(properties: dict[str, Any], key: str) -> str | None:
    """A property as text (numbers too); ``None`` when absent or empty."""
    value = properties.get(key)
    if value is None or isinstance(value, dict | list):
        return None
    text = str(value).strip()
    return text or None


def time_of(properties: dict[str, Any], key: str) -> datetime | None:
    """An ISO 8601 time with its offset; ``None`` when absent or not one."""
    text = text_of(properties, key)
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
