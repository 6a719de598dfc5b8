"""Events from the host: ``POST /v1/events`` → one decision per event."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from fluide.api import telemetry
from fluide.api.deps import KeyDep
from fluide.api.schemas import DecisionOut, DecisionsOut, EventBatch, EventsBody
from fluide.services import events as service
from fluide.services.decide_batch import WorkspaceId

router = APIRouter(prefix="/v1/events", tags=["events"])


@router.post(
    "",
    summary='Send one event, or {"events": [...]} (up to 1000); get a decision for each',
    response_model=DecisionOut | DecisionsOut,
)
async def post_events(request: Request, body: EventsBody, key: KeyDep) -> dict[str, Any]:
    # Decided on the server's writer thread with the events of concurrent requests
    # (group commit); the key was checked against a short cache, and the
    # workspace's rules are read again in the deciding transaction.
    events = body.events if isinstance(body, EventBatch) else [body]
    ws = WorkspaceId(key.workspace_id)
    decisions = await service.record_events_async(ws, events, request.app.state.event_groups)
    telemetry.count_decisions(decisions)
    return {"decisions": decisions} if isinstance(body, EventBatch) else decisions[0]
