"""Liveness and readiness."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from fluide.api.deps import SessionDep
from fluide.storage import repo

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Ready: the database answers")
def healthz(session: SessionDep) -> dict[str, Any]:
    repo.ping(session)
    return {"status": "ok"}
