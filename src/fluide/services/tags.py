"""Friction tags of a workspace: list, create, rename, merge, teach with examples.

A workspace starts with the default tags (:data:`~fluide.domain.taxonomy.DEFAULT_TAXONOMY`),
seeded the first time they are needed. Every change that can move the
tagger's predictions (a new tag, new keywords, new examples, a merge) bumps
the workspace's tagger version and queues its machine-tagged verbatims again,
so the worker re-tags them (from their stored embeddings: fast). Renaming
keeps the key, so nothing is re-tagged and history stays.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import ConfigDict, Field, StringConstraints
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from fluide.domain.taxonomy import DEFAULT_TAXONOMY
from fluide.i18n import N_
from fluide.inputs.requests import Input
from fluide.services.errors import ServiceError, invalid, not_found, patch_changes
from fluide.storage import tags as store
from fluide.storage import verbatim_queue as queue_store
from fluide.storage.db import write_session
from fluide.storage.models import Tag
from fluide.storage.types import new_id, utcnow
from fluide.tagging import keywords as keyword_rules

TAG_KEY = r"^[a-z][a-z0-9_]{0,39}$"
TagKey = Annotated[str, StringConstraints(pattern=TAG_KEY)]
TagName = Annotated[str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True)]
Definition = Annotated[str, StringConstraints(max_length=500, strip_whitespace=True)]
ExampleText = Annotated[str, StringConstraints(min_length=1, max_length=500, strip_whitespace=True)]
Keyword = Annotated[
    str, StringConstraints(min_length=1, max_length=keyword_rules.MAX_KEYWORD_CHARS)
]
Keywords = Annotated[list[Keyword], Field(max_length=keyword_rules.MAX_KEYWORDS)]
MAX_EXAMPLES = 50


class TagNames(Input):
    """A tag's name in French (required) and English (French when absent)."""

    fr: TagName
    en: TagName | None = None


class TagDefinitions(Input):
    fr: Definition | None = None
    en: Definition | None = None


class TagIn(Input):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "key": "delivery",
                    "names": {"fr": "Livraison", "en": "Delivery"},
                    "definitions": {
                        "fr": "Recevoir sa commande : retard, colis perdu, livreur.",
                        "en": "Receiving an order: late, lost parcel, courier.",
                    },
                    "examples": [
                        "Le colis n'est jamais arrivé",
                        "Le livreur a laissé le paquet devant la porte",
                    ],
                    "keywords": [r"\b(colis|livr\w*)\b"],
                }
            ]
        },
    )
    key: TagKey
    names: TagNames
    definitions: TagDefinitions | None = None
    examples: Annotated[list[ExampleText], Field(min_length=1, max_length=MAX_EXAMPLES)]
    keywords: Annotated[Keywords, Field(default_factory=list)]


class TagPatch(Input):
    """Rename (the key stays), reword the definitions, or change the keyword rules."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"names": {"fr": "Règlement", "en": "Payment"}}]},
    )
    names: TagNames | None = None
    definitions: TagDefinitions | None = None
    keywords: Keywords | None = None


class MergeIn(Input):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"into": "payment"}]})
    into: TagKey


class ExamplesIn(Input):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"examples": ["Prélevé deux fois ce mois-ci"]}]},
    )
    examples: Annotated[list[ExampleText], Field(min_length=1, max_length=MAX_EXAMPLES)]


# --- Helpers --------------------------------------------------------------------------------


def ensure_seeded(factory: sessionmaker[Session], ws: str) -> int:
    """The workspace's tagger version; its default tags are seeded first if it has none."""
    with factory() as s:
        state = store.tagger_state(s, ws)
        if state is not None:
            return int(state.version)
    with write_session(factory) as s:
        store.seed(s, ws, DEFAULT_TAXONOMY)
        state = store.tagger_state(s, ws)
        assert state is not None
        return int(state.version)


def unknown_tag(key: str) -> ServiceError:
    return not_found("No tag %(value)s in this workspace.", key)


