"""The help-desk connection: ``/v1/integrations/helpdesk`` (Zendesk, HubSpot, signed webhook),
pushing a follow-up by hand, and the inbound endpoint the help desk calls back."""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Annotated, Any, Final, Literal

import anyio.to_thread
from fastapi import APIRouter, Path, Request, Response, status
from pydantic import ConfigDict, Field, StringConstraints

from fluide.api.deps import FactoryDep, SettingsDep, WorkspaceDep
from fluide.api.schemas import Input
from fluide.services import helpdesk as service
from fluide.services import helpdesk_inbound as inbound
from fluide.services.errors import ServiceError

router = APIRouter(tags=["help desk"])
PREFIX: Final = "/v1/integrations/helpdesk"
MAX_INBOUND_BYTES: Final = 64 * 1024
INBOUND_PER_MINUTE: Final = 120
"""Calls one connection's inbound endpoint takes per minute (per server process)."""

Short = Annotated[str, StringConstraints(max_length=320)]


class HelpdeskIn(Input):
    """The whole connection (PUT replaces it). Tokens are write-only: never shown back;
    left out on a change of the same provider, the stored one is kept."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "provider": "zendesk",
                    "subdomain": "acme",
                    "email": "support-bot@acme.example",
                    "token": "…",
                    "signing_secret": "…",
                    "mapping": {"score": "360001234567", "touchpoint_task": "360001234568"},
                },
                {
                    "provider": "hubspot",
                    "token": "pat-…",
                    "object": "tickets",
                    "pipeline": "0",
                    "pipeline_stage": "1",
                    "portal_id": "1234567",
                    "mapping": {"customer_email": "fluide_email", "score": "fluide_score"},
                },
                {"provider": "webhook", "url": "https://hooks.example/fluide"},
            ]
        },
    )
    provider: Literal["zendesk", "hubspot", "webhook"]
    subdomain: Annotated[str, StringConstraints(max_length=63)] | None = None
    email: Short | None = None
    token: Annotated[str, StringConstraints(max_length=500)] | None = None
    object: Literal["tickets", "tasks"] | None = None
    pipeline: Annotated[str, StringConstraints(max_length=40)] | None = None
    pipeline_stage: Annotated[str, StringConstraints(max_length=40)] | None = None
    portal_id: Annotated[str, StringConstraints(max_length=20)] | None = None
    url: Annotated[str, StringConstraints(max_length=2000)] | None = None
    signing_secret: Annotated[str, StringConstraints(max_length=500)] | None = None
    rotate_secret: bool = False
    mapping: dict[Annotated[str, StringConstraints(max_length=40)], Short] = Field(
        default_factory=dict
    )
    push_on_create: bool = True
    lang: Literal["fr", "en"] = "fr"


def _no_store(response: Response) -> None:
    response.headers["Cache-Control"] = "no-store"


@router.get(PREFIX, summary="The help-desk connection (tokens never shown, only whether set)")
def get(
    ws: WorkspaceDep, factory: FactoryDep, settings: SettingsDep, response: Response
) -> dict[str, Any]:
    _no_store(response)
    found = service.get_connection(factory, settings, ws.id)
    if found is None:
        raise ServiceError(
            "not_found", "No help-desk connection in workspace %(value)s.", status=404, value=ws.id
        )
    return found


@router.put(
    PREFIX,
    summary="Connect Zendesk, HubSpot or a signed webhook; a webhook's secret is shown once",
)
def put(
    body: HelpdeskIn,
    ws: WorkspaceDep,
    factory: FactoryDep,
    settings: SettingsDep,
    response: Response,
) -> dict[str, Any]:
    _no_store(response)
    return service.put_connection(factory, settings, ws.id, body.model_dump())


@router.delete(PREFIX, status_code=status.HTTP_204_NO_CONTENT, summary="Disconnect the help desk")
def delete(ws: WorkspaceDep, factory: FactoryDep) -> Response:
    service.delete_connection(factory, ws.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(PREFIX + "/test", summary="Call the help desk once with the stored credentials")
def test(ws: WorkspaceDep, factory: FactoryDep, settings: SettingsDep) -> dict[str, Any]:
    return service.test_connection(factory, settings, ws.id)


@router.post(
    "/v1/follow-ups/{follow_up_id}/push",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Push a follow-up to the help desk now (again after a failure)",
    tags=["follow-ups"],
)
def push(
    ws: WorkspaceDep,
    factory: FactoryDep,
    follow_up_id: Annotated[str, Path(min_length=1, max_length=40)],
) -> dict[str, Any]:
    return service.push_follow_up(factory, ws.id, follow_up_id)


class _Window:
    """At most ``limit`` calls per key in the last minute (this process)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._calls: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str, now: float) -> bool:
        with self._lock:
            if len(self._calls) > 10_000:
                self._calls.clear()  # bounded memory whatever the ids sent
            calls = self._calls.setdefault(key, deque())
            while calls and calls[0] <= now - 60:
                calls.popleft()
            if len(calls) >= self.limit:
                return False
            calls.append(now)
            return True


_window = _Window(INBOUND_PER_MINUTE)


@router.post(
    PREFIX + "/inbound/{inbound_id}",
    summary="The help desk tells a ticket's status (signed; no API key)",
)
async def receive(
    request: Request,
    factory: FactoryDep,
    settings: SettingsDep,
    inbound_id: Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")],
) -> dict[str, Any]:
    if not _window.allow(inbound_id, time.monotonic()):
        raise ServiceError(
            "rate_limited",
            "Too many calls: at most %(max)s a minute.",
            status=429,
            max=INBOUND_PER_MINUTE,
        )
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_INBOUND_BYTES:
            raise ServiceError(
                "too_large",
                "The body is too large: at most %(max)s bytes.",
                status=413,
                max=MAX_INBOUND_BYTES,
            )
    query = f"?{request.url.query}" if request.url.query else ""
    call = inbound.Call(
        method=request.method,
        url=f"{settings.public_url}{request.url.path}{query}",
        headers={k.lower(): v for k, v in request.headers.items()},
        body=bytes(body),
    )
    return await anyio.to_thread.run_sync(
        lambda: inbound.receive(factory, settings, inbound_id, call)
    )
