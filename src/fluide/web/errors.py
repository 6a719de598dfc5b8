"""How dashboard pages refuse: a redirect to the login form, or an HTML page."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from fluide.api.errors import request_lang
from fluide.i18n import gettext
from fluide.web.auth import BadCsrf, Forbidden, LoginRequired
from fluide.web.render import HEADERS, json_response, render_page, wants


def is_dashboard(request: Request) -> bool:
    return request.url.path == "/app" or request.url.path.startswith("/app/")


_CODES = {400: "invalid", 401: "unauthorized", 403: "forbidden", 404: "not_found", 409: "conflict"}


def _refusal(request: Request, status: int, code: str, title: str, text: str) -> Response:
    """The one shape of a dashboard refusal: an HTML page, or the API's JSON error."""
    user = getattr(request.state, "user", None)
    lang = user.lang if user is not None else request_lang(request)
    if wants(request) == "json":
        return json_response({"error": {"code": code, "message": text, "details": None}}, status)
    return render_page(
        request, user, "error.html.j2", lang=lang, status=status, title=title, message=text
    )


def _lang(request: Request) -> str:
    user = getattr(request.state, "user", None)
    return str(user.lang) if user is not None else request_lang(request)


def error_page(request: Request, status: int, title: str, message: str) -> Response:
    """A refusal whose title and message are msgids without placeholders."""
    lang = _lang(request)
    code = _CODES.get(status, "invalid")
    return _refusal(request, status, code, gettext(lang, title), gettext(lang, message))


def service_error_page(
    request: Request, status: int, message: str, params: dict[str, Any], code: str = "invalid"
) -> Response:
    """A :class:`ServiceError` met on a dashboard page (``message`` is its msgid)."""
    lang = _lang(request)
    text = gettext(lang, message, **params) if params else gettext(lang, message)
    return _refusal(request, status, code, gettext(lang, "This cannot be done"), text)


def install(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        if wants(request) == "json":
            text = gettext(_lang(request), "Log in to the dashboard first.")
            return _refusal(request, 401, "unauthorized", text, text)
        return RedirectResponse(
            f"/app/login?next={exc.next_path}", status_code=303, headers=HEADERS
        )

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> Response:
        return error_page(
            request, 403, "Not allowed", "Your role does not give access to this page or action."
        )

    @app.exception_handler(BadCsrf)
    async def _csrf(request: Request, exc: BadCsrf) -> Response:
        return error_page(
            request,
            403,
            "Form expired",
            "This form has expired or did not come from this site; "
            "go back, reload the page and try again.",
        )
