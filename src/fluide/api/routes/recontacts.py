"""Recontacts of the stored contact events: ``GET /v1/recontacts``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request

from fluide.api.deps import FactoryDep, WorkspaceDep
from fluide.api.errors import request_lang
from fluide.api.params import FromQuery, ToQuery, TzQuery
from fluide.api.schemas_recontacts import RecontactsOut
from fluide.domain.recontacts import DEFAULT_WINDOW_DAYS
from fluide.services import recontacts as service

router = APIRouter(prefix="/v1/recontacts", tags=["recontacts"])

DESCRIPTION = """
The same JSON document as `fluide recontacts --format json` (`window_days`,
`overall`, `groups`, `weekly`, `answers`, `warnings`, `input`), computed by the
same code from the contact events sent to `POST /v1/events`.

A contact is an event whose type is in the workspace's `contact_event_types`
(default `ticket_opened`, `contact`, `call`, `chat_started`; see
`PATCH /v1/workspace`). Its channel, reason and agent are the event's
`properties.channel`, `properties.reason` and `properties.agent_id`; its
`properties.promised_at` (ISO 8601 with offset) is the time promised to the
customer; a `ticket_resolved` event with the same `properties.ticket_id` resolves it.

`from`/`to` are inclusive local dates in `tz` (default: the workspace's time
zone) on the contact time. The figures count the contacts of the period only;
contacts up to `window` days before and after it are read to judge them. A
contact is *observed* once `window` days have passed before the latest contact
read. `by` is repeatable: `reason`, `channel`, `agent`.

`touchpoint=KEY` fills `answers`: that touchpoint's answers of the period (on its
current question, and the versions asking the same), split by whether their
customer had a recontact in the `window` days before answering — two `analyze`
blocks and the difference of their means (recontacted − not, in scale points)
with a bootstrap interval. Without it, `answers` is null.
"""


@router.get(
    "",
    summary="Recontacts, channel switches and delays of the contact events",
    description=DESCRIPTION,
    response_model=RecontactsOut,
)
def get_recontacts(
    request: Request,
    ws: WorkspaceDep,
    factory: FactoryDep,
    start: FromQuery = None,
    end: ToQuery = None,
    window: Annotated[int, Query(description="W, in days (1 to 365)")] = DEFAULT_WINDOW_DAYS,
    by: Annotated[
        list[Literal["reason", "channel", "agent"]],
        Query(max_length=3, description="Grouping; repeatable: reason, channel, agent"),
    ] = [],  # noqa: B006
    tz: TzQuery = None,
    touchpoint: Annotated[
        str | None,
        Query(max_length=200, description="Split this touchpoint's answers by a recent recontact"),
    ] = None,
) -> dict[str, Any]:
    query = service.RecontactsQuery(
        start=start, end=end, window_days=window, by=tuple(by), tz=tz, touchpoint=touchpoint
    )
    return service.recontacts(factory, ws, query, request_lang(request))
