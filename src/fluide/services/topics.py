"""Emerging topics: what customers write about that no tag names yet.

``POST /v1/topics/refresh`` asks the worker to cluster the last eight weeks'
comments that no tag covers well (:mod:`fluide.jobs.topics`); ``GET
/v1/topics`` shows the open ones. Accepting a topic is one action: a new tag,
taught by the topic's representative comments, and every machine-tagged
verbatim (the topic's members included) queued for tagging again.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from fluide.api.schemas import Input
from fluide.services.errors import ServiceError, not_found
from fluide.services.tags import (
    TagKey,
    TagNames,
    ensure_seeded,
    insert_tag,
    names_of,
    tag_detail,
    tag_exists,
)
from fluide.storage import tags as store
from fluide.storage import topics as topic_store
from fluide.storage import verbatim_queue as queue_store
from fluide.storage import verbatims as verbatim_store
from fluide.storage.db import write_session
from fluide.storage.models import Topic
from fluide.storage.types import utcnow

TopicStatus = Literal["open", "accepted", "dismissed", "all"]
EXAMPLES = 5


class AcceptIn(Input):
    """The new tag's key and names; by default the topic's suggested key and label."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"key": "delivery", "names": {"fr": "Livraison", "en": "Delivery"}}]
        },
    )
    key: TagKey | None = None
    names: TagNames | None = None


def _json(t: Topic, comments: dict[str, str]) -> dict[str, Any]:
    return {
        "id": t.id,
        "label": t.label,
        "words": t.words,
        "suggested_key": t.suggested_key,
        "size": t.size,
        "mean_effort_index": t.mean_effort_index,
        "verbatims": [
            {"id": rid, "comment": comments[rid]} for rid in t.representative_ids if rid in comments
        ],
        "member_ids": t.member_ids,
        "status": t.status,
        "tag": t.tag_key,
        "computed_at": t.computed_at.isoformat(),
        "decided_at": t.decided_at.isoformat() if t.decided_at else None,
    }


def _comments(s: Session, ws: str, topics: list[Topic]) -> dict[str, str]:
    return verbatim_store.comments_of(s, ws, [rid for t in topics for rid in t.representative_ids])


def _no_topic(topic_id: str) -> ServiceError:
    return not_found("No topic %(value)s in this workspace.", topic_id)


def list_topics(
    factory: sessionmaker[Session], ws: str, status: TopicStatus = "open"
) -> dict[str, Any]:
    """The workspace's topics (open ones by default), largest first, and when computed."""
    ensure_seeded(factory, ws)
    with factory() as s:
        rows = topic_store.topics(s, ws, None if status == "all" else status)
        comments = _comments(s, ws, rows)
        state = store.tagger_state(s, ws)
    requested = state.topics_requested_at if state else None
    computed = state.topics_computed_at if state else None
    return {
        "topics": [_json(t, comments) for t in rows],
        "requested_at": requested.isoformat() if requested else None,
        "computed_at": computed.isoformat() if computed else None,
        "refreshing": requested is not None and (computed is None or computed < requested),
    }


def request_refresh(factory: sessionmaker[Session], ws: str) -> dict[str, Any]:
    """Ask the worker to compute the topics again (it answers at once: 202)."""
    ensure_seeded(factory, ws)
    with write_session(factory) as s:
        topic_store.request_topics(s, ws)
        state = store.tagger_state(s, ws)
        assert state is not None and state.topics_requested_at is not None
        return {"status": "queued", "requested_at": state.topics_requested_at.isoformat()}


def accept(
    factory: sessionmaker[Session], ws: str, topic_id: str, body: AcceptIn
) -> dict[str, Any]:
    """One action: the topic becomes a tag, taught by its comments; verbatims are re-tagged."""
    ensure_seeded(factory, ws)
    key = body.key or ""
    try:
        with write_session(factory) as s:
            t = topic_store.topic(s, ws, topic_id)
            if t is None:
                raise _no_topic(topic_id)
            if t.status != "open":
                raise _decided(t)
            key = body.key or t.suggested_key
            label = t.label[:1].upper() + t.label[1:100]
            names = names_of(body.names) if body.names else {"fr": label, "en": label}
            ids = t.representative_ids or t.member_ids[:EXAMPLES]
            examples = [c for c in verbatim_store.comments_of(s, ws, ids).values() if c.strip()]
            if not examples:
                examples = [t.label]
            tag = insert_tag(s, ws, key, names, {}, [], examples[:EXAMPLES], f"topic:{t.id}")
            t.status, t.tag_key, t.decided_at = "accepted", key, utcnow()
            s.flush()
            return {
                "topic": _json(t, _comments(s, ws, [t])),
                "tag": tag_detail(s, ws, tag),
                "pending": queue_store.pending_count(s, ws),
            }
    except IntegrityError:
        raise tag_exists(key) from None


def dismiss(factory: sessionmaker[Session], ws: str, topic_id: str) -> dict[str, Any]:
    """Not a friction worth a tag: the topic is kept as dismissed and not suggested again."""
    with write_session(factory) as s:
        t = topic_store.topic(s, ws, topic_id)
        if t is None:
            raise _no_topic(topic_id)
        if t.status != "open":
            raise _decided(t)
        t.status, t.decided_at = "dismissed", utcnow()
        s.flush()
        return _json(t, _comments(s, ws, [t]))


def _decided(t: Topic) -> ServiceError:
    if t.status == "accepted":
        return ServiceError(
            "topic_decided",
            "The topic %(id)s was already accepted (tag %(key)s).",
            status=409,
            id=t.id,
            key=t.tag_key,
        )
    return ServiceError(
        "topic_decided", "The topic %(id)s was already dismissed.", status=409, id=t.id
    )
