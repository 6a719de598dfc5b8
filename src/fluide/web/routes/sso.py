"""Single sign-on pages: the start from the login page, the provider's return, the admin's form.

The start answers with a small page that sends the browser on to the provider
(a refresh and a link) rather than a redirect: the login form's
``form-action 'self'`` would stop a form's redirect to another site. The
sign-in in progress lives in an HttpOnly cookie, sealed, for ten minutes,
sent back only to the callback (``SameSite=Lax``: the provider's redirect is a
top-level navigation).
"""

from __future__ import annotations

from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session, sessionmaker

from fluide.api.errors import request_lang
from fluide.api.pages import FormDep
from fluide.i18n import N_, gettext
from fluide.services import sso, sso_login
from fluide.services.accounts import CurrentUser
from fluide.services.errors import ServiceError, invalid
from fluide.services.sso_login import MESSAGES, SsoRefused
from fluide.web.auth import LOGIN_CSRF_COOKIE, AdminDep, check_csrf, secure_cookies, settings_of
from fluide.web.render import HEADERS, error_text, render_page
from fluide.web.routes.session import _login_page, _safe_next, client_address, signed_in

router = APIRouter(prefix="/app", include_in_schema=False)
PENDING_COOKIE: Final = "fluide_sso"
PENDING_PATH: Final = "/app/login/sso"
FIELDS: Final = ("issuer", "client_id", "client_secret", "domains", "new_users", "password_login")


def _factory(request: Request) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = request.app.state.sessions
    return factory


def _refused(
    request: Request, lang: str, exc: SsoRefused, *, email: str = "", next_path: str = "/app"
) -> Response:
    text = gettext(lang, MESSAGES[exc.code], **exc.params)
    page = _login_page(
        request,
        lang,
        error=None,
        email=email,
        next_path=next_path,
        status=exc.status,
        sso_error=text,
    )
    page.delete_cookie(PENDING_COOKIE, path=PENDING_PATH)
    if exc.code == "busy":
        page.headers["Retry-After"] = exc.params["seconds"]
    return page


@router.post("/login/sso")
def start(request: Request, form: FormDep) -> Response:
    """Send the browser to the identity provider of the e-mail's domain."""
    lang = form.get("lang") if form.get("lang") in ("fr", "en") else request_lang(request)
    assert lang is not None
    email = form.get("email", "").strip()
    next_path = _safe_next(form.get("next"))
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not cookie or cookie != form.get("csrf"):
        return _login_page(
            request, lang, error="expired", email=email, next_path=next_path, status=400
        )
    settings = settings_of(request)
    try:
        started = sso_login.start(
            _factory(request),
            settings,
            email,
            next_path=next_path,
            lang=lang,
            address=client_address(request),
        )
    except SsoRefused as exc:
        return _refused(request, lang, exc, email=email, next_path=next_path)
    page = render_page(request, None, "sso_redirect.html.j2", lang=lang, url=started.url)
    page.headers["Refresh"] = f"0;url={started.url}"
    page.set_cookie(
        PENDING_COOKIE,
        started.cookie,
        max_age=sso_login.PENDING_SECONDS,
        httponly=True,
        samesite="lax",
        path=PENDING_PATH,
        secure=secure_cookies(settings),
    )
    return page


@router.get("/login/sso/callback")
def callback(request: Request) -> Response:
    """The provider's return: check everything, then open a dashboard session."""
    settings = settings_of(request)
    cookie = request.cookies.get(PENDING_COOKIE)
    lang = sso_login.pending_lang(settings, cookie) or request_lang(request)
    params = {k: request.query_params.get(k, "") for k in ("state", "code", "error")}
    try:
        done = sso_login.finish(_factory(request), settings, cookie, params)
    except SsoRefused as exc:
        return _refused(request, lang, exc)
    response = signed_in(request, done.token, _safe_next(done.next_path), done.sees_all)
    response.delete_cookie(PENDING_COOKIE, path=PENDING_PATH)
    return response


# --- the admin's form ---------------------------------------------------------------------


def _admin_page(
    request: Request,
    user: CurrentUser,
    *,
    done: str | None = None,
    error: str | None = None,
    field: str | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    with _factory(request)() as s:
        data = sso.get(s, settings_of(request), user.workspace_id)
    shown = {
        "issuer": data.get("issuer", ""),
        "client_id": data.get("client_id", ""),
        "client_secret": "",
        "domains": ", ".join(data.get("domains", [])),
        "new_users": data.get("new_users", "none"),
        "password_login": "1" if data.get("password_login", True) else "",
    }
    return render_page(
        request,
        user,
        "admin_sso.html.j2",
        status=status,
        data=data,
        values=values or shown,
        done=done if done in ("saved", "removed") else None,
        error=error,
        field=field,
    )


def _body(values: dict[str, str]) -> sso.SsoSettings:
    """The form's strings as the API's body; a value out of bounds names its field."""
    for field, most in (("issuer", 500), ("client_id", 300), ("client_secret", 2000)):
        if len(values[field]) > most:
            raise invalid(field, N_("Too long: at most %(max)s characters."), max=most)
    domains = [d for d in values["domains"].replace(";", ",").split(",") if d.strip()]
    if len(domains) > sso.MAX_DOMAINS:
        raise invalid("domains", N_("At most %(max)s domains."), max=sso.MAX_DOMAINS)
    new_users = values["new_users"]
    try:
        return sso.SsoSettings.model_validate(
            {
                "issuer": values["issuer"],
                "client_id": values["client_id"] or " ",
                "client_secret": values["client_secret"] or None,
                "domains": domains or [""],
                "new_users": new_users if new_users in sso.NEW_USERS else "none",
                "password_login": bool(values["password_login"]),
            }
        )
    except ValidationError as exc:
        field = str(exc.errors()[0]["loc"][0]) if exc.errors() else "form"
        raise invalid(
            field, N_("This value cannot be used: only printable characters are allowed.")
        ) from None


@router.get("/admin/sso")
def admin_sso(request: Request, user: AdminDep, done: str | None = None) -> Response:
    return _admin_page(request, user, done=done)


@router.post("/admin/sso")
def save_sso(request: Request, user: AdminDep, form: FormDep) -> Response:
    check_csrf(request, user, form)
    values = {k: form.get(k, "").strip() for k in FIELDS}
    factory = _factory(request)
    try:
        if form.get("action") == "remove":
            sso.delete(factory, user.workspace_id)
            return RedirectResponse("/app/admin/sso?done=removed", status_code=303, headers=HEADERS)
        sso.put(factory, settings_of(request), user.workspace_id, _body(values))
    except ServiceError as exc:
        if exc.status not in (409, 422):
            raise
        details = exc.details if isinstance(exc.details, list) else []
        field = str(details[0].get("field", "")) if details and isinstance(details[0], dict) else ""
        values["client_secret"] = ""  # never echoed back into the page
        return _admin_page(
            request,
            user,
            error=error_text(user.lang, exc),
            field=field,
            values=values,
            status=exc.status,
        )
    return RedirectResponse("/app/admin/sso?done=saved", status_code=303, headers=HEADERS)
