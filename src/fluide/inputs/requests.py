"""Request bodies of the use cases, with the examples shown on the OpenAPI page.

They describe what a use case takes, not HTTP: the services, the API, the
dashboard and the demo share them (``fluide.api.schemas`` re-exports them, so
the OpenAPI names stay the same).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    model_validator,
)
from pydantic_core import PydanticCustomError

from fluide.domain.date_range import OutOfRange, check_day
from fluide.domain.json_limits import JsonLimitError, check_json_object
from fluide.domain.scales import SCALES

Key = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_\-]{0,99}$")]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
ExternalId = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Channel = Literal["in_app", "email", "chat", "link", "popover"]
ScaleKey = Literal["1-5", "1-7", "1-10", "emoji-3"]
TaskCategory = Literal[
    "payment",
    "login",
    "onboarding",
    "support_contact",
    "find_information",
    "cancellation",
    "delivery",
    "other",
]
"""The benchmark's task categories (:data:`fluide.domain.benchmark.CATEGORIES`)."""
CHANNELS = ("in_app", "email", "chat", "link", "popover")


def _nul_free(value: Any, where: str = "") -> None:
    """Refuse NUL characters anywhere: PostgreSQL cannot store them in text or JSON."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError(
                f"NUL characters (\\u0000) are not allowed{' in ' + where if where else ''}"
            )
    elif isinstance(value, dict):
        for k, v in value.items():
            _nul_free(k, where)
            _nul_free(v, f"{where}.{k}" if where else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _nul_free(v, f"{where}.{i}" if where else str(i))


def translatable(error_type: str, message: str, params: dict[str, Any]) -> PydanticCustomError:
    """A validation error whose problem text is translated (``message`` is a msgid)."""
    context = {"problem": message % params, "msgid": message, "params": params}
    return PydanticCustomError(error_type, "{problem}", context)


def _limited(where: str) -> AfterValidator:
    """A free JSON object within :mod:`fluide.domain.json_limits` (the 422 names the limit)."""

    def check(value: dict[str, Any]) -> dict[str, Any]:
        try:
            check_json_object(value, where)
        except JsonLimitError as exc:
            raise translatable("json_limit", exc.message, exc.params) from None
        return value

    return AfterValidator(check)


Properties = Annotated[dict[str, Any], _limited("properties")]
Attributes = Annotated[dict[str, Any], _limited("attributes")]


def _day_in_range(value: date) -> date:
    try:
        return check_day(value)
    except OutOfRange as exc:
        raise translatable("date_out_of_range", exc.message, exc.params) from None


def _moment_in_range(value: datetime) -> datetime:
    _day_in_range(value.date())  # its own calendar date: no time zone arithmetic yet
    return value


Day = Annotated[date, AfterValidator(_day_in_range)]
"""A date of :mod:`fluide.domain.date_range` (years 2000 to 2100)."""
Moment = Annotated[AwareDatetime, AfterValidator(_moment_in_range)]
"""An aware date and time whose date is in the range."""


class Input(BaseModel):
    """Base of every request body: no NUL character can reach the database."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        _nul_free(data)
        return data


class Text(Input):
    """A text in French and English; French is required (users are French first)."""

    model_config = ConfigDict(extra="forbid")
    fr: Annotated[str, StringConstraints(min_length=1, max_length=500, strip_whitespace=True)]
    en: (
        Annotated[str, StringConstraints(min_length=1, max_length=500, strip_whitespace=True)]
        | None
    ) = None


EventType = Annotated[str, StringConstraints(min_length=1, max_length=200)]
BrowserEvents = Annotated[
    list[EventType],
    Field(
        max_length=50,
        description=(
            "Event types a signed browser may send through the widget (POST /w/v1/track) for "
            "this touchpoint. null (the default): its trigger event types if its channels "
            "include in_app or popover, else none; []: none."
        ),
    ),
]


class TriggerIn(Input):
    model_config = ConfigDict(extra="forbid")
    event: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    outcome: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None


class ExtraQuestion(Input):
    """An extra question for session-end surveys (up to 8)."""

    model_config = ConfigDict(extra="forbid")
    key: Key
    question: Text
    kind: Literal["scale", "text"] = "scale"
    scale: str | None = None

    @model_validator(mode="after")
    def _scale(self) -> ExtraQuestion:
        if self.kind == "scale" and (self.scale or "1-5") not in SCALES:
            raise ValueError(f"scale must be one of {', '.join(SCALES)}")
        return self


class EffortGroupsIn(Input):
    model_config = ConfigDict(extra="forbid")
    low_max: int = Field(ge=1, le=10)
    high_min: int = Field(ge=1, le=10)


class TaskNames(Input):
    """The task name in French and English; a language left out reads ``task``."""

    model_config = ConfigDict(extra="forbid")
    fr: Name | None = None
    en: Name | None = None


class TouchpointBase(Input):
    """Fields shared by creation and patch."""


