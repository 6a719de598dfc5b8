"""The admin's use cases: the workspace's team (accounts) and what the admin page shows.

An admin creates accounts (with a generated password, shown once), changes an
account's role or agent id, disables and re-enables it. Disabling ends the
account's live sessions at once. An admin can neither disable nor demote
themselves, so a workspace always keeps at least one admin who can log in.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any, Final

from sqlalchemy.orm import Session, sessionmaker

from fluide.services import touchpoints, workspace_settings
from fluide.services.accounts import ROLES, CurrentUser, create_account
from fluide.services.errors import ServiceError, not_found
from fluide.storage import accounts as store
from fluide.storage.dashboard_models import Account
from fluide.storage.db import write_session
from fluide.storage.types import utcnow

PASSWORD_BYTES: Final = 12
"""96 random bits: a 16-character URL-safe password."""
MAX_AGENT_ID: Final = 200
MAX_NAME: Final = 200
MAX_EMAIL: Final = 320


def account_json(account: Account) -> dict[str, Any]:
    """What the team list shows of an account: never its password hash."""
    return {
        "id": account.id,
        "email": account.email,
        "name": account.name,
        "role": account.role,
        "agent_id": account.agent_id,
        "lang": account.lang,
        "created_at": account.created_at,
        "last_login_at": account.last_login_at,
        "disabled_at": account.disabled_at,
        "disabled": account.disabled_at is not None,
    }


def list_accounts(factory: sessionmaker[Session], workspace_id: str) -> list[dict[str, Any]]:
    """The workspace's accounts, enabled ones first, by name."""
    with factory() as s:
        return [account_json(a) for a in store.all_in_workspace(s, workspace_id)]


def _touchpoint_row(tp: dict[str, Any]) -> dict[str, Any]:
    return {
        "key": tp["key"],
        "task": tp["task"],
        "task_names": tp["task_names"],
        "active": tp["active"],
        "channels": tp["channels"],
        "sampling": tp["sampling"],
        "cooldown_days": tp["cooldown_days"],
        "question": tp["question"],
        "version": tp["version"]["number"],
    }


def admin_page(factory: sessionmaker[Session], workspace_id: str) -> dict[str, Any]:
    """The admin page's data: team, settings (no secret), touchpoints."""
    with factory() as s:
        settings = workspace_settings.get(s, workspace_id)
        tps = [_touchpoint_row(tp) for tp in touchpoints.list_all(s, workspace_id)]
    return {
        "accounts": list_accounts(factory, workspace_id),
        "settings": settings,
        "touchpoints": tps,
    }


def new_password() -> str:
    return secrets.token_urlsafe(PASSWORD_BYTES)


def add_member(
    factory: sessionmaker[Session],
    workspace_id: str,
    *,
    email: str,
    name: str,
    role: str,
    agent_id: str = "",
    lang: str = "fr",
) -> tuple[dict[str, Any], str]:
    """A new account with a generated password; (the account, the password to hand over)."""
    _check_agent_id(agent_id)
    if len(email.strip()) > MAX_EMAIL:
        raise ServiceError(
            "invalid",
            "The e-mail address is too long: at most %(max)s characters.",
            details=[{"field": "email"}],
            max=MAX_EMAIL,
        )
    if len(name.strip()) > MAX_NAME:
        raise ServiceError(
            "invalid",
            "The name is too long: at most %(max)s characters.",
            details=[{"field": "name"}],
            max=MAX_NAME,
        )
    password = new_password()
    made = create_account(
        factory,
        workspace_id,
        email=email,
        name=name,
        role=role,
        password=password,
        agent_id=agent_id,
        lang=lang,
    )
    with factory() as s:
        account = store.by_id(s, workspace_id, made.id)
        assert account is not None
        return account_json(account), password


def _check_agent_id(agent_id: str | None) -> None:
    if agent_id is not None and len(agent_id.strip()) > MAX_AGENT_ID:
        raise ServiceError(
            "invalid",
            "The agent id is too long: at most %(max)s characters.",
            details=[{"field": "agent_id"}],
            max=MAX_AGENT_ID,
        )


def _member(s: Session, actor: CurrentUser, account_id: str) -> Account:
    # Only the actor's workspace: another workspace's account is "not found".
    account = store.by_id(s, actor.workspace_id, account_id)
    if account is None:
        raise not_found("No account %(value)s in this workspace.", account_id)
    return account


def update_member(
    factory: sessionmaker[Session],
    actor: CurrentUser,
    account_id: str,
    *,
    role: str | None = None,
    agent_id: str | None = None,
) -> dict[str, Any]:
    """Change the role and/or the agent id (``""`` clears it) of a workspace account."""
    if role is not None and role not in ROLES:
        raise ServiceError(
            "invalid",
            "Unknown role %(value)s; allowed: %(allowed)s.",
            details=[{"field": "role"}],
            value=role,
            allowed=", ".join(ROLES),
        )
    _check_agent_id(agent_id)
    with write_session(factory) as s:
        account = _member(s, actor, account_id)
        if role is not None and role != account.role and account.id == actor.account_id:
            raise ServiceError(
                "self_demotion",
                "You cannot change your own role: ask another admin to do it.",
                details=[{"field": "role"}],
            )
        if role is not None:
            account.role = role
        if agent_id is not None:
            account.agent_id = agent_id.strip() or None
        s.flush()
        return account_json(account)


def set_disabled(
    factory: sessionmaker[Session],
    actor: CurrentUser,
    account_id: str,
    disabled: bool,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Disable (ending its sessions at once) or re-enable a workspace account."""
    now = now or utcnow()
    with write_session(factory) as s:
        account = _member(s, actor, account_id)
        if disabled and account.id == actor.account_id:
            raise ServiceError(
                "self_disable",
                "You cannot disable your own account: ask another admin to do it.",
            )
        if disabled and account.disabled_at is None:
            account.disabled_at = now
            store.end_sessions_of(s, account.id, now)
        elif not disabled:
            account.disabled_at = None
        s.flush()
        return account_json(account)
