"""Request bodies of ``/v1/actions`` (a fix logged against a friction, then delivered)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, StringConstraints

from fluide.inputs.requests import Day, Input, Key

ActionKind = Literal["macro", "faq", "ux_change", "new_flow", "process", "other"]
ActionStatus = Literal["to_deliver", "delivered"]
Title = Annotated[str, StringConstraints(min_length=1, max_length=300, strip_whitespace=True)]
Owner = Annotated[str, StringConstraints(max_length=200, strip_whitespace=True)]
Notes = Annotated[str, StringConstraints(max_length=5000)]
TagKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]


class ActionIn(Input):
    """A fix to deliver, or already delivered (then with its delivery date)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "touchpoint": "payer",
                    "tag": "payment",
                    "title": "Dire pourquoi la carte est refusée",
                    "kind": "ux_change",
                    "owner": "Léa (produit)",
                    "status": "to_deliver",
                    "due_on": "2026-03-20",
                    "notes": "Message d'erreur actuel : « Paiement impossible ».",
                }
            ]
        },
    )
    touchpoint: Key
    title: Title
    kind: ActionKind
    tag: TagKey | None = None
    owner: Owner | None = None
    status: ActionStatus = "to_deliver"
    due_on: Day | None = None
    delivered_on: Day | None = None
    notes: Notes | None = None


class ActionPatch(Input):
    """Any subset of fields. ``null`` empties an optional one (tag, owner, dates, notes).

    Setting ``delivered_on`` marks the action delivered; ``status: to_deliver``
    reopens it and forgets the delivery date.
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"delivered_on": "2026-03-10"}, {"owner": None}]},
    )
    touchpoint: Key | None = None
    title: Title | None = None
    kind: ActionKind | None = None
    tag: TagKey | None = None
    owner: Owner | None = None
    status: ActionStatus | None = None
    due_on: Day | None = None
    delivered_on: Day | None = None
    notes: Notes | None = None
