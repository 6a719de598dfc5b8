"""The question registry: ``/v1/touchpoints``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, status

from fluide.api.deps import FactoryDep, SessionDep, WorkspaceDep
from fluide.api.schemas import TouchpointIn, TouchpointPatch
from fluide.services import touchpoints as service

router = APIRouter(prefix="/v1/touchpoints", tags=["touchpoints"])
KeyPath = Path(
    pattern=r"^[a-z0-9][a-z0-9_\-]{0,99}$", description="The touchpoint's key, e.g. payer"
)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create a touchpoint and its first question version",
)
def create(body: TouchpointIn, ws: WorkspaceDep, factory: FactoryDep) -> dict[str, Any]:
    return service.create(factory, ws.id, body)


@router.get("", summary="Every touchpoint of the workspace")
def list_touchpoints(ws: WorkspaceDep, session: SessionDep) -> dict[str, Any]:
    return {"touchpoints": service.list_all(session, ws.id)}


@router.get("/{key}", summary="One touchpoint with its question versions")
def get(ws: WorkspaceDep, session: SessionDep, key: str = KeyPath) -> dict[str, Any]:
    return service.get(session, ws.id, key)


@router.patch(
    "/{key}",
    summary="Change a touchpoint; wording, scale, polarity or groups make a new question version",
)
def patch(
    body: TouchpointPatch, ws: WorkspaceDep, factory: FactoryDep, key: str = KeyPath
) -> dict[str, Any]:
    return service.update(factory, ws.id, key, body)
