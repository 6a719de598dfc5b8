"""A local fake of the help desks' public APIs (Zendesk, HubSpot, a webhook receiver) on
127.0.0.1: a real HTTP server in a thread that records every request and answers from a
script (201, 429 then 201, 500, 401, 422, a slow answer); the ``fake`` fixture serves it for
one test, :func:`with_fake_vendors` points Fluide's settings at it."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from fluide.settings import Settings

VENDOR_SECRET_BODY = "vendor-said-this-internal-detail"
"""Written in every error body: it must never reach Fluide's records or logs."""


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Answer:
    status: int
    body: dict[str, Any] | list[Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


def created(path: str) -> Answer:
    """What each vendor answers when a ticket is created."""
    if path.startswith("/api/v2/tickets"):
        return Answer(201, {"ticket": {"id": 35436, "status": "new", "subject": "…"}})
    if path.startswith("/crm/v3/objects/"):
        return Answer(201, {"id": "512", "properties": {}})
    return Answer(200, {"id": "hook-1", "url": "https://desk.example/t/hook-1"})


class Fake:
    def __init__(self) -> None:
        self.seen: list[Seen] = []
        self.script: list[Answer] = []
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                with fake._lock:
                    fake.seen.append(
                        Seen(
                            self.command,
                            self.path,
                            {k.lower(): v for k, v in self.headers.items()},
                            body,
                        )
                    )
                    answer = fake.script.pop(0) if fake.script else created(self.path)
                if answer.delay:
                    time.sleep(answer.delay)
                payload = answer.body
                if payload is None and answer.status >= 400:
                    payload = {"error": VENDOR_SECRET_BODY}
                data = json.dumps(payload).encode() if payload is not None else b""
                try:
                    self.send_response(answer.status, VENDOR_SECRET_BODY)
                    for k, v in answer.headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client gave up (a timeout test)

            do_GET = do_POST = _answer

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def then(self, *answers: Answer) -> Fake:
        with self._lock:
            self.script.extend(answers)
        return self


@contextmanager
def fake_vendor() -> Iterator[Fake]:
    fake = Fake()
    thread = threading.Thread(target=fake.server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield fake
    finally:
        fake.server.shutdown()
        fake.server.server_close()
        thread.join(5)


@pytest.fixture
def fake() -> Iterator[Fake]:
    """The fake vendors, served for one test (import it as a fixture)."""
    with fake_vendor() as f:
        yield f


def with_fake_vendors(settings: Settings, fake: Fake) -> Settings:
    """``settings`` with the vendors answered by ``fake`` (allowed because private targets are)."""
    return settings.model_copy(
        update={"webhook_allow_private": True, "helpdesk_base_url_override": fake.url}
    )


def zendesk_fields(token: str, **extra: Any) -> dict[str, Any]:
    """A Zendesk connection's fields (subdomain ``acme``, agent ``bot@acme.example``)."""
    return {
        "provider": "zendesk",
        "subdomain": "acme",
        "email": "bot@acme.example",
        "token": token,
        **extra,
    }
