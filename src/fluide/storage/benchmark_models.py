"""The instance's pool of imported benchmark contributions (migration 0014).

It belongs to the instance, not to a workspace: aggregates of other companies
that the operator imported (``fluide benchmark import``), one row per
contributor and category. It holds no name, customer or comment.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fluide.storage.models import Base
from fluide.storage.types import UtcDateTime, utcnow


class BenchmarkContribution(Base):
    __tablename__ = "benchmark_contributions"
    __table_args__ = (UniqueConstraint("contributor", "category"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    contributor: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(32))
    answers: Mapped[int] = mapped_column(Integer)
    mean: Mapped[float] = mapped_column(Float)
    sd: Mapped[float] = mapped_column(Float)
    low: Mapped[int] = mapped_column(Integer)
    moderate: Mapped[int] = mapped_column(Integer)
    high: Mapped[int] = mapped_column(Integer)
    period_from: Mapped[date] = mapped_column(Date)
    period_to: Mapped[date] = mapped_column(Date)
    exported_at: Mapped[datetime] = mapped_column(UtcDateTime)
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