def _merged(tag: Tag) -> ServiceError:
    return ServiceError(
        "tag_merged",
        "The tag %(key)s was merged into %(into)s: change %(into)s instead.",
        status=409,
        key=tag.key,
        into=tag.merged_into,
    )


def tag_exists(key: str) -> ServiceError:
    return ServiceError("tag_exists", "A tag with key %(key)s already exists.", status=409, key=key)


def check_keywords(keywords: list[str]) -> list[str]:
    """Keyword rules are RE2 patterns on the normalised text, within their limits."""
    try:
        keyword_rules.check_keywords(keywords)
    except keyword_rules.KeywordError as exc:
        field = "keywords" if exc.index is None else f"keywords.{exc.index}"
        raise invalid(field, exc.message, **exc.params) from None
    return keywords


def names_of(names: TagNames) -> dict[str, str]:
    return {"fr": names.fr, "en": names.en or names.fr}


def definitions_of(
    d: TagDefinitions | None, before: dict[str, str] | None = None
) -> dict[str, str]:
    out = dict(before or {})
    if d is not None:
        for lang in ("fr", "en"):
            value = getattr(d, lang)
            if value is not None:
                out[lang] = value
    return out


def tag_json(t: Tag, usage: dict[str, int], examples: dict[str, int]) -> dict[str, Any]:
    return {
        "key": t.key,
        "names": t.names,
        "definitions": t.definitions or {},
        "keywords": t.keywords or [],
        "active": t.active,
        "merged_into": t.merged_into,
        "verbatims": usage.get(t.key, 0),
        "examples": examples.get(t.key, 0),
        "created_at": t.created_at.isoformat(),
        "updated_at": t.updated_at.isoformat(),
    }


