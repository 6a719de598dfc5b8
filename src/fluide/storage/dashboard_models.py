"""The tables of the CSMs' dashboard: accounts, sessions, actions, follow-ups,
friction settings and weekly-report subscriptions.

Every row carries ``workspace_id`` and every query filters on it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fluide.storage.models import Base
from fluide.storage.types import Json, UtcDateTime, utcnow


class Account(Base):
    """A person who logs into the dashboard. Only an Argon2 hash of the password is kept."""

    __tablename__ = "accounts"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), index=True)
    # One login per e-mail address: the login form has no workspace field.
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))  # admin | analyst | agent
    password_hash: Mapped[str] = mapped_column(String(200))
    # The agent id as the host sends it (``agent_id`` of events): links an agent
    # to their answers and follow-ups.
    agent_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    lang: Mapped[str] = mapped_column(String(8), default="fr")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    disabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class DashboardSession(Base):
    """A logged-in browser. The cookie holds a random token; only its SHA-256 is kept."""

    __tablename__ = "dashboard_sessions"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class Action(Base):
    """A fix logged against a friction at a touchpoint: to deliver, then delivered."""

    __tablename__ = "actions"
    __table_args__ = (Index("ix_actions_ws", "workspace_id", "status", "delivered_on"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    touchpoint_id: Mapped[str] = mapped_column(ForeignKey("touchpoints.id"))
    tag_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(32))
    owner: Mapped[str | None] = mapped_column(String(200), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="to_deliver")
    due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    delivered_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_by: Mapped[str | None] = mapped_column(String(40), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class FollowUp(Base):
    """Calling back a customer who had to struggle: one per high-effort response, or
    one per customer and reason opened by their contacts (recontact, delay)."""

    __tablename__ = "follow_ups"
    __table_args__ = (
        Index("ix_follow_ups_ws", "workspace_id", "status", "due_at"),
        Index("ix_follow_ups_user", "workspace_id", "user_id", "status"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    # An answer's follow-up has its response and touchpoint; a contact's, its customer.
    response_id: Mapped[str | None] = mapped_column(
        ForeignKey("responses.id"), unique=True, nullable=True
    )
    touchpoint_id: Mapped[str | None] = mapped_column(ForeignKey("touchpoints.id"), nullable=True)
    user_id: Mapped[str | None] = mapped_column(ForeignKey("end_users.id"), nullable=True)
    # What the contact said: event id, ticket, channel, reason, promised time, contacts.
    subject: Mapped[dict[str, Any] | None] = mapped_column(Json, nullable=True)
    reason: Mapped[str] = mapped_column(String(16))  # comment | callback | both | recontact | delay
    agent_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    assignee_id: Mapped[str | None] = mapped_column(ForeignKey("accounts.id"), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | in_progress | closed
    outcome: Mapped[str | None] = mapped_column(String(32), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String(40), nullable=True)
    notified_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    notify_attempts: Mapped[int] = mapped_column(Integer, default=0)
    notify_error: Mapped[str | None] = mapped_column(Text, nullable=True)


class FrictionSetting(Base):
    """What the team says about a friction: how feasible a fix is (1 hard – 5 easy)."""

    __tablename__ = "friction_settings"
    __table_args__ = (UniqueConstraint("workspace_id", "touchpoint_id", "tag_key"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    touchpoint_id: Mapped[str] = mapped_column(ForeignKey("touchpoints.id"))
    tag_key: Mapped[str] = mapped_column(String(64))
    feasibility: Mapped[int] = mapped_column(Integer, default=3)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class ReportSubscription(Base):
    """Who receives the weekly report by e-mail, in which language."""

    __tablename__ = "report_subscriptions"
    __table_args__ = (UniqueConstraint("workspace_id", "email"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    email: Mapped[str] = mapped_column(String(320))
    lang: Mapped[str] = mapped_column(String(8), default="fr")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ReportRun(Base):
    """A weekly report sent to a workspace's subscribers: at most once per week."""

    __tablename__ = "report_runs"
    __table_args__ = (UniqueConstraint("workspace_id", "week"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    week: Mapped[str] = mapped_column(String(10))
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
