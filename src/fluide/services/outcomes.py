"""Which events are loyalty outcomes (a workspace setting): churned, renewed, repurchased...

An outcome is an event whose type is in the workspace's list (by default
:data:`DEFAULT_OUTCOME_TYPES`); its customer is the event's user, its time
the event's ``occurred_at``, its name the event's type.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from fluide.i18n import N_
from fluide.services.contacts import MAX_TYPE_LENGTH
from fluide.services.errors import ServiceError, invalid
from fluide.storage.models import Workspace

DEFAULT_OUTCOME_TYPES: Final = ("churned", "renewed", "repurchased")
DEFAULT_EVENT: Final = "churned"
MAX_OUTCOME_TYPES: Final = 50


def outcome_types(ws: Workspace) -> tuple[str, ...]:
    return (
        DEFAULT_OUTCOME_TYPES if ws.outcome_event_types is None else tuple(ws.outcome_event_types)
    )


def _bad(message: str, /, **params: Any) -> ServiceError:
    return invalid("outcome_event_types", message, **params)


def check_outcome_types(types: Sequence[str]) -> list[str]:
    """The list as it will be stored (trimmed, each once, in order); a 422 naming a bad one."""
    out: list[str] = []
    if len(types) > MAX_OUTCOME_TYPES:
        raise _bad(
            N_("At most %(max)s outcome event types, got %(count)s."),
            max=MAX_OUTCOME_TYPES,
            count=len(types),
        )
    for raw in types:
        name = raw.strip()
        if not name or len(name) > MAX_TYPE_LENGTH or "\x00" in name:
            raise _bad(
                N_(
                    "Outcome event type %(value)s is not an event type: 1 to %(max)s "
                    "characters, as POST /v1/events accepts them."
                ),
                value=repr(raw[:60]),
                max=MAX_TYPE_LENGTH,
            )
        if name not in out:
            out.append(name)
    return out