def _example_counts(s: Session, ws: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for ex in store.examples(s, ws):
        for k in ex.tags:
            counts[k] = counts.get(k, 0) + 1
    return counts


def tag_detail(s: Session, ws: str, t: Tag) -> dict[str, Any]:
    return tag_json(t, store.tag_usage(s, ws), _example_counts(s, ws))


def _changed_tagger(s: Session, ws: str) -> int:
    """The taxonomy changed: a new tagger version, and machine tags to redo."""
    version = store.bump_version(s, ws)
    queue_store.mark_stale(s, ws)
    return version


def resolve(tags_by_key: dict[str, Tag], key: str) -> Tag | None:
    """The tag ``key`` names, following merges to where it went."""
    tag = tags_by_key.get(key)
    seen = set()
    while tag is not None and tag.merged_into and tag.key not in seen:
        seen.add(tag.key)
        tag = tags_by_key.get(tag.merged_into)
    return tag


# --- Use cases ------------------------------------------------------------------------------


def list_tags(factory: sessionmaker[Session], ws: str) -> dict[str, Any]:
    """Every tag, merged ones too (inactive, with ``merged_into``), and the tagger version."""
    version = ensure_seeded(factory, ws)
    with factory() as s:
        usage = store.tag_usage(s, ws)
        examples = _example_counts(s, ws)
        rows = store.tags(s, ws)
    return {"tags": [tag_json(t, usage, examples) for t in rows], "tagger_version": version}


def get_tag(factory: sessionmaker[Session], ws: str, key: str) -> dict[str, Any]:
    """One tag with its example phrases."""
    ensure_seeded(factory, ws)
    with factory() as s:
        t = store.tag_by_key(s, ws, key)
        if t is None:
            raise unknown_tag(key)
        out = tag_detail(s, ws, t)
        out["example_texts"] = [
            {
                "text": ex.text,
                "tags": ex.tags,
                "human": ex.human,
                "created_by": ex.created_by,
                "created_at": ex.created_at.isoformat(),
            }
            for ex in store.examples(s, ws)
            if key in ex.tags
        ]
    return out


def insert_tag(
    s: Session,
    ws: str,
    key: str,
    names: dict[str, str],
    definitions: dict[str, str],
    keywords: list[str],
    examples: Sequence[str],
    created_by: str,
) -> Tag:
    """Add a tag and its examples in the caller's transaction; the tagger must learn it."""
    if store.tag_by_key(s, ws, key) is not None:
        raise tag_exists(key)
    now = utcnow()
    t = Tag(
        id=new_id("tag"),
        workspace_id=ws,
        key=key,
        names=names,
        definitions=definitions,
        keywords=keywords,
        position=store.next_position(s, ws),
        active=True,
        created_at=now,
        updated_at=now,
    )
    s.add(t)
    s.flush()
    for text in dict.fromkeys(examples):
        store.add_example(s, ws, text, [key], created_by)
    _changed_tagger(s, ws)
    return t


def create_tag(factory: sessionmaker[Session], ws: str, body: TagIn) -> dict[str, Any]:
    """A new tag, taught by its examples; machine-tagged verbatims are queued again."""
    keywords = check_keywords(list(body.keywords))
    ensure_seeded(factory, ws)
    try:
        with write_session(factory) as s:
            t = insert_tag(
                s,
                ws,
                body.key,
                names_of(body.names),
                definitions_of(body.definitions),
                keywords,
                body.examples,
                "api",
            )
            return tag_detail(s, ws, t)
    except IntegrityError:
        raise tag_exists(body.key) from None


def update_tag(
    factory: sessionmaker[Session], ws: str, key: str, patch: TagPatch
) -> dict[str, Any]:
    """Rename a tag (its key and history stay), reword it, or change its keywords."""
    patch_changes(patch)
    keywords = check_keywords(list(patch.keywords)) if patch.keywords is not None else None
    ensure_seeded(factory, ws)
    with write_session(factory) as s:
        t = store.tag_by_key(s, ws, key)
        if t is None:
            raise unknown_tag(key)
        if t.merged_into:
            raise _merged(t)
        if patch.names is not None:
            t.names = names_of(patch.names)
        if patch.definitions is not None:
            t.definitions = definitions_of(patch.definitions, t.definitions)
        retag = keywords is not None and keywords != list(t.keywords or [])
        if keywords is not None:
            t.keywords = keywords
        t.updated_at = utcnow()
        s.flush()
        if retag:
            _changed_tagger(s, ws)
        return tag_detail(s, ws, t)


def merge_tag(factory: sessionmaker[Session], ws: str, key: str, into: str) -> dict[str, Any]:
    """Merge ``key`` into ``into``: verbatims and examples move; ``key`` stays as a record."""
    if key == into:
        raise invalid("into", N_("A tag cannot be merged into itself (%(value)s)."), value=into)
    ensure_seeded(factory, ws)
    with write_session(factory) as s:
        source = store.tag_by_key(s, ws, key)
        if source is None:
            raise unknown_tag(key)
        if source.merged_into:
            raise _merged(source)
        target = store.tag_by_key(s, ws, into)
        if target is None:
            raise unknown_tag(into)
        if target.merged_into:
            raise _merged(target)
        moved = store.merge(s, ws, source, target)
        _changed_tagger(s, ws)
        out = tag_detail(s, ws, target)
        out["merged"] = {"key": source.key, "verbatims_moved": moved}
        return out


def add_examples(
    factory: sessionmaker[Session], ws: str, key: str, body: ExamplesIn
) -> dict[str, Any]:
    """Teach a tag with more example phrases; machine-tagged verbatims are queued again."""
    ensure_seeded(factory, ws)
    with write_session(factory) as s:
        t = store.tag_by_key(s, ws, key)
        if t is None:
            raise unknown_tag(key)
        if t.merged_into:
            raise _merged(t)
        known = {ex.text for ex in store.examples(s, ws) if key in ex.tags}
        for text in dict.fromkeys(body.examples):
            if text not in known:
                store.add_example(s, ws, text, [key], "api")
        _changed_tagger(s, ws)
        return tag_detail(s, ws, t)
