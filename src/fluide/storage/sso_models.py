"""The tables of single sign-on (migration 0010): a workspace's identity provider,
the e-mail domains it answers for, and the identities linked to accounts.

Every row carries ``workspace_id``; a domain belongs to one workspace of the
instance (its primary key), so an e-mail address leads to one provider.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fluide.storage.models import Base
from fluide.storage.types import UtcDateTime, utcnow


class SsoConfig(Base):
    """A workspace's OpenID Connect provider. The client secret is sealed (secretbox)."""

    __tablename__ = "sso_configs"

    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), primary_key=True)
    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(300))
    client_secret: Mapped[str] = mapped_column(Text)
    # "none": only existing accounts sign in; else the role of an account made at first sign-in.
    new_users: Mapped[str] = mapped_column(String(16), default="none")
    # False: only admins may still sign in with a password (break-glass).
    password_login: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class SsoDomain(Base):
    """An e-mail domain whose people sign in through this workspace's provider."""

    __tablename__ = "sso_domains"

    domain: Mapped[str] = mapped_column(String(253), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), index=True)


class SsoIdentity(Base):
    """An account's identity at a provider (issuer + subject): it keeps mapping to the
    account when the e-mail address changes at the provider."""

    __tablename__ = "sso_identities"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), index=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    issuer: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
