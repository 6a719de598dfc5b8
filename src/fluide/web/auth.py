"""Who is asking: the session cookie, roles, and CSRF tokens for dashboard forms.

The session cookie is HttpOnly and SameSite=Lax; every state-changing form also
carries a CSRF token, an HMAC of the session id, so a page from another site
cannot post on a user's behalf. The login form, before any session, uses a
double-submit token (a random cookie repeated in the form).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Annotated, Final
from urllib.parse import quote

from fastapi import Depends, Request

from fluide.services.accounts import CurrentUser, current_user
from fluide.settings import Settings

SESSION_COOKIE: Final = "fluide_session"
LOGIN_CSRF_COOKIE: Final = "fluide_login_csrf"
_PURPOSE: Final = b"fluide-dashboard-csrf-v1:"


class LoginRequired(Exception):
    """No live session: the page answers with a redirect to the login form."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class Forbidden(Exception):
    """The role does not allow this page or action."""


class BadCsrf(Exception):
    """A form arrived without the token of the page we served."""


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def csrf_token(secret: bytes, session_id: str) -> str:
    digest = hmac.new(secret, _PURPOSE + session_id.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode().rstrip("=")


def csrf_ok(secret: bytes, session_id: str, sent: str | None) -> bool:
    return bool(sent) and hmac.compare_digest(
        (sent or "").encode(), csrf_token(secret, session_id).encode()
    )


def new_login_csrf() -> str:
    return secrets.token_urlsafe(24)


def secure_cookies(settings: Settings) -> bool:
    return settings.public_url.startswith("https://")


def _user(request: Request) -> CurrentUser:
    token = request.cookies.get(SESSION_COOKIE)
    user = current_user(request.app.state.sessions, token) if token else None
    if user is None:
        path = request.url.path
        if request.url.query:
            path += "?" + request.url.query
        raise LoginRequired(quote(path, safe="/?=&"))
    request.state.user = user
    return user


UserDep = Annotated[CurrentUser, Depends(_user)]


def _analyst(user: UserDep) -> CurrentUser:
    if not user.sees_all:
        raise Forbidden
    return user


def _admin(user: UserDep) -> CurrentUser:
    if not user.is_admin:
        raise Forbidden
    return user


AnalystDep = Annotated[CurrentUser, Depends(_analyst)]
"""Admins and analysts: the whole workspace's figures and verbatims."""
AdminDep = Annotated[CurrentUser, Depends(_admin)]
"""Admins only: settings, touchpoints, users."""


def check_csrf(request: Request, user: CurrentUser, form: dict[str, str]) -> None:
    if not csrf_ok(settings_of(request).secret, user.session_id, form.get("csrf")):
        raise BadCsrf
