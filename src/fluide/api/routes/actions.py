"""Actions: ``/v1/actions`` (log a fix, mark it delivered, read its before/after)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Query, status

from fluide.api.deps import FactoryDep, WorkspaceDep
from fluide.api.schemas_actions import ActionIn, ActionPatch, ActionStatus
from fluide.domain.before_after import DEFAULT_WINDOW_DAYS, MAX_WINDOW_DAYS, MIN_WINDOW_DAYS
from fluide.services import actions as service

router = APIRouter(prefix="/v1/actions", tags=["actions"])
IdPath = Path(max_length=40, description="The action's id, e.g. act_…")
WINDOW = Query(
    DEFAULT_WINDOW_DAYS,
    ge=MIN_WINDOW_DAYS,
    le=MAX_WINDOW_DAYS,
    description="Days on each side of the delivery date",
)
TOUCHPOINT = Query(
    None, max_length=64, description="Only the actions of this touchpoint (key); 422 if unknown"
)
TAG = Query(None, max_length=64, description="Only the actions against this friction tag (key)")
BEFORE_AFTER = (
    "Each action: `id`, `title`, `kind`, `touchpoint` (key), `touchpoint_task`, `tag` (key or "
    "null), `owner`, `status` (`to_deliver` | `delivered`), `due_on`, `delivered_on`, `notes`, "
    "`created_at`, and `before_after` (null until delivered): the touchpoint's answers over the "
    "`window_days` days before the delivery date (`before`) against the delivery day and the "
    "days after it, cut at now (`after`), in the workspace's time zone. Each block has `n`, "
    "`mean`, `ci` (95 %), `start`, `end`. `difference` is after − before on the raw scale with "
    "a bootstrap `ci`, the Mann–Whitney `p_value` and `cliffs_delta`; `lower_is_better` follows "
    "the question's polarity and `improved` is true only when the interval excludes zero in the "
    "good direction. `comparable` is false with a `reason` (`question_changed`, "
    "`too_few_answers`, `no_after_yet`) when no verdict can be given. `tag_share` is the share "
    "(0–1) of the touchpoint's tagged comments carrying the action's tag, before and after."
)


@router.get("", summary="Every action: to deliver first, then delivered", description=BEFORE_AFTER)
def list_actions(
    ws: WorkspaceDep,
    factory: FactoryDep,
    status: ActionStatus | None = None,
    touchpoint: str | None = TOUCHPOINT,
    tag: str | None = TAG,
    window_days: int = WINDOW,
) -> dict[str, Any]:
    found = service.list_actions(
        factory, ws.id, status=status, touchpoint=touchpoint, tag=tag, window_days=window_days
    )
    return {"actions": found}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Log an action against a touchpoint (and the friction tag it fights)",
    description=BEFORE_AFTER,
)
def create(body: ActionIn, ws: WorkspaceDep, factory: FactoryDep) -> dict[str, Any]:
    return service.create_action(factory, ws.id, **body.model_dump(), created_by="api")


@router.get("/{action_id}", summary="One action with its before/after", description=BEFORE_AFTER)
def get(
    ws: WorkspaceDep,
    factory: FactoryDep,
    action_id: str = IdPath,
    window_days: int = WINDOW,
) -> dict[str, Any]:
    return service.get_action(factory, ws.id, action_id, window_days=window_days)


@router.patch(
    "/{action_id}",
    summary="Change an action: mark it delivered (delivered_on), reopen it, edit it",
)
def patch(
    body: ActionPatch, ws: WorkspaceDep, factory: FactoryDep, action_id: str = IdPath
) -> dict[str, Any]:
    return service.update_action(factory, ws.id, action_id, **body.model_dump(exclude_unset=True))
