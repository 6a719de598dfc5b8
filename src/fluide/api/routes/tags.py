"""Friction tags: ``/v1/tags`` (list, create, rename, merge, teach with examples)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, status

from fluide.api.deps import FactoryDep, WorkspaceDep
from fluide.services import tags as service
from fluide.services.tags import TAG_KEY, ExamplesIn, MergeIn, TagIn, TagPatch

router = APIRouter(prefix="/v1/tags", tags=["verbatims"])
KeyPath = Path(pattern=TAG_KEY, description="The tag's key, e.g. payment")


@router.get(
    "",
    summary="Every friction tag, merged ones too (inactive, with merged_into)",
    description=(
        "A workspace starts with the default tags (payment, login, onboarding, delay, "
        "info_not_found, recontact, outage). Each tag: `key`, `names` and `definitions` "
        "(fr, en), `keywords` (RE2 regular expressions on the text lower-cased without accents: "
        "no backreference or lookaround; `\\w` and `\\b` are ASCII; at most 20 of 1,000 "
        "characters, 4,000 together), "
        "`active`, `merged_into` (where a merged tag went), `verbatims` (how many carry it), "
        "`examples` (how many phrases teach it). `tagger_version` moves on with every change "
        "the tagger learns from."
    ),
)
def list_tags(ws: WorkspaceDep, factory: FactoryDep) -> dict[str, Any]:
    return service.list_tags(factory, ws.id)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create a tag, taught by at least one example phrase",
    responses={409: {"description": "A tag with this key exists (tag_exists)"}},
)
def create(body: TagIn, ws: WorkspaceDep, factory: FactoryDep) -> dict[str, Any]:
    return service.create_tag(factory, ws.id, body)


@router.get("/{key}", summary="One tag, with its example phrases")
def get(ws: WorkspaceDep, factory: FactoryDep, key: str = KeyPath) -> dict[str, Any]:
    return service.get_tag(factory, ws.id, key)


@router.patch(
    "/{key}",
    summary="Rename a tag (its key and history stay), reword it, change its keywords",
)
def patch(
    body: TagPatch, ws: WorkspaceDep, factory: FactoryDep, key: str = KeyPath
) -> dict[str, Any]:
    return service.update_tag(factory, ws.id, key, body)


@router.post(
    "/{key}/merge",
    summary="Merge this tag into another: its verbatims and examples move there",
    description=(
        "The merged tag stays listed, inactive, with `merged_into`, so its history can be "
        "followed. Machine-tagged verbatims are re-tagged by the worker."
    ),
)
def merge(
    body: MergeIn, ws: WorkspaceDep, factory: FactoryDep, key: str = KeyPath
) -> dict[str, Any]:
    return service.merge_tag(factory, ws.id, key, body.into)


@router.post(
    "/{key}/examples",
    summary="Teach a tag with more example phrases",
)
def add_examples(
    body: ExamplesIn, ws: WorkspaceDep, factory: FactoryDep, key: str = KeyPath
) -> dict[str, Any]:
    return service.add_examples(factory, ws.id, key, body)
