"""FastAPI dependencies: settings, database sessions, and the caller's workspace."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from fluide.services.errors import ServiceError
from fluide.services.workspaces import authenticate
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
    with factory() as session:
        yield session


def get_workspace(request: Request, session: Annotated[Session, Depends(get_session)]) -> Workspace:
    """The workspace of the ``Authorization: Bearer KEY`` header; 401 otherwise."""
    header = request.headers.get("authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise ServiceError(
            "unauthorized", "Send your API key as: Authorization: Bearer KEY.", status=401
        )
    ws = authenticate(session, key.strip())
    if ws is None:
        raise ServiceError("unauthorized", "This API key is unknown or revoked.", status=401)
    return ws


SettingsDep = Annotated[Settings, Depends(get_settings)]
FactoryDep = Annotated[sessionmaker[Session], Depends(get_factory)]
SessionDep = Annotated[Session, Depends(get_session)]
WorkspaceDep = Annotated[Workspace, Depends(get_workspace)]
