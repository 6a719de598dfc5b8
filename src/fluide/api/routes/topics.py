"""Emerging topics: ``/v1/topics`` (list, refresh, accept as a tag, dismiss)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status

from fluide.api.deps import FactoryDep, WorkspaceDep
from fluide.services import topics as service
from fluide.services.topics import AcceptIn, TopicStatus

router = APIRouter(prefix="/v1/topics", tags=["verbatims"])
IdPath = Path(min_length=1, max_length=40, description="The topic's id, e.g. top_…")


@router.get(
    "",
    summary="Emerging topics: groups of recent comments no tag covers",
    description=(
        "Each topic: `id`, `label` (its most distinctive words), `words`, `suggested_key`, "
        "`size`, `mean_effort_index`, three representative `verbatims`, `member_ids`, "
        "`status` (open, accepted, dismissed) and `tag` once accepted, with `tagging`: how "
        "many of its `members` carry the tag (`tagged`) and how many comments outside it got "
        "the tag since (`matched_later`). `refreshing` is true while the worker computes the "
        "topics asked for at `requested_at`."
    ),
)
def list_topics(
    ws: WorkspaceDep,
    factory: FactoryDep,
    status_: Annotated[
        TopicStatus, Query(alias="status", description="open (default), accepted, dismissed, all")
    ] = "open",
) -> dict[str, Any]:
    return service.list_topics(factory, ws.id, status_)


@router.post(
    "/refresh",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Ask the worker to compute the topics of the last 8 weeks again",
)
def refresh(ws: WorkspaceDep, factory: FactoryDep) -> dict[str, Any]:
    return service.request_refresh(factory, ws.id)


@router.post(
    "/{topic_id}/accept",
    summary="Make the topic a tag, given to every comment of the topic; others re-tagged",
    description=(
        "The new tag goes to every member at once, as a person's decision (their other tags "
        "kept); they teach the tagger, which gives the tag to comments like them. Adds "
        "`members`, `tagged_before` and `tagged_after` to `topic`, `tag` and `pending`."
    ),
    responses={409: {"description": "The key is taken, or the topic was already decided"}},
)
def accept(
    ws: WorkspaceDep,
    factory: FactoryDep,
    body: AcceptIn | None = None,
    topic_id: str = IdPath,
) -> dict[str, Any]:
    return service.accept(factory, ws.id, topic_id, body or AcceptIn())


@router.post("/{topic_id}/dismiss", summary="Not worth a tag: dismiss the topic")
def dismiss(ws: WorkspaceDep, factory: FactoryDep, topic_id: str = IdPath) -> dict[str, Any]:
    return service.dismiss(factory, ws.id, topic_id)
