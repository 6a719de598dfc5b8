"""Verbatims: ``/v1/verbatims`` (search, filter, correct tags, re-tag)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from fluide.api.deps import FactoryDep, WorkspaceDep
from fluide.api.params import FromQuery, ToQuery
from fluide.services import verbatims as service
from fluide.services.tags import TAG_KEY
from fluide.services.verbatims import RetagIn, TagsIn

router = APIRouter(prefix="/v1/verbatims", tags=["verbatims"])
IdPath = Path(min_length=1, max_length=40, description="The answer's id, e.g. rsp_…")

DESCRIPTION = """
The comments customers wrote, newest first, each with its answer (`score`,
`effort_index` 0–100, `touchpoint`, `channel`, `outcome`, `responded_at` in
the workspace's time zone) and its `tags`: `{"key", "source", "confidence"}`
where `source` is `model`, `rule` (a keyword matched) or `human` (a person's
correction, confidence 1). `tagging` is `pending` until the worker has tagged
the comment, `rules` when only the keyword rules could tag it (the model was
loading or could not load; the model tags it again once a worker has it), then
`done`.

`q` finds a text anywhere in the comment, ignoring case and accents. `tag`
(a merged tag's key finds where it went), `touchpoint`, `score` /
`min_score` / `max_score` (raw score on the answer's scale), `from` / `to`
(inclusive local dates) and `untagged=true` filter. Pages: `limit` (1–500)
and the `next_cursor` of the previous page. `format=csv` gives the page as
CSV (tags joined by `|`).
"""


@router.get("", summary="Search and filter the verbatims, with their tags", description=DESCRIPTION)
def list_verbatims(
    ws: WorkspaceDep,
    factory: FactoryDep,
    q: Annotated[str | None, Query(max_length=200, description="Text to find")] = None,
    tag: Annotated[str | None, Query(pattern=TAG_KEY, description="Only this tag")] = None,
    touchpoint: Annotated[
        str | None,
        Query(pattern=r"^[a-z0-9][a-z0-9_\-]{0,99}$", description="Only this touchpoint"),
    ] = None,
    score: Annotated[int | None, Query(ge=0, le=10, description="Only this score")] = None,
    min_score: Annotated[int | None, Query(ge=0, le=10)] = None,
    max_score: Annotated[int | None, Query(ge=0, le=10)] = None,
    start: FromQuery = None,
    end: ToQuery = None,
    untagged: Annotated[
        bool | None, Query(description="true: without any tag; false: with one at least")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=service.MAX_LIMIT)] = service.DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=200, description="next_cursor")] = None,
    fmt: Annotated[Literal["json", "csv"], Query(alias="format")] = "json",
) -> Any:
    query = service.VerbatimQuery(
        q, tag, touchpoint, score, min_score, max_score, start, end, untagged
    )
    page = service.list_verbatims(factory, ws, query, limit=limit, cursor=cursor)
    if fmt == "csv":
        headers = {"Content-Disposition": 'attachment; filename="verbatims.csv"'}
        if page["next_cursor"]:
            headers["X-Next-Cursor"] = page["next_cursor"]
        return Response(service.to_csv(page), media_type="text/csv; charset=utf-8", headers=headers)
    return page


@router.get("/{response_id}", summary="One verbatim with its tags")
def get(ws: WorkspaceDep, factory: FactoryDep, response_id: str = IdPath) -> dict[str, Any]:
    return service.get_verbatim(factory, ws, response_id)


@router.put(
    "/{response_id}/tags",
    summary="Correct a verbatim's tags (a person's tags win, and teach the tagger)",
    description=(
        "`tags`: 0 to 3 keys of existing tags (`[]`: no tag fits). They replace the "
        "verbatim's tags with source `human`, are never overwritten by the worker, and become "
        "a training example: the workspace's machine-tagged verbatims are re-tagged with "
        "what the tagger learnt."
    ),
)
def correct(
    body: TagsIn, ws: WorkspaceDep, factory: FactoryDep, response_id: str = IdPath
) -> dict[str, Any]:
    return service.correct(factory, ws, response_id, body.tags)


@router.post(
    "/retag",
    summary="Queue verbatims for tagging again, by ids or by filter",
    description=(
        '`{"ids": [...]}` or `{"filter": {...}}` with the filters of `GET /v1/verbatims` '
        "(`{}`: every verbatim). Verbatims a person tagged keep their tags (`kept_human`)."
    ),
)
def retag(body: RetagIn, ws: WorkspaceDep, factory: FactoryDep) -> dict[str, Any]:
    return service.retag(factory, ws, body)
