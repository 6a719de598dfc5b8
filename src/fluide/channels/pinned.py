"""Posting to addresses already vetted (:mod:`fluide.channels.outbound`), and telling what
came back without keeping a byte the receiver chose.

The request goes to the IP address itself; the name stays in ``Host`` and, over
TLS, in SNI and the certificate check (httpcore's ``sni_hostname`` extension),
so no second DNS lookup can send it elsewhere. What is kept of an answer: the
status code, its standard phrase (:class:`http.HTTPStatus`, never the
receiver's reason phrase), ``Retry-After`` in seconds, and a ``X-Request-Id``
only if it is a plain token; of a failure, the kind and a fixed text.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import ssl
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import replace
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import Any, Final

import httpx

from fluide.channels import DeliveryResult
from fluide.channels.outbound import Address, literal_address

RETRY_STATUSES: Final = frozenset({408, 425, 429})
MAX_ADDRESSES: Final = 3
"""Addresses of one name tried in turn when the previous refuses the connection."""
DEADLINE_FACTOR: Final = 3
"""Once connected, the whole exchange gets this many times the per-step timeout."""
MAX_RETRY_AFTER: Final = 7 * 86400
_REQUEST_ID: Final = re.compile(r"[A-Za-z0-9._:/+=@-]{1,200}")


def post_pinned(
    http: httpx.Client,
    target: httpx.URL,
    addresses: Sequence[Address],
    body: bytes,
    headers: dict[str, str],
    timeout: float,
    *,
    method: str = "POST",
    read_json: int = 0,
) -> DeliveryResult:
    """POST ``body`` to ``target`` at the first of ``addresses`` that accepts a connection.

    ``method`` may be another verb (a help desk's connection test is a GET);
    ``read_json`` > 0 reads at most that many bytes of a 2xx answer and keeps
    its JSON object in ``data`` (a created ticket's id); other answers are never read.
    """
    with quiet_client():
        result = DeliveryResult("retry", "no address to connect to")
        for address in addresses[:MAX_ADDRESSES]:
            result, connected = _post_to(
                http, target, address, body, headers, timeout, method, read_json
            )
            if connected:
                return result
            # Nothing was sent yet: the next address may answer.
        return result


def _post_to(
    http: httpx.Client,
    target: httpx.URL,
    address: Address,
    body: bytes,
    headers: dict[str, str],
    timeout: float,
    method: str = "POST",
    read_json: int = 0,
) -> tuple[DeliveryResult, bool]:
    """One POST to ``address`` (pinned: no second lookup); whether a connection was made."""
    host = target.raw_host.decode("ascii")
    with Deadline(timeout * DEADLINE_FACTOR) as deadline:
        extensions: dict[str, Any] = {"trace": deadline.trace}
        if target.scheme == "https" and literal_address(host) is None:
            # TLS speaks to, and checks the certificate of, the name, not the address.
            extensions["sni_hostname"] = host.removesuffix(".")
        request = http.build_request(
            method,
            target.copy_with(host=str(address)),
            content=body,
            headers=headers,
            timeout=timeout,
            extensions=extensions,
        )
        try:
            response = http.send(request, stream=True, follow_redirects=False)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            return transport_failure(exc, timeout, deadline), False
        except httpx.TransportError as exc:
            return transport_failure(exc, timeout, deadline), True
        try:
            result = classify(response, time.time())
            if read_json and result.status == "sent":
                try:
                    result = replace(result, data=_json_object(response, read_json))
                except httpx.TransportError as exc:
                    return transport_failure(exc, timeout, deadline), True
            return result, True
        finally:
            response.close()  # the body is never read, but for a 2xx asked for


def _json_object(response: httpx.Response, limit: int) -> dict[str, object] | None:
    """The answer's JSON object if it fits in ``limit`` bytes; ``None`` otherwise."""
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    try:
        value = json.loads(b"".join(chunks))
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _retry_after(value: str | None, now: float) -> int | None:
    """``Retry-After`` in seconds (a number or an HTTP date), or ``None`` if absent or garbled."""
    text = (value or "").strip()
    if not text or len(text) > 64:
        return None
    if text.isdigit():
        return min(int(text), MAX_RETRY_AFTER)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        return None
    return max(0, min(int(moment.timestamp() - now), MAX_RETRY_AFTER))


def classify(response: httpx.Response, now: float) -> DeliveryResult:
    """Status code and its standard phrase only: nothing the receiver wrote is kept."""
    code = response.status_code
    try:
        phrase = HTTPStatus(code).phrase
    except ValueError:
        phrase = ""
    head = f"HTTP {code} {phrase}".strip()
    if 200 <= code < 300:
        request_id = response.headers.get("x-request-id", "")
        return DeliveryResult(
            "sent", head, request_id if _REQUEST_ID.fullmatch(request_id) else None, code=code
        )
    if 300 <= code < 400:
        detail = f"{head}: redirects are not followed; configure the final URL of the webhook"
        return DeliveryResult("failed", detail, code=code)
    retry_after = _retry_after(response.headers.get("retry-after"), now)
    detail = head if retry_after is None else f"{head}; Retry-After: {retry_after}"
    if code in RETRY_STATUSES or code >= 500:
        return DeliveryResult("retry", detail, code=code, retry_after=retry_after)
    return DeliveryResult("failed", detail, code=code)


def transport_failure(
    exc: httpx.TransportError, timeout: float, deadline: Deadline
) -> DeliveryResult:
    """A fixed text per kind of failure: the exception's own text may quote the receiver."""
    kind = type(exc).__name__
    if deadline.fired:
        return DeliveryResult(
            "retry", f"timeout: no complete answer within {deadline.seconds:g} s ({kind})"
        )
    if isinstance(exc, httpx.TimeoutException):
        return DeliveryResult("retry", f"timeout after {timeout:g} s ({kind})")
    if isinstance(exc, httpx.UnsupportedProtocol):
        return DeliveryResult("failed", "webhook URL refused by the HTTP client, nothing sent")
    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, ssl.SSLError):
        cause = cause.__cause__ or cause.__context__
    if cause is not None:
        return DeliveryResult(
            "retry", f"TLS handshake failed: certificate or protocol refused ({kind})"
        )
    return DeliveryResult(
        "retry",
        f"connection error ({kind}): the receiver could not be reached or cut the connection",
    )


class Deadline:
    """Cuts a connection ``seconds`` after it opened, however slowly the peer trickles bytes.

    Per-step timeouts alone let a receiver that sends one byte at a time hold
    a worker for hours. Pass :meth:`trace` as httpcore's ``trace`` extension:
    it keeps a duplicate of the socket once connected, and a timer shuts it
    down (which wakes a blocked read) if the exchange is still going.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.fired = False
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._timer: threading.Timer | None = None

    def trace(self, event: str, info: dict[str, Any]) -> None:
        if event != "connection.connect_tcp.complete":
            return
        stream = info.get("return_value")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if not isinstance(sock, socket.socket):
            return
        with self._lock:
            if self._sock is not None:
                return
            # Our own descriptor: shutting it down cuts the connection, and it cannot be
            # closed and reused under us by the HTTP client.
            self._sock = sock.dup()
            self._timer = threading.Timer(self.seconds, self._fire)
            self._timer.daemon = True
            self._timer.start()

    def _fire(self) -> None:
        with self._lock:
            if self._sock is None:
                return
            self.fired = True
            with suppress(OSError):
                self._sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> Deadline:
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            if self._sock is not None:
                self._sock.close()
                self._sock = None


# --- the HTTP client's own log lines -------------------------------------------------

_quiet = threading.local()


class _QuietClient(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(_quiet, "on", False)


_CLIENT_LOGGERS: Final = (
    "httpx",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
)
_FILTER: Final = _QuietClient()
for _name in _CLIENT_LOGGERS:
    logging.getLogger(_name).addFilter(_FILTER)


@contextmanager
def quiet_client() -> Iterator[None]:
    """Drop httpx's and httpcore's log lines in this thread while it lasts.

    They print the URL (Slack's carries its token in the path), and the
    receiver's status line and headers (its reason phrase is its own text).
    """
    before = getattr(_quiet, "on", False)
    _quiet.on = True
    try:
        yield
    finally:
        _quiet.on = before
