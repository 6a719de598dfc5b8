"""The help-desk tables: a workspace's connection, and each follow-up's push.

Credentials and signing secrets are sealed (:mod:`fluide.secretbox`); the
vendor's answer bodies are never stored, only a status and a short reason.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fluide.storage.models import Base
from fluide.storage.types import Json, UtcDateTime, utcnow


class HelpdeskConnection(Base):
    """Where a workspace's follow-ups go: one help desk or CRM (or a signed webhook)."""

    __tablename__ = "helpdesk_connections"

    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), primary_key=True)
    provider: Mapped[str] = mapped_column(String(16))  # zendesk | hubspot | webhook
    # Non-secret settings: subdomain, e-mail, object, pipeline, portal id, URL, mapping.
    config: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    credential: Mapped[str | None] = mapped_column(Text, nullable=True)  # sealed API token
    signing_secret: Mapped[str | None] = mapped_column(Text, nullable=True)  # sealed
    # The inbound endpoint's path: identifies the workspace, the signature authenticates.
    inbound_id: Mapped[str] = mapped_column(String(40), unique=True)
    push_on_create: Mapped[bool] = mapped_column(Boolean, default=True)
    # Follow-ups opened from then on are pushed by themselves (not the backlog of before).
    push_since: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class HelpdeskTicket(Base):
    """One follow-up pushed (or being pushed) as a ticket or a task."""

    __tablename__ = "helpdesk_tickets"
    __table_args__ = (
        Index("ix_helpdesk_tickets_due", "state", "next_attempt_at"),
        UniqueConstraint("workspace_id", "provider", "external_id"),
    )

    follow_up_id: Mapped[str] = mapped_column(ForeignKey("follow_ups.id"), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    # The answer the follow-up is about: erasing the customer erases this row too.
    response_id: Mapped[str] = mapped_column(ForeignKey("responses.id"), index=True)
    provider: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(12), default="pending")  # pending|pushed|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(300), nullable=True)
    external_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    external_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    pushed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    remote_status: Mapped[str | None] = mapped_column(String(40), nullable=True)
    remote_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
