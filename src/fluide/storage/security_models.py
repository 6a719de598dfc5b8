"""The tables of security and data rights (migration 0005): the shared login
throttle, the instance's own markers, and the audit of erasures.

``login_throttles`` and ``instance_meta`` belong to the instance, not to a
workspace; ``erasures`` rows carry ``workspace_id`` like every other row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fluide.storage.models import Base
from fluide.storage.types import Json, UtcDateTime, utcnow


class LoginThrottle(Base):
    """Failed logins counted per key (a hash of e-mail and address) in a window.

    Kept in the database so that several server processes share one count, and
    counted before the password is checked, in one atomic statement.
    """

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class InstanceMeta(Base):
    """Facts about this database itself, e.g. ``demo_database`` set by ``fluide demo``."""

    __tablename__ = "instance_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Erasure(Base):
    """Who erased which customer id and when: the audit trail, without the data."""

    __tablename__ = "erasures"
    __table_args__ = (Index("ix_erasures_ws", "workspace_id", "erased_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    user_external_id: Mapped[str] = mapped_column(String(200))
    erased_by: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(32), default="request")  # request | retention
    erased_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    counts: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
