"""Liveness (``/healthz``: the process answers) and readiness (``/readyz``: it can serve)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from fluide.api.schemas import ErrorOut
from fluide.services import monitoring

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Alive: the process answers (the database is not asked)")
def healthz() -> dict[str, Any]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Ready: the database answers and its schema is at this version's migration",
    description="`tagger` says where the workers' tagging model stands: `loading` (the keyword "
    "rules tag meanwhile), `model`, `failed` or `unknown` (no worker heard from in 45 s). "
    "It never makes the service unready.",
    responses={
        503: {
            "model": ErrorOut,
            "description": "database_unreachable, or migrations_pending (details: current "
            "and expected revisions)",
        }
    },
)
def readyz(request: Request) -> dict[str, str]:
    return monitoring.readiness(request.app.state.engine)
