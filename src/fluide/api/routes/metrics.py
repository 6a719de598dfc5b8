"""Routes of the metrics resource (being written)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
