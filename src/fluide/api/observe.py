"""Every request gets an id, is counted and timed, and (JSON logs) leaves one access line.

A pure ASGI middleware, the outermost one: the id exists before anything logs,
and every response carries it in ``X-Request-ID``, errors and 503s included.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from sqlalchemy import Engine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fluide.api import telemetry
from fluide.request_context import request_id
from fluide.settings import Settings

HEADER = b"x-request-id"
VALID_ID = re.compile(rb"^[A-Za-z0-9._-]{1,64}$")
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"
"""The route label of a path no route serves (never the path itself: it may hold data)."""
POOL_EVERY = 1.0  # seconds between two readings of the pool by one process

access = logging.getLogger("fluide.access")
log = logging.getLogger("fluide")


async def unexpected(scope: Scope, receive: Receive, send: Send) -> None:
    """The 500 in the error shape of every API error (as ``fluide.api.errors`` words it)."""
    from starlette.requests import Request

    from fluide.api.errors import error_response, request_lang
    from fluide.i18n import gettext

    lang = request_lang(Request(scope))
    message = gettext(lang, "Something went wrong on our side; it has been logged.")
    await error_response(500, "internal", message)(scope, receive, send)


def incoming_id(scope: Scope) -> str | None:
    """The client's ``X-Request-ID`` when it is safe to reuse (1–64 of ``A-Za-z0-9._-``)."""
    for name, value in scope["headers"]:
        if name == HEADER:
            return value.decode("ascii") if VALID_ID.match(value) else None
    return None


def route_of(scope: Scope) -> str:
    route = scope.get("route")
    if route is None:
        return UNMATCHED
    return str(getattr(route, "path_format", None) or getattr(route, "path", UNMATCHED))


class ObserveRequests:
    def __init__(self, app: ASGIApp, *, engine: Engine, access_log: bool) -> None:
        self.app = app
        self.engine = engine
        self.access_log = access_log
        self._pool_read = 0.0
        # Bounded: methods × route templates × statuses.
        self._series: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = incoming_id(scope) or uuid.uuid4().hex
        header = (HEADER, rid.encode("ascii"))
        status = 0  # until the app starts its answer

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", ()), header]}
            await send(message)

        token = request_id.set(rid)
        start = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            if status:  # the answer has begun: nothing else can be sent
                raise
            # Answered here rather than by Starlette's last-resort handler, which runs
            # outside this middleware: the 500 keeps its X-Request-ID, the log line its id.
            log.exception("unexpected error on %s %s", scope["method"], route_of(scope))
            await unexpected(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - start
            self._record(scope, status or 500, elapsed)
            request_id.reset(token)

    def _record(self, scope: Scope, status: int, elapsed: float) -> None:
        method = scope["method"] if scope["method"] in METHODS else telemetry.OTHER
        route = route_of(scope)
        key = (method, route, status)
        series = self._series.get(key)
        if series is None:  # prometheus-client's labels() is the costly part: once per key
            series = self._series[key] = (
                telemetry.requests_total.labels(method, route, str(status)),
                telemetry.request_seconds.labels(method, route),
            )
        series[0].inc()
        series[1].observe(elapsed)
        if self.access_log:
            duration_ms = round(elapsed * 1000, 2)
            fields: dict[str, Any] = {
                "method": method,
                "route": route,
                "status": status,
                "duration_ms": duration_ms,
            }
            access.info("%s %s %s %sms", method, route, status, duration_ms, extra=fields)
        now = time.monotonic()
        if now - self._pool_read >= POOL_EVERY:
            self._pool_read = now
            telemetry.observe_pool(self.engine)


def install(app: Any, settings: Settings, engine: Engine) -> None:
    """Add the middleware; call it after every other ``add_middleware`` (outermost)."""
    app.add_middleware(ObserveRequests, engine=engine, access_log=settings.log_format == "json")
