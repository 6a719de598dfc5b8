"""Queries on weekly-report subscriptions and runs (the only SQL for them).

A run is claimed by inserting its row: ``(workspace_id, week)`` is unique, so
of two workers only one gets it. A failed run is claimed again by a
compare-and-set on its ``error`` text, which carries a fresh random claim.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fluide.storage.dashboard_models import ReportRun, ReportSubscription
from fluide.storage.models import Workspace
from fluide.storage.types import new_id


def subscriptions(s: Session, workspace_id: str) -> list[ReportSubscription]:
    return list(
        s.scalars(
            select(ReportSubscription)
            .where(ReportSubscription.workspace_id == workspace_id)
            .order_by(ReportSubscription.email)
        )
    )


def subscription_by_email(s: Session, workspace_id: str, email: str) -> ReportSubscription | None:
    return s.scalar(
        select(ReportSubscription).where(
            ReportSubscription.workspace_id == workspace_id, ReportSubscription.email == email
        )
    )


def add_subscription(s: Session, workspace_id: str, email: str, lang: str) -> ReportSubscription:
    row = ReportSubscription(id=new_id("sub"), workspace_id=workspace_id, email=email, lang=lang)
    s.add(row)
    s.flush()
    return row


def remove_subscription(s: Session, workspace_id: str, subscription_id: str) -> bool:
    done = s.execute(
        delete(ReportSubscription).where(
            ReportSubscription.workspace_id == workspace_id,
            ReportSubscription.id == subscription_id,
        )
    )
    return bool(getattr(done, "rowcount", 0))


def subscribed_workspaces(s: Session) -> list[Workspace]:
    """Workspaces with at least one subscriber: the only ones the job looks at."""
    having = select(ReportSubscription.workspace_id).distinct()
    return list(s.scalars(select(Workspace).where(Workspace.id.in_(having)).order_by(Workspace.id)))


def run_of(s: Session, workspace_id: str, week: str) -> ReportRun | None:
    return s.scalar(
        select(ReportRun).where(ReportRun.workspace_id == workspace_id, ReportRun.week == week)
    )


def recent_runs(s: Session, workspace_id: str, limit: int = 5) -> list[ReportRun]:
    return list(
        s.scalars(
            select(ReportRun)
            .where(ReportRun.workspace_id == workspace_id)
            .order_by(ReportRun.week.desc())
            .limit(limit)
        )
    )


def claim_new(s: Session, workspace_id: str, week: str, now: datetime, state: str) -> str | None:
    """Insert the week's run (its id), or ``None`` when another worker already has it."""
    run_id = new_id("run")
    try:
        with s.begin_nested():
            s.add(
                ReportRun(
                    id=run_id,
                    workspace_id=workspace_id,
                    week=week,
                    sent_at=now,
                    recipients=0,
                    error=state,
                )
            )
    except IntegrityError:
        return None
    return run_id


def claim_again(s: Session, run_id: str, seen: str, now: datetime, state: str) -> bool:
    """Take a failed run back, only if its ``error`` is still what was read."""
    done = s.execute(
        update(ReportRun)
        .where(ReportRun.id == run_id, ReportRun.error == seen)
        .values(error=state, sent_at=now)
    )
    return bool(getattr(done, "rowcount", 0))


def finish(s: Session, run_id: str, now: datetime, recipients: int, error: str | None) -> None:
    s.execute(
        update(ReportRun)
        .where(ReportRun.id == run_id)
        .values(sent_at=now, recipients=recipients, error=error)
    )


def subscription_count(s: Session, workspace_id: str) -> int:
    return int(
        s.scalar(
            select(func.count())
            .select_from(ReportSubscription)
            .where(ReportSubscription.workspace_id == workspace_id)
        )
        or 0
    )


def workspaces(s: Session, limit: int = 21) -> list[Workspace]:
    """The first workspaces by name: enough to tell whether there is only one, and list them."""
    return list(s.scalars(select(Workspace).order_by(Workspace.name, Workspace.id).limit(limit)))
