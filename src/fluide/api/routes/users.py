"""A user's history: every event, decision and invitation."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path

from fluide.api.deps import SessionDep, SettingsDep, WorkspaceDep
from fluide.services import events as service

router = APIRouter(prefix="/v1/users", tags=["users"])


@router.get(
    "/{user_id}/history", summary="Why was this customer (not) asked? Every event and decision"
)
def history(
    ws: WorkspaceDep,
    session: SessionDep,
    settings: SettingsDep,
    user_id: str = Path(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f]+$"),
) -> dict[str, Any]:
    return service.history(session, ws.id, user_id, settings)
