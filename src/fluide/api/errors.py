"""One error shape for every API error: ``{"error": {"code", "message", "details"}}``.

Messages follow ``Accept-Language`` (French or English); codes are stable.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from fluide.i18n import gettext as _t
from fluide.services.errors import ServiceError
from fluide.storage.write_lock import Overloaded

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    410: "gone",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "too_many_requests",
}


def request_lang(request: Request) -> str:
    """``fr`` unless the client prefers English first."""
    header = request.headers.get("accept-language", "").lower()
    first = header.split(",")[0].split(";")[0].strip()
    return "en" if first.startswith("en") else "fr"


def error_response(
    status: int, code: str, message: str, details: Any = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        status_code=status,
        content={"error": {"code": code, "message": message, "details": details}},
        headers=headers,
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def _problem(lang: str, error: Any) -> str:
    """A validation problem's text; ours (``schemas.translatable``) in the request's language."""
    ctx = error.get("ctx") or {}
    msgid, params = ctx.get("msgid"), ctx.get("params")
    if isinstance(msgid, str) and isinstance(params, dict):
        return _t(lang, msgid, **params)
    return str(error.get("msg", ""))


def install(app: FastAPI) -> None:
    @app.exception_handler(ServiceError)
    async def _service(request: Request, exc: ServiceError) -> Response:
        from fluide.web.errors import is_dashboard, service_error_page

        if is_dashboard(request):
            return service_error_page(request, exc.status, exc.message, exc.params, exc.code)
        lang = request_lang(request)
        message = _t(lang, exc.message, **exc.params) if exc.params else _t(lang, exc.message)
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return error_response(exc.status, exc.code, message, _jsonable(exc.details), headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        from fluide.web.errors import is_dashboard, service_error_page

        if is_dashboard(request):
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e.get('loc', ())[1:])}: {e.get('msg', '')}"
                for e in exc.errors()
            )
            return service_error_page(
                request, 422, "Invalid request: %(problems)s", {"problems": problems}
            )
        lang = request_lang(request)
        details = [
            {
                "field": ".".join(
                    str(p) for p in e.get("loc", ()) if p not in ("body", "one", "batch")
                ),
                "problem": _problem(lang, e),
                "type": e.get("type"),
            }
            for e in exc.errors()
        ]
        message = _t(
            lang, "The request is not valid: %(count)s problem(s), see details.", count=len(details)
        )
        return error_response(422, "invalid", message, _jsonable(details))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        from fluide.web.errors import error_page, is_dashboard

        if is_dashboard(request) and exc.status_code in (404, 405):
            return error_page(request, 404, "Not found", "There is no such page here.")
        code = _HTTP_CODES.get(exc.status_code, "error")
        detail = exc.detail if isinstance(exc.detail, str) else None
        return error_response(
            exc.status_code,
            code,
            detail or code.replace("_", " "),
            None,
            getattr(exc, "headers", None),
        )

    async def _database(request: Request, exc: Exception) -> Response:
        """A database saturated (pool, write turn, lock) is a 503 to retry, never a 500."""
        from fluide.api.admission import overloaded_response
        from fluide.storage.db import is_overload

        if is_overload(exc):
            return overloaded_response(request)
        return _internal(request, exc)

    for overload in (PoolTimeout, Overloaded, OperationalError):
        app.add_exception_handler(overload, _database)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:  # pragma: no cover
        return _internal(request, exc)  # last resort


def _internal(request: Request, exc: Exception) -> JSONResponse:
    import logging

    logging.getLogger("fluide").error(
        "unexpected error on %s %s", request.method, request.url.path, exc_info=exc
    )
    lang = request_lang(request)
    return error_response(
        500, "internal", _t(lang, "Something went wrong on our side; it has been logged.")
    )
