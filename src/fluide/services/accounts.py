"""Dashboard accounts: creation, password login, sessions, logout, own password.

Passwords are kept as Argon2id hashes (argon2-cffi's defaults, RFC 9106's
second recommended setting); session tokens are 256 random bits of which only
the SHA-256 is stored, so a leaked database opens no session. A new password
follows :mod:`fluide.domain.passwords`; password checks go through the shared
throttle (:mod:`fluide.services.login_throttle`).
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from fluide.domain.passwords import MIN_PASSWORD as MIN_PASSWORD
from fluide.domain.passwords import password_problem as password_problem
from fluide.i18n import N_, SUPPORTED_LANGS
from fluide.services import login_throttle
from fluide.services.errors import ServiceError
from fluide.storage import accounts as store
from fluide.storage import sso as sso_store
from fluide.storage.dashboard_models import Account, DashboardSession
from fluide.storage.db import write_session
from fluide.storage.models import Workspace
from fluide.storage.types import new_id, utcnow

ROLES: Final = ("admin", "analyst", "agent")
"""admin: settings, touchpoints, users; analyst: everything but settings;
agent: their own follow-ups and their own scores."""
ROLE_NAMES: Final = {"admin": N_("admin"), "analyst": N_("analyst"), "agent": N_("agent")}
SESSION_DAYS: Final = 14
NO_PASSWORD: Final = "!sso"  # noqa: S105 - a marker, not a password
"""The password hash of an account made at single sign-on: no hash, so no password matches."""
EMAIL: Final = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified when the e-mail is unknown, so that a wrong address takes as long as
    a wrong password and the login form does not tell which accounts exist (made at
    the first login, not at import: hashing costs tens of milliseconds)."""
    return _hasher.hash("fluide-no-such-account")


@dataclass(frozen=True)
class CurrentUser:
    """Who is logged in, as every page and form handler sees them."""

    account_id: str
    workspace_id: str
    workspace_name: str
    session_id: str
    email: str
    name: str
    role: str
    agent_id: str | None
    lang: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def sees_all(self) -> bool:
        """Admins and analysts see the whole workspace; an agent sees their own."""
        return self.role in ("admin", "analyst")


@dataclass(frozen=True)
class NewAccount:
    id: str
    workspace_id: str
    email: str
    role: str


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _check_new_password(password: str, field: str = "password") -> None:
    problem = password_problem(password)
    if problem is not None:
        raise ServiceError("invalid", problem, details=[{"field": field}], min=MIN_PASSWORD)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_account(
    factory: sessionmaker[Session],
    workspace_id: str,
    *,
    email: str,
    name: str,
    role: str,
    password: str,
    agent_id: str | None = None,
    lang: str = "fr",
) -> NewAccount:
    """A new account in ``workspace_id``; a :class:`ServiceError` names what is wrong."""
    email = email.strip().lower()
    if not EMAIL.match(email):
        raise ServiceError("invalid", "Not an e-mail address: %(value)s.", value=email)
    if role not in ROLES:
        raise ServiceError(
            "invalid",
            "Unknown role %(value)s; allowed: %(allowed)s.",
            value=role,
            allowed=", ".join(ROLES),
        )
    if lang not in SUPPORTED_LANGS:
        raise ServiceError(
            "invalid",
            "Unknown language %(value)s; allowed: %(allowed)s.",
            value=lang,
            allowed=", ".join(SUPPORTED_LANGS),
        )
    _check_new_password(password)
    account_id = new_id("acc")
    try:
        with write_session(factory) as s:
            if s.get(Workspace, workspace_id) is None:
                raise ServiceError(
                    "not_found", "No workspace %(value)s.", status=404, value=workspace_id
                )
            s.add(
                Account(
                    id=account_id,
                    workspace_id=workspace_id,
                    email=email,
                    name=name.strip() or email,
                    role=role,
                    password_hash=hash_password(password),
                    agent_id=(agent_id or "").strip() or None,
                    lang=lang,
                )
            )
    except IntegrityError as e:
        # accounts.email is unique on the whole instance, so the address may belong
        # to an account of another workspace. An admin must not learn that: the
        # refusal reads the same whether the address is taken here (the team list
        # shows it anyway) or in any other workspace, says neither "already" nor
        # where, and only tells what to do. That this address cannot be used is
        # all that leaks, and that cannot be helped while addresses are unique.
        raise ServiceError(
            "conflict",
            "%(value)s cannot be used for a new account: choose another e-mail address.",
            status=409,
            details=[{"field": "email"}],
            value=email,
        ) from e
    return NewAccount(account_id, workspace_id, email, role)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class LoginResult:
    """A session token, or none; ``wait`` > 0 when paused (the password was not checked)."""

    token: str | None
    wait: timedelta = timedelta(0)
    sso_only: bool = False
    """The password was right, but the workspace signs in through its identity provider."""


class PasswordLoginOff(Exception):
    """The workspace turned password sign-in off (its admins keep it: break-glass)."""


def attempt_login(
    factory: sessionmaker[Session],
    secret: bytes,
    email: str,
    password: str,
    address: str,
    now: datetime | None = None,
) -> LoginResult:
    """:func:`login` behind the shared throttle of ``email`` from ``address``."""
    now = now or utcnow()
    key = login_throttle.throttle_key(secret, email, address)
    wait = login_throttle.reserve(factory, key, now)
    if wait > timedelta(0):
        return LoginResult(None, wait)
    try:
        token = login(factory, email, password, now)
    except PasswordLoginOff:
        login_throttle.clear(factory, key)
        return LoginResult(None, sso_only=True)
    if token is not None:
        login_throttle.clear(factory, key)
    return LoginResult(token)


