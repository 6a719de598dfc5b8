"""Back-pressure: at most ``FLUIDE_MAX_CONCURRENT_REQUESTS`` requests in flight per process.

A pure ASGI middleware in front of the whole app. A request past the limit
waits in line, first come first served, at most ``FLUIDE_QUEUE_TIMEOUT``
seconds; then it gets a 503 with ``Retry-After`` in the one error shape (an
HTML page on the dashboard), in bounded time, rather than holding a
connection while the server falls behind. Probes (``/healthz``, ``/readyz``,
``/metrics``) never wait: they say how the server is, busy or not.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Final

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from fluide.i18n import N_

RETRY_AFTER: Final = 1
"""Seconds a client is asked to wait before trying again."""
BUSY: Final = N_("The server is busy: try again in %(seconds)s s.")
PROBES: Final = frozenset({"/healthz", "/readyz", "/metrics"})


def overloaded_response(request: Request) -> Response:
    """The 503 every overload gets: a full line here, or a database past its wait."""
    from fluide.api.errors import error_response, request_lang
    from fluide.i18n import gettext
    from fluide.web.errors import is_dashboard, service_error_page

    params = {"seconds": RETRY_AFTER}
    if is_dashboard(request):
        response = service_error_page(request, 503, BUSY, params, "overloaded")
    else:
        message = gettext(request_lang(request), BUSY, **params)
        details = {"retry_after": RETRY_AFTER}
        response = error_response(503, "overloaded", message, details)
    response.headers["Retry-After"] = str(RETRY_AFTER)
    return response


class Line:
    """``limit`` places; waiters get a freed place in arrival order, or give up."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.in_flight = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    async def enter(self, wait: float) -> bool:
        """Whether a place was had within ``wait`` seconds."""
        if self.in_flight < self.limit and not self._waiters:
            self.in_flight += 1
            return True
        place: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(place)
        try:
            await asyncio.wait_for(asyncio.shield(place), wait)
        except TimeoutError:
            if place.done():  # handed a place just as the wait ended: take it
                return True
            self._waiters.remove(place)
            return False
        except BaseException:  # the client went away while waiting
            if place.done():
                self.leave()
            else:
                self._waiters.remove(place)
            raise
        return True

    def leave(self) -> None:
        """Free a place: to the first waiter if any (``in_flight`` stays), else to the pool."""
        while self._waiters:
            place = self._waiters.popleft()
            if not place.done():
                place.set_result(None)
                return
        self.in_flight -= 1


class Admission:
    """Admit at most ``limit`` requests at once; the others wait ``wait`` seconds, then 503."""

    def __init__(self, app: ASGIApp, limit: int, wait: float) -> None:
        self.app = app
        self.wait = wait
        self.line = Line(limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in PROBES:
            await self.app(scope, receive, send)
            return
        if not await self.line.enter(self.wait):
            await overloaded_response(Request(scope, receive))(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self.line.leave()
