"""The question registry: ``/v1/touchpoints``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, status

from fluide.api.deps import FactoryDep, SessionDep, WorkspaceDep
from fluide.api.params import FromQuery, ToQuery
from fluide.api.schemas import TouchpointIn, TouchpointPatch
from fluide.services import attempts as attempts_service
from fluide.services import touchpoints as service
from fluide.services.dashboard import DEFAULT_WEEKS, window
from fluide.storage.types import utcnow

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


ATTEMPTS = """
Attempts and time on task of the touchpoint, from its events (see the
documentation page *Attempts and time on task* for every rule): the tasks
ending in `from`–`to` (inclusive local dates, the workspace's time zone;
default the last 12 weeks), succeeded, abandoned or in progress, the attempts
a success needed (`1`, `2`, `3+`, `mean`, `median`), `time_on_task_s`
(`n`, `median`, `p90`), `fields_requested` (`n`, `mean`, `median`), the
customers who never succeeded, and `ces_by_attempts`: one CES block for the
answers given after a success that needed 1, 2 or 3+ attempts; and
`behaviour_index`: the behavioural effort index of the same tasks (0–100, its
weights, components, coverage and Spearman correlation with the asked CES; see
the documentation page *Behavioural effort index*).
"""


@router.get(
    "/{key}/attempts",
    summary="Attempts and time on task of a touchpoint, with the CES by attempts",
    description=ATTEMPTS,
    responses={404: {"description": "Unknown touchpoint"}},
)
def attempts(
    ws: WorkspaceDep,
    factory: FactoryDep,
    key: str = KeyPath,
    start: FromQuery = None,
    end: ToQuery = None,
) -> dict[str, Any]:
    win = window(ws.timezone, DEFAULT_WEEKS, utcnow())
    return attempts_service.attempts(factory, ws, key, start or win.start, end or win.end)