def login(
    factory: sessionmaker[Session], email: str, password: str, now: datetime | None = None
) -> str | None:
    """A new session token for the right e-mail and password, else ``None`` (no throttle:
    the dashboard calls :func:`attempt_login`); :class:`PasswordLoginOff` when the
    password is right but the workspace signs in through its identity provider."""
    now = now or utcnow()
    with factory() as s:
        found = store.by_email(s, email.strip().lower())
        known = found is not None and found.disabled_at is None
        account_id, stored = (found.id, found.password_hash) if found and known else ("", "")
    # Checked outside any write transaction: the slow hash never holds the write lock.
    if not known:
        _verify(_dummy_hash(), password)
        return None
    if not _verify(stored, password):
        return None
    with write_session(factory) as s:
        account = s.get(Account, account_id)
        if account is None or account.disabled_at is not None or account.password_hash != stored:
            return None  # disabled, or its password changed, while the hash was checked
        if account.role != "admin" and not sso_store.password_login_allowed(
            s, account.workspace_id
        ):
            # Said only once the password is right: it tells nothing to a guesser.
            raise PasswordLoginOff
        if _hasher.check_needs_rehash(account.password_hash):
            account.password_hash = hash_password(password)
        return open_session(s, account, now)


def open_session(s: Session, account: Account, now: datetime) -> str:
    """A new session of ``account`` (in the caller's write transaction); its token."""
    token = secrets.token_urlsafe(32)
    s.add(
        DashboardSession(
            id=new_id("ses"),
            token_hash=_token_hash(token),
            account_id=account.id,
            workspace_id=account.workspace_id,
            created_at=now,
            expires_at=now + timedelta(days=SESSION_DAYS),
        )
    )
    account.last_login_at = now
    return token


def current_user(
    factory: sessionmaker[Session], token: str, now: datetime | None = None
) -> CurrentUser | None:
    """Who holds ``token``, while the session is live and the account enabled."""
    with factory() as s:
        found = store.live_session(s, _token_hash(token), now or utcnow())
        if found is None:
            return None
        session, account = found
        ws = s.get(Workspace, account.workspace_id)
        return CurrentUser(
            account_id=account.id,
            workspace_id=account.workspace_id,
            workspace_name=ws.name if ws is not None else "",
            session_id=session.id,
            email=account.email,
            name=account.name,
            role=account.role,
            agent_id=account.agent_id,
            lang=account.lang,
        )


def logout(factory: sessionmaker[Session], token: str, now: datetime | None = None) -> None:
    with write_session(factory) as s:
        store.end_session(s, _token_hash(token), now or utcnow())


def set_lang(factory: sessionmaker[Session], user: CurrentUser, lang: str) -> None:
    if lang not in SUPPORTED_LANGS:
        return
    with write_session(factory) as s:
        account = store.by_id(s, user.workspace_id, user.account_id)
        if account is not None:
            account.lang = lang


def change_password(
    factory: sessionmaker[Session],
    secret: bytes,
    user: CurrentUser,
    address: str,
    *,
    current: str,
    new: str,
    repeated: str,
    now: datetime | None = None,
) -> None:
    """Replace the user's own password; every other session of theirs ends.

    The current password is checked like a login (same throttle key), so a
    stolen session cannot be used to guess it. A :class:`ServiceError` names
    the field that is wrong.
    """
    now = now or utcnow()
    if new != repeated:
        raise ServiceError(
            "mismatch", "The two new passwords differ.", details=[{"field": "repeated"}]
        )
    if new == current:
        raise ServiceError(
            "same_password",
            "The new password must differ from the current one.",
            details=[{"field": "new"}],
        )
    _check_new_password(new, "new")
    key = login_throttle.throttle_key(secret, user.email, address)
    wait = login_throttle.reserve(factory, key, now)
    if wait > timedelta(0):
        raise ServiceError(
            "paused",
            "Too many wrong passwords: try again in %(n)s min.",
            status=429,
            details=[{"field": "current"}],
            n=-(-int(wait.total_seconds()) // 60),
        )
    with factory() as s:
        account = store.by_id(s, user.workspace_id, user.account_id)
        stored = account.password_hash if account is not None else _dummy_hash()
    if not _verify(stored, current):
        raise ServiceError(
            "wrong_password",
            "The current password is not right.",
            details=[{"field": "current"}],
        )
    login_throttle.clear(factory, key)
    new_hash = hash_password(new)
    with write_session(factory) as s:
        account = store.by_id(s, user.workspace_id, user.account_id)
        if account is None or account.password_hash != stored:
            raise ServiceError(
                "conflict",
                "Your password was changed meanwhile: reload the page and try again.",
                status=409,
            )
        account.password_hash = new_hash
        store.end_sessions_of(s, account.id, now, keep=user.session_id)


def workspace_by_name_or_id(s: Session, value: str) -> Workspace | None:
    """The workspace with this id, else the only one with this name."""
    from sqlalchemy import select

    ws = s.get(Workspace, value)
    if ws is not None:
        return ws
    found = list(s.scalars(select(Workspace).where(Workspace.name == value).limit(2)))
    return found[0] if len(found) == 1 else None
