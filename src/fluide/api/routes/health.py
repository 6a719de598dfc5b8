"""Liveness and readiness."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import text

from fluide.api.deps import SessionDep

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Ready: the database answers")
def healthz(session: SessionDep) -> dict[str, Any]:
    session.execute(text("SELECT 1"))
    return {"status": "ok"}
