"""FastAPI dependencies: settings, database sessions, and the caller's workspace."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

import anyio.to_thread
from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from fluide.services.api_keys import KeyRef, authenticate, key_cache
from fluide.services.errors import ServiceError
from fluide.settings import Settings
from fluide.storage.models import Workspace


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_factory(request: Request) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = request.app.state.sessions
    return factory


def get_session(
    factory: Annotated[sessionmaker[Session], Depends(get_factory)],
) -> Iterator[Session]:
    """The route's read session (it takes a connection at its first query)."""
    with factory() as session:
        yield session


@dataclass(frozen=True)
class Caller:
    """Who calls: the workspace, and which of its API keys (rotation ends that one)."""

    workspace: Workspace
    key_id: str


def get_caller(
    request: Request, factory: Annotated[sessionmaker[Session], Depends(get_factory)]
) -> Caller:
    """The key of the ``Authorization: Bearer KEY`` header and its workspace; 401 otherwise.

    Looked up in a session of its own, whose connection is back in the pool
    before the route runs: a route that then writes (``write_session``) never
    holds two connections, so a full pool cannot deadlock on itself.
    """
    header = request.headers.get("authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise ServiceError(
            "unauthorized", "Send your API key as: Authorization: Bearer KEY.", status=401
        )
    with factory() as session:
        found = authenticate(session, key.strip())
    if found is None:
        raise ServiceError("unauthorized", "This API key is unknown or revoked.", status=401)
    return Caller(found[1], found[0].id)


async def get_key(request: Request) -> KeyRef:
    """The ``Authorization: Bearer KEY`` of a hot path (events), checked against a
    cache of a couple of seconds rather than at every request; 401 otherwise.

    Only for routes that read the workspace again inside their transaction
    (``record_events`` does): the cache spares a query, never a check of rules.
    A coroutine: a key in the cache costs no thread of the pool.
    """
    header = request.headers.get("authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise ServiceError(
            "unauthorized", "Send your API key as: Authorization: Bearer KEY.", status=401
        )
    factory: sessionmaker[Session] = request.app.state.sessions
    found = key_cache.cached(key.strip())
    if found is None:
        found = await anyio.to_thread.run_sync(key_cache.lookup, factory, key.strip())
    if found is None:
        raise ServiceError("unauthorized", "This API key is unknown or revoked.", status=401)
    return found


def get_workspace(caller: Annotated[Caller, Depends(get_caller)]) -> Workspace:
    """The workspace of the ``Authorization: Bearer KEY`` header; 401 otherwise."""
    return caller.workspace


SettingsDep = Annotated[Settings, Depends(get_settings)]
FactoryDep = Annotated[sessionmaker[Session], Depends(get_factory)]
SessionDep = Annotated[Session, Depends(get_session)]
WorkspaceDep = Annotated[Workspace, Depends(get_workspace)]
CallerDep = Annotated[Caller, Depends(get_caller)]
KeyDep = Annotated[KeyRef, Depends(get_key)]
