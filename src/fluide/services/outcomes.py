"""Which events are loyalty outcomes (a workspace setting): churned, renewed, repurchased...

An outcome is an event whose type is in the workspace's list (by default
:data:`DEFAULT_OUTCOME_TYPES`); its customer is the event's user, its time
the event's ``occurred_at``, its name the event's type.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from fluide.i18n import N_
from fluide.services.contacts import check_event_types
from fluide.storage.models import Workspace

DEFAULT_OUTCOME_TYPES: Final = ("churned", "renewed", "repurchased")
DEFAULT_EVENT: Final = "churned"
MAX_OUTCOME_TYPES: Final = 50


def outcome_types(ws: Workspace) -> tuple[str, ...]:
    return (
        DEFAULT_OUTCOME_TYPES if ws.outcome_event_types is None else tuple(ws.outcome_event_types)
    )


def check_outcome_types(types: Sequence[str]) -> list[str]:
    """The outcome types as they will be stored; a 422 naming a bad one."""
    return check_event_types(
        types,
        field="outcome_event_types",
        limit=MAX_OUTCOME_TYPES,
        too_many=N_("At most %(max)s outcome event types, got %(count)s."),
        not_a_type=N_(
            "Outcome event type %(value)s is not an event type: 1 to %(max)s "
            "characters, as POST /v1/events accepts them."
        ),
    )
