"""Request and response bodies, with the examples shown on the OpenAPI page.

The request bodies are the use cases' input models (:mod:`fluide.inputs.requests`),
re-exported here: the API's contract and OpenAPI names are the same.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel

from fluide.inputs.requests import (
    CHANNELS,
    COMMENT_RULE,
    Attributes,
    BrowserEvents,
    Channel,
    Day,
    EffortGroupsIn,
    EventBatch,
    EventIn,
    EventsBody,
    EventType,
    ExternalId,
    ExtraQuestion,
    Input,
    Key,
    Moment,
    Name,
    Properties,
    ResponseIn,
    ScaleKey,
    Score,
    ScoreOrSymbol,
    Text,
    TouchpointBase,
    TouchpointIn,
    TouchpointPatch,
    TriggerIn,
    UserIn,
    translatable,
)

__all__ = [
    "CHANNELS",
    "COMMENT_RULE",
    "Attributes",
    "BrowserEvents",
    "Channel",
    "Day",
    "DecisionOut",
    "DecisionsOut",
    "EffortGroupsIn",
    "ErrorBody",
    "ErrorOut",
    "EventBatch",
    "EventIn",
    "EventType",
    "EventsBody",
    "ExternalId",
    "ExtraQuestion",
    "Input",
    "InvitationOut",
    "Key",
    "Moment",
    "Name",
    "Properties",
    "ResponseIn",
    "ScaleKey",
    "Score",
    "ScoreOrSymbol",
    "Text",
    "TouchpointBase",
    "TouchpointIn",
    "TouchpointPatch",
    "TriggerIn",
    "UserIn",
    "translatable",
]


class InvitationOut(BaseModel):
    id: str
    url: str
    channel: str
    expires_at: AwareDatetime


class DecisionOut(BaseModel):
    event_id: str
    decision: Literal[
        "invited",
        "fatigue",
        "cooldown",
        "sampled_out",
        "no_trigger",
        "duplicate",
        "too_late",
        "opted_out",
    ]
    invitation: InvitationOut | None
    touchpoint: str | None = None
    reason: dict[str, Any] = {}


class DecisionsOut(BaseModel):
    decisions: list[DecisionOut]


class ErrorBody(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorOut(BaseModel):
    """The one shape of every error: ``{"error": {"code", "message", "details"}}``."""

    error: ErrorBody
