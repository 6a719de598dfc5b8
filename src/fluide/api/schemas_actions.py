"""Request bodies of ``/v1/actions``: the use case's input models, re-exported."""

from __future__ import annotations

from fluide.inputs.actions import (
    ActionIn,
    ActionKind,
    ActionPatch,
    ActionStatus,
    Notes,
    Owner,
    TagKey,
    Title,
)

__all__ = [
    "ActionIn",
    "ActionKind",
    "ActionPatch",
    "ActionStatus",
    "Notes",
    "Owner",
    "TagKey",
    "Title",
]
