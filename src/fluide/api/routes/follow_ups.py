"""Follow-ups: ``GET /v1/follow-ups`` and ``PATCH /v1/follow-ups/{id}`` (the closed loop)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import ConfigDict, StringConstraints

from fluide.api.deps import FactoryDep, WorkspaceDep
from fluide.api.schemas import Input
from fluide.domain.follow_ups import MAX_NOTE
from fluide.services import follow_ups as service
from fluide.services.errors import patch_changes

router = APIRouter(prefix="/v1/follow-ups", tags=["follow-ups"])
IdPath = Path(min_length=1, max_length=40, description="The follow-up's id, e.g. fu_…")

DESCRIPTION = """
Every answer in its question's high-effort group that comes with a comment or
the customer's consent to be contacted (`reason`: `comment`, `callback` or
`both`) opens one follow-up, due 48 hours later (`due_at`), assigned to the
dashboard account whose `agent_id` is the answer's agent (`assignee_id`,
`assignee`; `null` when none). `status` is `open`, `in_progress` or `closed`;
a closed one has an `outcome` (`resolved`, `explained`, `no_answer`,
`not_needed`, `other`) and maybe a `note`. `overdue` is true when not closed
past `due_at`; `due_in_seconds` is negative then. Times are in the
workspace's time zone.

Most urgent first, then the closed ones (latest first), at most 500.
`status` also takes `active` (open or in progress) and `all` (the default);
`assignee=none` keeps the unassigned ones. `counts`: `open` (not closed),
`overdue`, `closed_this_week` (since Monday 00:00, workspace time).
"""


class FollowUpPatch(Input):
    """Any subset; a field left out is kept. Closing needs an `outcome`; reopening clears it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"status": "closed", "outcome": "resolved", "note": "Rappelée, paiement passé."},
                {"status": "in_progress"},
                {"assignee_id": "acc_…"},
            ]
        },
    )
    status: Literal["open", "in_progress", "closed"] | None = None
    outcome: Literal["resolved", "explained", "no_answer", "not_needed", "other"] | None = None
    note: Annotated[str, StringConstraints(max_length=MAX_NOTE)] | None = None
    assignee_id: Annotated[str, StringConstraints(min_length=1, max_length=40)] | None = None
    """An account id of the workspace, or ``none`` to unassign."""


@router.get(
    "", summary="Follow-ups to call customers back, most urgent first", description=DESCRIPTION
)
def list_follow_ups(
    ws: WorkspaceDep,
    factory: FactoryDep,
    status: Annotated[
        Literal["active", "open", "in_progress", "closed", "all"], Query(description="Status")
    ] = "all",
    overdue: Annotated[bool | None, Query(description="true: overdue only; false: not")] = None,
    assignee: Annotated[
        str | None, Query(max_length=40, description="An account id, or none (unassigned)")
    ] = None,
    touchpoint: Annotated[
        str | None,
        Query(pattern=r"^[a-z0-9][a-z0-9_\-]{0,99}$", description="Only this touchpoint"),
    ] = None,
) -> dict[str, Any]:
    return {
        "follow_ups": service.list_follow_ups(
            factory,
            ws.id,
            status=status,
            overdue=overdue,
            assignee_id=assignee,
            touchpoint=touchpoint,
        ),
        "counts": service.counts(factory, ws.id),
    }


@router.get("/{follow_up_id}", summary="One follow-up")
def get(ws: WorkspaceDep, factory: FactoryDep, follow_up_id: str = IdPath) -> dict[str, Any]:
    return service.get_follow_up(factory, ws.id, follow_up_id)


@router.patch(
    "/{follow_up_id}",
    summary="Start, close (with an outcome and a note), reopen or assign a follow-up",
)
def update(
    body: FollowUpPatch, ws: WorkspaceDep, factory: FactoryDep, follow_up_id: str = IdPath
) -> dict[str, Any]:
    changes = patch_changes(body)
    return service.update_follow_up(factory, ws.id, follow_up_id, by=None, **changes)
