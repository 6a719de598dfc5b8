"""The tables. Every row that belongs to a workspace carries ``workspace_id``,
and every query filters on it (see the repositories)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from fluide.storage.types import Json, UtcDateTime, utcnow

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Workspace(Base):
    __tablename__ = "workspaces"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    fatigue_days: Mapped[int] = mapped_column(Integer, default=14)
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Paris")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Channels. The widget's public key is safe in a page; the widget secret
    # (HMAC of user ids, computed by the host's server) and the webhook secret
    # (signing what Fluide posts) are kept to compute signatures.
    widget_public_key: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    # Both secrets are stored encrypted (Fernet, key derived from FLUIDE_SECRET_KEY).
    widget_secret: Mapped[str | None] = mapped_column(Text, nullable=True)
    chat_webhook_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    webhook_secret: Mapped[str | None] = mapped_column(Text, nullable=True)
    sender_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # Data retention (days; None keeps data until erased), applied daily by the worker.
    comment_retention_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    personal_data_retention_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Bumped in the transaction that changes a touchpoint or its question: server
    # processes cache the decision rules per (workspace, rules_version).
    rules_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Branding of the survey page (services.branding): a ``#rrggbb`` colour and a small
    # uploaded PNG/JPEG/WebP logo, served by Fluide itself with its checked type.
    brand_color: Mapped[str | None] = mapped_column(String(7), nullable=True)
    logo_type: Mapped[str | None] = mapped_column(String(32), nullable=True)
    logo_data: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    # Recontacts from events (services.contacts): the event types that are contacts and
    # how many hours ahead a promise about to be missed opens a follow-up; NULL: defaults.
    contact_event_types: Mapped[list[str] | None] = mapped_column(Json, nullable=True)
    promise_alert_hours: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Loyalty (services.outcomes): the event types that are outcomes; NULL: defaults.
    outcome_event_types: Mapped[list[str] | None] = mapped_column(Json, nullable=True)
    # The CES benchmark (services.benchmark): whether the workspace contributes live to the
    # instance's pool, and its random opaque contributor id (made at first export or opt-in).
    benchmark_opt_in: Mapped[bool] = mapped_column(default=False, server_default=false())
    benchmark_contributor: Mapped[str | None] = mapped_column(String(64), nullable=True)


class ApiKey(Base):
    """A server-side key. Only its SHA-256 is kept: the key itself is shown once."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), index=True)
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class Touchpoint(Base):
    """A precise action and the one question asked right after it."""

    __tablename__ = "touchpoints"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), index=True)
    key: Mapped[str] = mapped_column(String(100))
    task: Mapped[str] = mapped_column(String(200))
    # {"fr": ..., "en": ...}; a missing language reads `task` (fluide.domain.task_names).
    task_names: Mapped[dict[str, str] | None] = mapped_column(Json, nullable=True)
    triggers: Mapped[list[dict[str, Any]]] = mapped_column(Json)
    channels: Mapped[list[str]] = mapped_column(Json)
    sampling: Mapped[float] = mapped_column(Float, default=1.0)
    cooldown_days: Mapped[float] = mapped_column(Float, default=14)
    expires_after_hours: Mapped[float] = mapped_column(Float, default=24)
    active: Mapped[bool] = mapped_column(default=True)
    # Event types a signed browser may send for this touchpoint (None: the in-app default).
    browser_events: Mapped[list[str] | None] = mapped_column(Json, nullable=True)
    # The benchmark's task category (fluide.domain.benchmark.CATEGORIES); None: not in it.
    task_category: Mapped[str | None] = mapped_column(String(32), nullable=True)
    current_version_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class QuestionVersion(Base):
    """The wording, scale and polarity a touchpoint asked during a period.

    Changing any of them makes a new version; answers keep the version they
    answered, so metrics never mix versions without saying so.
    """

    __tablename__ = "question_versions"
    __table_args__ = (UniqueConstraint("touchpoint_id", "number"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), index=True)
    touchpoint_id: Mapped[str] = mapped_column(ForeignKey("touchpoints.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    question: Mapped[dict[str, str]] = mapped_column(Json)
    comment_prompt: Mapped[dict[str, str]] = mapped_column(Json)
    scale: Mapped[str] = mapped_column(String(16))
    polarity: Mapped[str] = mapped_column(String(16))
    low_max: Mapped[int] = mapped_column(Integer)
    high_min: Mapped[int] = mapped_column(Integer)
    extra_questions: Mapped[list[dict[str, Any]]] = mapped_column(Json, default=list)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class EndUser(Base):
    """A customer of the workspace, known by the host's own user id."""

    __tablename__ = "end_users"
    __table_args__ = (UniqueConstraint("workspace_id", "external_id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), index=True)
    external_id: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    locale: Mapped[str | None] = mapped_column(String(16), nullable=True)
    attributes: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    opted_out_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_invited_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Event(Base):
    """An action the host reported, with the decision taken. Append-only."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("workspace_id", "external_id"),
        Index("ix_events_user", "workspace_id", "user_id", "received_at"),
        Index("ix_events_type", "workspace_id", "type", "occurred_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    external_id: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(200))
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    user_id: Mapped[str] = mapped_column(ForeignKey("end_users.id"))
    outcome: Mapped[str | None] = mapped_column(String(64), nullable=True)
    properties: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    user_attributes: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    decision: Mapped[str] = mapped_column(String(32))
    reason: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    touchpoint_id: Mapped[str | None] = mapped_column(ForeignKey("touchpoints.id"), nullable=True)
    invitation_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    # Who sent it: "api" (the host's server, with the workspace key) or "browser" (widget).
    source: Mapped[str | None] = mapped_column(String(16), nullable=True)


class Invitation(Base):
    """One CES question offered to one user after one event, on one channel."""

    __tablename__ = "invitations"
    __table_args__ = (
        Index("ix_invitations_user", "workspace_id", "user_id", "created_at"),
        Index("ix_invitations_touchpoint", "workspace_id", "touchpoint_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    touchpoint_id: Mapped[str] = mapped_column(ForeignKey("touchpoints.id"))
    question_version_id: Mapped[str] = mapped_column(ForeignKey("question_versions.id"))
    user_id: Mapped[str] = mapped_column(ForeignKey("end_users.id"))
    event_id: Mapped[str] = mapped_column(ForeignKey("events.id"))
    channel: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str | None] = mapped_column(String(64), nullable=True)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    locale: Mapped[str] = mapped_column(String(16), default="fr")
    context: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    shown_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    dismissed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class Response(Base):
    """The answer to one invitation (answering again updates it)."""

    __tablename__ = "responses"
    __table_args__ = (
        Index("ix_responses_touchpoint", "workspace_id", "touchpoint_id", "responded_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    invitation_id: Mapped[str] = mapped_column(ForeignKey("invitations.id"), unique=True)
    touchpoint_id: Mapped[str] = mapped_column(ForeignKey("touchpoints.id"))
    question_version_id: Mapped[str] = mapped_column(ForeignKey("question_versions.id"))
    user_id: Mapped[str] = mapped_column(ForeignKey("end_users.id"))
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    extra_answers: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    channel: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str | None] = mapped_column(String(64), nullable=True)
    agent_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    attributes: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    customer_since: Mapped[str | None] = mapped_column(String(10), nullable=True)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    responded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    delay_seconds: Mapped[float] = mapped_column(Float)


class Delivery(Base):
    """Sending one invitation on one channel: the unit of exactly-once.

    ``idempotency_key`` (invitation and channel) is unique, so a retried or
    duplicated job finds the row and never sends twice; ``status`` goes
    ``pending`` → ``sending`` → ``sent``, or ``retry`` (temporary failure, at
    ``next_attempt_at``) and finally ``failed`` (kept, visible, never lost);
    ``expired`` when the invitation's window closed before it could go out.
    """

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_due", "status", "next_attempt_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), index=True)
    invitation_id: Mapped[str] = mapped_column(ForeignKey("invitations.id"), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    provider_id: Mapped[str | None] = mapped_column(String(300), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # The request that created the invitation (X-Request-ID): logs follow an event
    # from its request to its delivery.
    request_id: Mapped[str | None] = mapped_column(String(64), nullable=True)


class EmailTemplate(Base):
    """A workspace's own e-mail wording for one language (a default is built in)."""

    __tablename__ = "email_templates"
    __table_args__ = (UniqueConstraint("workspace_id", "locale"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    locale: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(300))
    intro: Mapped[str] = mapped_column(Text)
    signature: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


# --- Verbatims: friction tags, tagging state, emerging topics (migration 0003) ---------


class Tag(Base):
    """A friction tag of a workspace (seeded with the default taxonomy when first needed).

    Renaming keeps the key (and so the history); merging ``A`` into ``B`` moves
    A's verbatims and examples to B and keeps A, inactive, with ``merged_into``.
    """

    __tablename__ = "tags"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    key: Mapped[str] = mapped_column(String(40))
    names: Mapped[dict[str, str]] = mapped_column(Json)
    definitions: Mapped[dict[str, str]] = mapped_column(Json, default=dict)
    keywords: Mapped[list[str]] = mapped_column(Json, default=list)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(default=True)
    merged_into: Mapped[str | None] = mapped_column(String(40), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class TagExample(Base):
    """A text and its tags, training the workspace's tagger.

    ``human`` examples are corrections of real verbatims (``response_id``):
    they win outright on their own text.
    """

    __tablename__ = "tag_examples"
    __table_args__ = (Index("ix_tag_examples_workspace", "workspace_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    text: Mapped[str] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(Json)
    human: Mapped[bool] = mapped_column(default=False)
    response_id: Mapped[str | None] = mapped_column(
        ForeignKey("responses.id"), nullable=True, unique=True
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(200), nullable=True)


class ResponseTag(Base):
    """One tag of one verbatim: given by the model, a keyword rule, or a person."""

    __tablename__ = "response_tags"
    __table_args__ = (
        UniqueConstraint("response_id", "tag"),
        Index("ix_response_tags_tag", "workspace_id", "tag"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    response_id: Mapped[str] = mapped_column(ForeignKey("responses.id"))
    tag: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(8))  # model, rule, human
    confidence: Mapped[float] = mapped_column(Float)
    tagged_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    tagger_version: Mapped[int] = mapped_column(Integer, default=0)


class VerbatimState(Base):
    """Where each comment stands in tagging: one row per answer with a comment.

    ``pending`` rows are the worker's queue (one indexed query finds them);
    ``embedding`` keeps the comment's vector (384 float32) so that re-tagging
    after a correction, and clustering topics, never embed it again;
    ``search_text`` is the comment lower-cased without accents, for search.
    """

    __tablename__ = "verbatim_states"
    __table_args__ = (
        Index("ix_verbatim_states_status", "status", "workspace_id", "updated_at"),
        Index("ix_verbatim_states_workspace", "workspace_id", "responded_at"),
    )

    response_id: Mapped[str] = mapped_column(ForeignKey("responses.id"), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    responded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(8), default="pending")  # pending, done
    search_text: Mapped[str] = mapped_column(Text, default="")
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    tagger_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    max_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    human_tagged: Mapped[bool] = mapped_column(default=False)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    """Bumped by every change: a worker stores its tags only if nothing changed meanwhile."""
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class TaggerState(Base):
    """A workspace's tagging: its tagger version (bumped by every taxonomy change or
    correction) and when topics were last asked for and computed."""

    __tablename__ = "tagger_states"

    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    topics_requested_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    topics_computed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Topic(Base):
    """An emerging topic: comments no tag covers, clustered; open until accepted or dismissed."""

    __tablename__ = "topics"
    __table_args__ = (Index("ix_topics_workspace", "workspace_id", "status"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    computed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    label: Mapped[str] = mapped_column(String(300))
    words: Mapped[list[str]] = mapped_column(Json, default=list)
    suggested_key: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    mean_effort_index: Mapped[float | None] = mapped_column(Float, nullable=True)
    member_ids: Mapped[list[str]] = mapped_column(Json, default=list)
    representative_ids: Mapped[list[str]] = mapped_column(Json, default=list)
    status: Mapped[str] = mapped_column(String(12), default="open")  # open, accepted, dismissed
    tag_key: Mapped[str | None] = mapped_column(String(40), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


# The dashboard's tables live in their own module; importing it here puts them in
# Base.metadata wherever the models are (migrations, tests' table clean-up). The
# rules module keeps workspaces.rules_version current in every session.
from fluide.storage import benchmark_models as _benchmark_models  # noqa: E402, F401
from fluide.storage import dashboard_models as _dashboard_models  # noqa: E402, F401
from fluide.storage import helpdesk_models as _helpdesk_models  # noqa: E402, F401
from fluide.storage import rules as _rules  # noqa: E402, F401
from fluide.storage import security_models as _security_models  # noqa: E402, F401
from fluide.storage import sso_models as _sso_models  # noqa: E402, F401
