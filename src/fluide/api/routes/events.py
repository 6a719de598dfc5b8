"""Events from the host: ``POST /v1/events`` → one decision per event."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from fluide.api import telemetry
from fluide.api.deps import FactoryDep, SettingsDep, WorkspaceDep
from fluide.api.schemas import DecisionOut, DecisionsOut, EventBatch, EventsBody
from fluide.services import events as service

router = APIRouter(prefix="/v1/events", tags=["events"])


@router.post(
    "",
    summary='Send one event, or {"events": [...]} (up to 1000); get a decision for each',
    response_model=DecisionOut | DecisionsOut,
)
def post_events(
    request: Request, body: EventsBody, ws: WorkspaceDep, factory: FactoryDep, settings: SettingsDep
) -> dict[str, Any]:
    dispatch = request.app.state.dispatch
    events = body.events if isinstance(body, EventBatch) else [body]
    decisions = service.record_events(factory, ws, events, settings, dispatch=dispatch)
    telemetry.count_decisions(decisions)
    return {"decisions": decisions} if isinstance(body, EventBatch) else decisions[0]
