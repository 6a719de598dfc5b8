"""The frictions backlog: ``GET /v1/backlog`` and ``PUT /v1/backlog/feasibility``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import ConfigDict, Field, StringConstraints

from fluide.api.deps import FactoryDep, WorkspaceDep
from fluide.api.schemas import Input
from fluide.services import backlog as service
from fluide.services.tags import TagKey

router = APIRouter(prefix="/v1/backlog", tags=["verbatims"])

DESCRIPTION = """
Every friction (a tag at a touchpoint) of the last `weeks` weeks (default 4:
the 28 local days ending today, in the workspace's time zone), ranked by
**score = impact × volume × feasibility**, each factor on 0–1:

- `impact` = `shrunk_gap` / 100: the effort gap the evidence supports.
  `effort_gap` is the measured gap, the mean effort index (0–100) of the
  touchpoint's answers carrying the tag minus the mean of all its answers
  (`baseline`), with `gap_ci` its 95 % interval (`null` below two answers on
  either side). `shrunk_gap` = `shrinkage_weight` × `effort_gap` pulls it
  towards 0, the more so the fewer its comments (empirical Bayes, as the
  agents page; the period's `shrinkage` gives `status` and `tau2`, the spread
  of the gaps between frictions), with `shrunk_gap_ci` its 95 % interval;
  `uncertain` when that interval reaches 0;
- `volume` = `share` = `n` / `answers` (the touchpoint's answers of the period);
- `feasibility_factor` = `feasibility` / 5, the team's 1 (hard) – 5 (easy),
  3 until set (`feasibility_set`).

A friction carried by fewer than 3 comments (`n_comments`,
`eligible_for_top` false; `shrinkage.min_top_comments`) ranks after all the
others. Tags of a touchpoint carried by exactly the same answers are one
friction: the row's `tag` (the higher feasibility, then key) and `also_tags`
(`also_names`). `expected_gain` = share × shrunk gap: how many points the
touchpoint's effort index would be expected to drop if these answers had cost
no more than its mean. Each friction also has `small_sample` (n < 5),
`actions` (logged against it, by status) and two representative `verbatims`.
Only positive gaps are frictions; `not_frictions` counts the other tag ×
touchpoint pairs.
"""


class FeasibilityIn(Input):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"touchpoint": "payer", "tag": "payment", "feasibility": 4}]
        },
    )
    touchpoint: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_\-]{0,99}$")]
    tag: TagKey
    feasibility: Annotated[int, Field(ge=1, le=5, description="1 hard to fix – 5 easy")]


@router.get(
    "",
    summary="The frictions backlog, ranked by expected impact × volume × feasibility",
    description=DESCRIPTION,
)
def get_backlog(
    ws: WorkspaceDep,
    factory: FactoryDep,
    weeks: Annotated[
        int, Query(ge=1, le=service.MAX_WEEKS, description="How many weeks back, today included")
    ] = service.DEFAULT_WEEKS,
) -> dict[str, Any]:
    return service.backlog(factory, ws, weeks=weeks)


@router.put(
    "/feasibility",
    summary="Set how feasible fixing a friction is (1 hard – 5 easy)",
    responses={404: {"description": "Unknown touchpoint or tag"}},
)
def put_feasibility(body: FeasibilityIn, ws: WorkspaceDep, factory: FactoryDep) -> dict[str, Any]:
    return service.set_feasibility(factory, ws, body.touchpoint, body.tag, body.feasibility)
