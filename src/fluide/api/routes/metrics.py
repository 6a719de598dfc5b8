"""The figures: ``GET /v1/metrics``, the document of ``fluide analyze`` plus response rates."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import StringConstraints

from fluide.api.deps import FactoryDep, WorkspaceDep
from fluide.api.errors import request_lang
from fluide.api.params import FromQuery, ToQuery, TouchpointQuery, TzQuery
from fluide.services import metrics as service

router = APIRouter(prefix="/v1/metrics", tags=["metrics"])

Grouping = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_\-]{1,64}$")]

DESCRIPTION = """
The same JSON document as `fluide analyze --format json` (`scale`, `metric`,
`overall`, `groups`, `weekly`/`daily`/`monthly`, `warnings`, `verbatims`,
`input`), computed by the same code from the answers collected here, so the
figures agree to the last digit.

Every `BLOCK` of `overall` and `groups` also has its `response_rate`:
`{"invited", "answered", "rate", "ci95"}` (Wilson interval) over the invitations
created in the window, answered or not; a group value that was invited but
never answered is listed with `n = 0`. Period blocks have `response_rate: null`
(invitations and answers of a period are not the same people).

`from`/`to` are inclusive local dates in `tz` (default: the workspace's time
zone) on the answer time. `by` is repeatable: `outcome`, `channel`, `agent`,
`touchpoint`, `tenure` (new for `new_days` after `customer_since`), or any key
of the user attributes (e.g. `plan`; unknown keys give one `null` group).

Question versions (named `v1`, `v2`… by their number) asking the same
question (scale, polarity, effort groups) are pooled, with the
`question_versions_mixed` warning. Answers to different
questions are refused (409 `mixed_questions`): choose `from` after the change,
filter by `touchpoint`, or pass `effort_index=true`.
"""


@router.get(
    "",
    summary="CES figures of the collected answers, as `fluide analyze`, with response rates",
    description=DESCRIPTION,
    responses={
        404: {"description": "Unknown touchpoint"},
        409: {"description": "Answers to different questions; see the message"},
    },
)
def get_metrics(
    request: Request,
    ws: WorkspaceDep,
    factory: FactoryDep,
    touchpoint: TouchpointQuery = None,
    start: FromQuery = None,
    end: ToQuery = None,
    by: Annotated[
        list[Grouping], Query(max_length=20, description="Grouping; repeatable (up to 20)")
    ] = [],  # noqa: B006
    tz: TzQuery = None,
    period: Annotated[
        list[Literal["day", "week", "month"]],
        Query(max_length=3, description="Trends: week, day, month; repeatable"),
    ] = ["week"],  # noqa: B006
    small_sample: Annotated[int, Query(ge=1, le=1_000_000)] = 30,
    new_days: Annotated[int, Query(ge=1, le=36_500)] = 90,
    effort_index: Annotated[
        bool, Query(description="Allow pooling different questions on the 0-100 effort index")
    ] = False,
    verbatims: Annotated[int, Query(ge=0, le=100)] = 10,
) -> dict[str, Any]:
    query = service.MetricsQuery(
        touchpoint=touchpoint,
        start=start,
        end=end,
        by=tuple(by),
        tz=tz,
        periods=tuple(period),
        small_sample=small_sample,
        new_days=new_days,
        effort_index=effort_index,
        verbatims=verbatims,
    )
    return service.metrics(factory, ws, query, request_lang(request))
