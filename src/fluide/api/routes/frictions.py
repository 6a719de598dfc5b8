"""The week's top frictions: ``GET /v1/frictions``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from fluide.api.deps import FactoryDep, WorkspaceDep
from fluide.services import frictions as service

router = APIRouter(prefix="/v1/frictions", tags=["verbatims"])

DESCRIPTION = """
The top frictions of one ISO week: the friction tags whose answers cost the
most effort, ranked by **volume × effort gap** (how many answers of the week
carry the tag, times how much higher their effort index is than their
touchpoint's mean that week). Each friction: `tag`, `names`, `volume`,
`share` (of the week's comments), `mean_effort_index`, `effort_gap`, `score`,
`rank`, `previous` (the same tag the week before) and `change`,
`small_sample`, three representative `verbatims` and `also_tags`.

Only tags seen in **3 comments or more** that week are ranked, and tags
carried by exactly the same answers are one friction (the first by key; the
others in `also_tags`): one comment cannot fill the top.

`week` defaults to the **current ISO week in the workspace's time zone**.
Without `touchpoint`, `frictions` is workspace-wide and `by_touchpoint` gives
each touchpoint's top frictions. `pending` counts the week's comments still
waiting for the tagging worker. `tagger` says what the tags come from:
`model`, `loading` (the worker is loading the model: keyword rules tag
meanwhile, and the model tags again once ready) or `rules` (the model could
not be loaded). Same computation as `fluide analyze`'s `frictions`.
"""


@router.get(
    "",
    summary="The week's top 3 frictions, workspace-wide or for one touchpoint",
    description=DESCRIPTION,
    responses={404: {"description": "Unknown touchpoint"}},
)
def get_frictions(
    ws: WorkspaceDep,
    factory: FactoryDep,
    touchpoint: Annotated[
        str | None,
        Query(pattern=r"^[a-z0-9][a-z0-9_\-]{0,99}$", description="Only this touchpoint"),
    ] = None,
    week: Annotated[
        str | None,
        Query(max_length=8, description="ISO week, e.g. 2026-W47; default the current one"),
    ] = None,
    top: Annotated[int, Query(ge=1, le=20, description="How many frictions")] = 3,
) -> dict[str, Any]:
    return service.frictions(factory, ws, touchpoint=touchpoint, week=week, top=top)
