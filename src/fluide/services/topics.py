"""Emerging topics: what customers write about that no tag names yet.

``POST /v1/topics/refresh`` asks the worker to cluster the last eight weeks'
comments that no tag covers well (:mod:`fluide.jobs.topics`); ``GET
/v1/topics`` shows the open ones. Accepting a topic is one action: a new tag,
given at once to **every comment the topic showed** as a person's decision
(what the CSM accepted: the same as adding the tag to each of them by hand,
their other tags kept), and every other machine-tagged verbatim queued for
tagging again. The members, as corrections, teach the tagger the new tag, so
comments that come later and say the same get it from the tagger, like any
other tag (its thresholds, its neighbours, later corrections included).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from fluide.domain.taxonomy import MAX_TAGS
from fluide.inputs.requests import Input
from fluide.services.errors import ServiceError, not_found
from fluide.services.tags import (
    TagKey,
    TagNames,
    ensure_seeded,
    insert_tag,
    names_of,
    resolve,
    tag_detail,
    tag_exists,
)
from fluide.storage import tags as store
from fluide.storage import topics as topic_store
from fluide.storage import verbatim_queue as queue_store
from fluide.storage import verbatims as verbatim_store
from fluide.storage.db import write_session
from fluide.storage.models import Tag, Topic
from fluide.storage.types import utcnow

TopicStatus = Literal["open", "accepted", "dismissed", "all"]


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


def _tagging(s: Session, ws: str, t: Topic, tags: dict[str, Tag]) -> dict[str, Any] | None:
    """An accepted topic's reach: its members carrying the tag, and the comments matched later.

    The tag is followed where it was merged; every comment outside the topic that
    carries it got it after the acceptance (the tag did not exist before).
    """
    if t.status != "accepted" or not t.tag_key:
        return None
    tag = resolve(tags, t.tag_key)
    key = tag.key if tag is not None else t.tag_key
    tagged, total = topic_store.tag_reach(s, ws, key, t.member_ids)
    return {
        "tag": key,
        "members": len(t.member_ids),
        "tagged": tagged,
        "matched_later": total - tagged,
    }


def _json(
    t: Topic, comments: dict[str, str], tagging: dict[str, Any] | None = None
) -> dict[str, Any]:
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
        "tagging": tagging,
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
        tags = {tag.key: tag for tag in store.tags(s, ws)}
        reach = {t.id: _tagging(s, ws, t, tags) for t in rows}
    requested = state.topics_requested_at if state else None
    computed = state.topics_computed_at if state else None
    return {
        "topics": [_json(t, comments, reach[t.id]) for t in rows],
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


def _tag_members(s: Session, ws: str, key: str, member_ids: list[str]) -> int:
    """Give ``key`` to every member as a person's tags (their other tags kept); how many
    carried it before.

    Like adding a tag by hand (:mod:`fluide.services.verbatim_bulk`), each member
    becomes a correction: its tags are never overwritten by the worker and teach the
    tagger. A member already carrying the most tags a verbatim may have loses its
    least confident one: the CSM's decision outweighs the machine's weakest guess.
    """
    current = verbatim_store.tags_of(s, ws, member_ids)
    texts = verbatim_store.comments_of(s, ws, member_ids)
    states = queue_store.states_of(s, ws, member_ids)
    state = store.tagger_state(s, ws)
    version = int(state.version) if state is not None else 0
    before = 0
    for rid in dict.fromkeys(member_ids):
        if rid not in texts or rid not in states:
            continue  # erased since the topic was computed
        keys = [k for k in dict.fromkeys(k for k, _, _ in current.get(rid, [])) if k != key]
        before += len(keys) < len(current.get(rid, []))
        wanted = [*keys[: MAX_TAGS - 1], key]
        queue_store.set_human_tags(s, ws, rid, wanted, version)
        store.record_correction(s, ws, rid, texts[rid], wanted)
    return before


def accept(
    factory: sessionmaker[Session], ws: str, topic_id: str, body: AcceptIn
) -> dict[str, Any]:
    """One action: the topic becomes a tag, every member carries it, the others are re-tagged.

    ``members``: the topic's comments; ``tagged_before`` / ``tagged_after``: how many
    of them carried the tag before and after.
    """
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
            if store.tag_by_key(s, ws, key) is not None:
                raise tag_exists(key)
            label = t.label[:1].upper() + t.label[1:100]
            names = names_of(body.names) if body.names else {"fr": label, "en": label}
            # Members first: as corrections they are not queued again by the new tag.
            before = _tag_members(s, ws, key, list(t.member_ids))
            tag = insert_tag(s, ws, key, names, {}, [], [], f"topic:{t.id}")
            t.status, t.tag_key, t.decided_at = "accepted", key, utcnow()
            s.flush()
            tags = {row.key: row for row in store.tags(s, ws)}
            tagging = _tagging(s, ws, t, tags)
            assert tagging is not None
            return {
                "topic": _json(t, _comments(s, ws, [t]), tagging),
                "tag": tag_detail(s, ws, tag),
                "pending": queue_store.pending_count(s, ws),
                "members": tagging["members"],
                "tagged_before": before,
                "tagged_after": tagging["tagged"],
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
