"""The benchmark's SQL: counts per category and score, opted-in workspaces, the imported pool."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from fluide.storage.benchmark_models import BenchmarkContribution
from fluide.storage.models import QuestionVersion, Response, Touchpoint, Workspace

CountRow = tuple[str, str, str, str, int, int, int, int]
"""``(category, touchpoint_id, scale, polarity, low_max, high_min, score, count)``."""


def category_counts(
    s: Session, workspace_id: str, start: datetime, end: datetime
) -> list[CountRow]:
    """Answers per score to the *current* question of each categorised touchpoint of the
    workspace, answered in ``[start, end)``: a touchpoint's older versions never mix in."""
    q = (
        select(
            Touchpoint.task_category,
            Touchpoint.id,
            QuestionVersion.scale,
            QuestionVersion.polarity,
            QuestionVersion.low_max,
            QuestionVersion.high_min,
            Response.score,
            func.count(),
        )
        .join(Touchpoint, Touchpoint.id == Response.touchpoint_id)
        .join(QuestionVersion, QuestionVersion.id == Response.question_version_id)
        .where(
            Response.workspace_id == workspace_id,
            Touchpoint.workspace_id == workspace_id,
            Touchpoint.task_category.is_not(None),
            Response.question_version_id == Touchpoint.current_version_id,
            Response.responded_at >= start,
            Response.responded_at < end,
        )
        .group_by(
            Touchpoint.task_category,
            Touchpoint.id,
            QuestionVersion.scale,
            QuestionVersion.polarity,
            QuestionVersion.low_max,
            QuestionVersion.high_min,
            Response.score,
        )
    )
    return [
        (str(c), str(t), str(sc), str(p), int(lo), int(hi), int(score), int(n))
        for c, t, sc, p, lo, hi, score, n in s.execute(q).all()
    ]


def opted_in(s: Session) -> list[Workspace]:
    """The instance's workspaces that contribute live to the pool."""
    q = select(Workspace).where(
        Workspace.benchmark_opt_in.is_(True), Workspace.benchmark_contributor.is_not(None)
    )
    return list(s.scalars(q.order_by(Workspace.id)))


def contributions(s: Session) -> list[BenchmarkContribution]:
    """Every imported contribution, by contributor and category."""
    q = select(BenchmarkContribution).order_by(
        BenchmarkContribution.contributor, BenchmarkContribution.category
    )
    return list(s.scalars(q))


def stored_export_times(s: Session, contributors: Sequence[str]) -> dict[str, datetime]:
    """When the stored file of each of ``contributors`` was exported."""
    q = (
        select(BenchmarkContribution.contributor, func.max(BenchmarkContribution.exported_at))
        .where(BenchmarkContribution.contributor.in_(list(contributors)))
        .group_by(BenchmarkContribution.contributor)
    )
    out: dict[str, datetime] = {}
    for contributor, at in s.execute(q).all():
        out[str(contributor)] = at
    return out


def replace(s: Session, contributor: str, rows: Sequence[BenchmarkContribution]) -> None:
    """The contributor's rows become ``rows`` (a newer file replaces the older whole)."""
    remove(s, contributor)
    s.add_all(rows)
    s.flush()


def remove(s: Session, contributor: str) -> int:
    """Forget a contributor's rows; how many there were."""
    result = s.execute(
        delete(BenchmarkContribution).where(BenchmarkContribution.contributor == contributor)
    )
    return int(getattr(result, "rowcount", 0) or 0)