class TouchpointIn(TouchpointBase):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "key": "payer",
                    "task": "payer",
                    "task_names": {"fr": "payer", "en": "pay"},
                    "task_category": "payment",
                    "question": {"fr": "J'ai pu payer facilement", "en": "I could pay easily"},
                    "scale": "1-7",
                    "polarity": "ease",
                    "comment_prompt": {"fr": "Qu'est-ce qui aurait pu être plus simple ?"},
                    "triggers": [
                        {"event": "payment_succeeded"},
                        {"event": "payment_failed", "outcome": "failure"},
                    ],
                    "channels": ["in_app", "email", "chat", "link"],
                    "sampling": 1.0,
                    "cooldown_days": 14,
                    "expires_after_hours": 24,
                }
            ]
        },
    )
    key: Key
    task: Name
    task_names: TaskNames | None = None
    task_category: TaskCategory | None = None
    question: Text
    scale: ScaleKey
    polarity: Literal["effort", "ease"]
    comment_prompt: Text | None = None
    effort_groups: EffortGroupsIn | None = None
    triggers: Annotated[list[TriggerIn], Field(min_length=1, max_length=50)]
    channels: Annotated[list[Channel], Field(min_length=1, max_length=5)] = ["in_app", "link"]
    sampling: float = Field(default=1.0, ge=0.0, le=1.0)
    cooldown_days: float = Field(default=14, ge=0, le=365)
    expires_after_hours: float = Field(default=24, gt=0, le=24 * 30)
    extra_questions: Annotated[list[ExtraQuestion], Field(max_length=8)] = []
    active: bool = True
    browser_events: BrowserEvents | None = None


class TouchpointPatch(TouchpointBase):
    """Any subset of fields; wording, scale, polarity or groups make a new question version."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"question": {"fr": "Payer a été facile", "en": "Paying was easy"}}]
        },
    )
    task: Name | None = None
    task_names: TaskNames | None = None
    task_category: TaskCategory | None = None  # null: out of the benchmark
    question: Text | None = None
    scale: ScaleKey | None = None
    polarity: Literal["effort", "ease"] | None = None
    comment_prompt: Text | None = None
    effort_groups: EffortGroupsIn | None = None
    triggers: Annotated[list[TriggerIn], Field(min_length=1, max_length=50)] | None = None
    channels: Annotated[list[Channel], Field(min_length=1, max_length=5)] | None = None
    sampling: float | None = Field(default=None, ge=0.0, le=1.0)
    cooldown_days: float | None = Field(default=None, ge=0, le=365)
    expires_after_hours: float | None = Field(default=None, gt=0, le=24 * 30)
    extra_questions: Annotated[list[ExtraQuestion], Field(max_length=8)] | None = None
    active: bool | None = None
    browser_events: BrowserEvents | None = None  # null: back to the default


class UserIn(Input):
    model_config = ConfigDict(extra="forbid")
    id: ExternalId
    email: (
        Annotated[str, StringConstraints(max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")] | None
    ) = None
    locale: Annotated[str, StringConstraints(max_length=16)] | None = None
    attributes: Attributes = {}


class EventIn(Input):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "id": "evt-123",
                    "type": "payment_failed",
                    "occurred_at": "2026-11-22T10:15:00+01:00",
                    "user": {
                        "id": "u-42",
                        "email": "client@example.com",
                        "locale": "fr",
                        "attributes": {"customer_since": "2025-03-01", "plan": "pro"},
                    },
                    "outcome": "failure",
                    "properties": {"agent_id": "a-7", "ticket_id": "T-1001"},
                }
            ]
        },
    )
    id: ExternalId
    type: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    occurred_at: Moment
    user: UserIn
    outcome: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    channel: Channel | None = None
    properties: Properties = {}


class EventBatch(Input):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "events": [
                        {
                            "id": "evt-124",
                            "type": "payment_succeeded",
                            "occurred_at": "2026-11-22T10:16:00+01:00",
                            "user": {"id": "u-43", "locale": "fr"},
                        },
                        {
                            "id": "evt-125",
                            "type": "ticket_resolved",
                            "occurred_at": "2026-11-22T10:17:00+01:00",
                            "user": {"id": "u-44", "locale": "en"},
                            "properties": {"agent_id": "a-7", "ticket_id": "T-1002"},
                        },
                    ]
                }
            ]
        },
    )
    events: Annotated[list[EventIn], Field(min_length=1, max_length=1000)]


def _one_or_batch(v: Any) -> str:
    return "batch" if isinstance(v, dict) and "events" in v else "one"


EventsBody = Annotated[
    Annotated[EventIn, Tag("one")] | Annotated[EventBatch, Tag("batch")],
    Discriminator(_one_or_batch),
]
"""One event, or ``{"events": [...]}``: errors speak of the form that was sent."""


def _not_a_boolean(value: Any) -> Any:
    # JSON true would pass as 1 otherwise (bool is an int to Python and to pydantic's lax mode).
    if isinstance(value, bool):
        raise ValueError("a score is a point of the scale (a number or its symbol), not true/false")
    return value


Score = Annotated[int, BeforeValidator(_not_a_boolean)]
"""A score as a number: never ``true``/``false``."""
ScoreOrSymbol = Annotated[
    int | Annotated[str, StringConstraints(max_length=50)], BeforeValidator(_not_a_boolean)
]
"""A score as a number or one of the scale's symbols (``🙂``): never ``true``/``false``."""
COMMENT_RULE = (
    "Answering again without a comment field keeps the comment recorded; "
    '"comment": null or "" erases it.'
)


class ResponseIn(Input):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"token": "inv_….signature", "score": 6, "comment": "Rapide, merci"}]
        },
    )
    token: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    score: Score
    comment: Annotated[str, StringConstraints(max_length=5000)] | None = Field(
        default=None, description=COMMENT_RULE
    )
    extra_answers: dict[str, Any] = {}
