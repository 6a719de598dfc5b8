"""Dashboard page: verbatims."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/app", include_in_schema=False)
