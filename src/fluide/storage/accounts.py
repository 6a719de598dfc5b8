"""Queries on dashboard accounts and their sessions (the only SQL for them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from fluide.storage.dashboard_models import Account, DashboardSession


def by_email(s: Session, email: str) -> Account | None:
    return s.scalar(select(Account).where(Account.email == email))


def by_id(s: Session, workspace_id: str, account_id: str) -> Account | None:
    return s.scalar(
        select(Account).where(Account.workspace_id == workspace_id, Account.id == account_id)
    )


def in_workspace(s: Session, workspace_id: str) -> list[Account]:
    return list(
        s.scalars(
            select(Account)
            .where(Account.workspace_id == workspace_id, Account.disabled_at.is_(None))
            .order_by(Account.name, Account.email)
        )
    )


def by_agent(s: Session, workspace_id: str, agent_id: str) -> Account | None:
    """The active account of the agent known to the host as ``agent_id``."""
    return s.scalar(
        select(Account)
        .where(
            Account.workspace_id == workspace_id,
            Account.agent_id == agent_id,
            Account.disabled_at.is_(None),
        )
        .order_by(Account.created_at)
        .limit(1)
    )


def live_session(
    s: Session, token_hash: str, now: datetime
) -> tuple[DashboardSession, Account] | None:
    row = s.execute(
        select(DashboardSession, Account)
        .join(Account, Account.id == DashboardSession.account_id)
        .where(
            DashboardSession.token_hash == token_hash,
            DashboardSession.ended_at.is_(None),
            DashboardSession.expires_at > now,
            Account.disabled_at.is_(None),
            # A session belongs to its account's workspace, never another.
            Account.workspace_id == DashboardSession.workspace_id,
        )
    ).first()
    return None if row is None else (row[0], row[1])


def end_session(s: Session, token_hash: str, now: datetime) -> None:
    s.execute(
        update(DashboardSession)
        .where(DashboardSession.token_hash == token_hash, DashboardSession.ended_at.is_(None))
        .values(ended_at=now)
    )


def end_sessions_of(s: Session, account_id: str, now: datetime, keep: str | None = None) -> None:
    """End the account's live sessions, but ``keep`` (a session id) if given."""
    stmt = update(DashboardSession).where(
        DashboardSession.account_id == account_id, DashboardSession.ended_at.is_(None)
    )
    if keep is not None:
        stmt = stmt.where(DashboardSession.id != keep)
    s.execute(stmt.values(ended_at=now))


def all_in_workspace(s: Session, workspace_id: str) -> list[Account]:
    """Every account of the workspace, disabled ones included (the admin's team list)."""
    return list(
        s.scalars(
            select(Account)
            .where(Account.workspace_id == workspace_id)
            .order_by(Account.disabled_at.is_not(None), Account.name, Account.email)
        )
    )
