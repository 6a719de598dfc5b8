"""The request size limit (``FLUIDE_MAX_BODY_BYTES``): a pure ASGI middleware on the whole app.

A body declared larger than the limit (``Content-Length``) is refused before
a byte of it is read; a body without a length (chunked) is counted as it
streams in, and reading stops as soon as it passes the limit. Either way the
answer is a 413 in the one error shape (an HTML page on the dashboard), the
route never sees the body, and nothing is stored.
"""

from __future__ import annotations

from typing import Final

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fluide.i18n import N_

TOO_LARGE: Final = N_("The request body is too large: at most %(max)s bytes are accepted.")


class _Cut(Exception):
    """The body passed the limit while the route was reading it."""


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server refuses a malformed length itself
    return None


class BodyLimit:
    """Refuse request bodies past ``max_bytes`` with a 413, reading no further."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        seen = 0
        cut = False
        started = False

        async def counted() -> Message:
            nonlocal seen, cut
            if cut:
                raise _Cut
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    cut = True
                    raise _Cut
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if cut:
                return  # the route's own answer to a body it could not finish: ours instead
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except Exception:
            # Whatever the route made of the cut (an error, a 400), the answer is the 413.
            if not cut:
                raise
        if cut and not started:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        from fluide.api.errors import error_response, request_lang
        from fluide.i18n import gettext
        from fluide.web.errors import is_dashboard, service_error_page

        request = Request(scope, receive)
        params = {"max": self.max_bytes}
        if is_dashboard(request):
            response = service_error_page(request, 413, TOO_LARGE, params, "too_large")
        else:
            message = gettext(request_lang(request), TOO_LARGE, **params)
            response = error_response(413, "too_large", message, {"max_bytes": self.max_bytes})
        # The rest of the body is never read: the connection cannot serve another request.
        response.headers["Connection"] = "close"
        await response(scope, receive, send)
