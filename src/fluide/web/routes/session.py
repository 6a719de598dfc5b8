"""Logging in and out, and the language of the pages."""

from __future__ import annotations

import math

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from fluide.api.errors import request_lang
from fluide.api.pages import FormDep
from fluide.services import accounts, sso_login
from fluide.web.auth import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    UserDep,
    check_csrf,
    new_login_csrf,
    secure_cookies,
    settings_of,
)
from fluide.web.render import HEADERS, render_page

router = APIRouter(prefix="/app", include_in_schema=False)


def client_address(request: Request) -> str:
    """The address the throttle counts attempts from (the peer of this connection)."""
    return request.client.host if request.client else ""


def _safe_next(value: str | None) -> str:
    # Only a path of this dashboard: never an open redirect to another site.
    if value and value.startswith("/app") and not value.startswith("//") and "\\" not in value:
        return value
    return "/app"


def _login_page(
    request: Request,
    lang: str,
    *,
    error: str | None,
    email: str,
    next_path: str,
    status: int = 200,
    minutes: int = 0,
    sso_error: str | None = None,
) -> Response:
    token = new_login_csrf()
    page = render_page(
        request,
        None,
        "login.html.j2",
        lang=lang,
        status=status,
        error=error,
        email=email,
        next_path=next_path,
        login_csrf=token,
        minutes=minutes,
        sso=sso_login.offered(request.app.state.sessions),
        sso_error=sso_error,
    )
    page.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        path="/app/login",
        secure=secure_cookies(settings_of(request)),
    )
    return page


@router.get("/login")
def login_form(request: Request, next: str | None = None, lang: str | None = None) -> Response:
    chosen = lang if lang in ("fr", "en") else request_lang(request)
    return _login_page(request, chosen, error=None, email="", next_path=_safe_next(next))


@router.post("/login")
def login(request: Request, form: FormDep) -> Response:
    lang = form.get("lang") if form.get("lang") in ("fr", "en") else request_lang(request)
    assert lang is not None
    email = form.get("email", "")
    next_path = _safe_next(form.get("next"))
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not cookie or cookie != form.get("csrf"):
        return _login_page(
            request, lang, error="expired", email=email, next_path=next_path, status=400
        )
    result = accounts.attempt_login(
        request.app.state.sessions,
        settings_of(request).secret,
        email,
        form.get("password", ""),
        client_address(request),
    )
    if result.wait.total_seconds() > 0:
        return _login_page(
            request,
            lang,
            error="locked",
            email=email,
            next_path=next_path,
            status=429,
            minutes=math.ceil(result.wait.total_seconds() / 60),
        )
    if result.sso_only:
        return _login_page(
            request, lang, error="sso_only", email=email, next_path=next_path, status=403
        )
    token = result.token
    if token is None:
        return _login_page(
            request, lang, error="wrong", email=email, next_path=next_path, status=401
        )
    user = accounts.current_user(request.app.state.sessions, token)
    return signed_in(request, token, next_path, user is not None and user.sees_all)


def signed_in(request: Request, token: str, next_path: str, sees_all: bool) -> Response:
    """The redirect into the dashboard that sets the session cookie."""
    if next_path == "/app" and not sees_all:
        next_path = "/app/follow-ups"  # an agent's home: their own call-backs
    response = RedirectResponse(next_path, status_code=303, headers=HEADERS)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        path="/app",
        max_age=accounts.SESSION_DAYS * 86400,
        secure=secure_cookies(settings_of(request)),
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/app/login")
    return response


@router.post("/logout")
def logout(request: Request, user: UserDep, form: FormDep) -> Response:
    check_csrf(request, user, form)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        accounts.logout(request.app.state.sessions, token)
    response = RedirectResponse(f"/app/login?lang={user.lang}", status_code=303, headers=HEADERS)
    response.delete_cookie(SESSION_COOKIE, path="/app")
    return response


@router.post("/lang")
def set_lang(request: Request, user: UserDep, form: FormDep) -> Response:
    check_csrf(request, user, form)
    accounts.set_lang(request.app.state.sessions, user, form.get("lang", ""))
    return RedirectResponse(_safe_next(form.get("next")), status_code=303, headers=HEADERS)
