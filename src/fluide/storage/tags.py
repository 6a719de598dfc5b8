"""Queries of verbatims: friction tags, their examples, tagging state, topics.

Every function takes the workspace and filters on it. The tagging queue is
the ``verbatim_states`` table: a comment waiting for (re-)tagging is a
``pending`` row, found by one indexed query; every change of a row bumps its
``revision``, so a worker stores its tags only if nothing changed while it
was predicting (a correction, a new taxonomy, a new comment).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVarTuple

from sqlalchemy import (
    CursorResult,
    Select,
    and_,
    delete,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from fluide.domain.taxonomy import Taxonomy
from fluide.storage.models import (
    QuestionVersion,
    Response,
    ResponseTag,
    Tag,
    TagExample,
    TaggerState,
    Topic,
    Touchpoint,
    VerbatimState,
)
from fluide.storage.types import new_id, utcnow

Ts = TypeVarTuple("Ts")
PENDING, DONE = "pending", "done"
WAKE = "fluide.tagging"
"""``Session.info`` key set when a transaction leaves work for the tagging worker."""


def _changed(result: object) -> int:
    assert isinstance(result, CursorResult)
    return int(result.rowcount)


def _wake(s: Session) -> None:
    s.info[WAKE] = True


# --- Tagger state and the workspace's tags -------------------------------------------------


def tagger_state(s: Session, ws: str) -> TaggerState | None:
    return s.get(TaggerState, ws, populate_existing=True)


def seed(s: Session, ws: str, taxonomy: Taxonomy) -> bool:
    """Give the workspace ``taxonomy`` (tags and example phrases) unless it has its tags.

    Safe when two transactions try at once: the tagger state row is inserted
    with ``ON CONFLICT DO NOTHING`` first, and only its inserter seeds.
    """
    dialect = s.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    now = utcnow()
    inserted = s.execute(
        insert(TaggerState)
        .values(workspace_id=ws, version=1, updated_at=now)
        .on_conflict_do_nothing(index_elements=["workspace_id"])
        .returning(TaggerState.workspace_id)
    ).first()
    if inserted is None:
        return False
    for i, t in enumerate(taxonomy.tags):
        s.add(
            Tag(
                id=new_id("tag"),
                workspace_id=ws,
                key=t.key,
                names=dict(t.names),
                definitions=dict(t.definitions),
                keywords=list(t.keywords),
                position=i,
                active=True,
                created_at=now,
                updated_at=now,
            )
        )
        for text in t.examples:
            s.add(
                TagExample(
                    id=new_id("tex"),
                    workspace_id=ws,
                    text=text,
                    tags=[t.key],
                    human=False,
                    created_at=now,
                    created_by="default",
                )
            )
    for text in taxonomy.none_examples:  # phrases that teach when to say nothing
        s.add(
            TagExample(
                id=new_id("tex"),
                workspace_id=ws,
                text=text,
                tags=[],
                human=False,
                created_at=now,
                created_by="default",
            )
        )
    s.flush()
    return True


def bump_version(s: Session, ws: str) -> int:
    """The workspace's tagger version, plus one (every taxonomy change or correction)."""
    s.execute(
        update(TaggerState)
        .where(TaggerState.workspace_id == ws)
        .values(version=TaggerState.version + 1, updated_at=utcnow())
    )
    version = s.execute(
        select(TaggerState.version).where(TaggerState.workspace_id == ws)
    ).scalar_one()
    return int(version)


def tags(s: Session, ws: str) -> list[Tag]:
    """Every tag, merged ones included, in display order."""
    return list(
        s.execute(
            select(Tag).where(Tag.workspace_id == ws).order_by(Tag.position, Tag.key)
        ).scalars()
    )


def tag_by_key(s: Session, ws: str, key: str) -> Tag | None:
    return s.execute(select(Tag).where(Tag.workspace_id == ws, Tag.key == key)).scalar_one_or_none()


def next_position(s: Session, ws: str) -> int:
    top = s.execute(select(func.max(Tag.position)).where(Tag.workspace_id == ws)).scalar()
    return 0 if top is None else int(top) + 1


def tag_usage(s: Session, ws: str) -> dict[str, int]:
    """How many verbatims carry each tag."""
    rows = s.execute(
        select(ResponseTag.tag, func.count())
        .where(ResponseTag.workspace_id == ws)
        .group_by(ResponseTag.tag)
    ).all()
    return {str(k): int(n) for k, n in rows}


def examples(s: Session, ws: str) -> list[TagExample]:
    return list(
        s.execute(
            select(TagExample)
            .where(TagExample.workspace_id == ws)
            .order_by(TagExample.created_at, TagExample.id)
        ).scalars()
    )


def add_example(
    s: Session, ws: str, text: str, keys: Sequence[str], created_by: str | None
) -> TagExample:
    row = TagExample(
        id=new_id("tex"),
        workspace_id=ws,
        text=text,
        tags=list(dict.fromkeys(keys)),
        human=False,
        created_by=created_by,
        created_at=utcnow(),
    )
    s.add(row)
    s.flush()
    return row


def record_correction(
    s: Session, ws: str, response_id: str, text: str, keys: Sequence[str]
) -> None:
    """A person's tags for a verbatim, kept as a training example that wins on its text."""
    row = s.execute(
        select(TagExample).where(
            TagExample.workspace_id == ws, TagExample.response_id == response_id
        )
    ).scalar_one_or_none()
    if row is None:
        s.add(
            TagExample(
                id=new_id("tex"),
                workspace_id=ws,
                text=text,
                tags=list(keys),
                human=True,
                response_id=response_id,
                created_by="correction",
                created_at=utcnow(),
            )
        )
    else:
        row.text, row.tags, row.created_at = text, list(keys), utcnow()
    s.flush()


def merge(s: Session, ws: str, source: Tag, target: Tag) -> int:
    """Move ``source``'s verbatims and examples to ``target``; keep ``source`` as a record.

    Returns how many verbatims moved (those already carrying ``target`` just
    lose ``source``).
    """
    has_target = (
        select(ResponseTag.response_id)
        .where(ResponseTag.workspace_id == ws, ResponseTag.tag == target.key)
        .scalar_subquery()
    )
    s.execute(
        delete(ResponseTag).where(
            ResponseTag.workspace_id == ws,
            ResponseTag.tag == source.key,
            ResponseTag.response_id.in_(has_target),
        )
    )
    moved = _changed(
        s.execute(
            update(ResponseTag)
            .where(ResponseTag.workspace_id == ws, ResponseTag.tag == source.key)
            .values(tag=target.key)
        )
    )
    for ex in examples(s, ws):
        if source.key in ex.tags:
            ex.tags = list(dict.fromkeys(target.key if k == source.key else k for k in ex.tags))
    now = utcnow()
    # Tags merged into the source earlier now point where it went.
    s.execute(
        update(Tag)
        .where(Tag.workspace_id == ws, Tag.merged_into == source.key)
        .values(merged_into=target.key, updated_at=now)
    )
    source.active, source.merged_into, source.updated_at = False, target.key, now
    s.flush()
    return moved


# --- The tagging queue ----------------------------------------------------------------------


def mark_pending(s: Session, ws: str, response_id: str, responded_at: datetime, text: str) -> None:
    """Queue a comment for tagging (new, or changed: its old embedding is dropped)."""
    from fluide.domain.taxonomy import normalize

    state = s.get(VerbatimState, response_id)
    now = utcnow()
    if state is None:
        s.add(
            VerbatimState(
                response_id=response_id,
                workspace_id=ws,
                responded_at=responded_at,
                status=PENDING,
                search_text=normalize(text),
                human_tagged=False,
                revision=0,
                updated_at=now,
            )
        )
    else:
        assert state.workspace_id == ws
        state.status, state.search_text, state.embedding = PENDING, normalize(text), None
        state.max_score, state.revision, state.updated_at = None, state.revision + 1, now
        if state.human_tagged:  # the text changed: the person's tags were for the old one
            state.human_tagged = False
            s.execute(
                delete(TagExample).where(
                    TagExample.workspace_id == ws, TagExample.response_id == response_id
                )
            )
    s.flush()
    _wake(s)


def forget(s: Session, ws: str, response_id: str) -> None:
    """A comment was erased: its tags, state and correction go with it."""
    for model in (ResponseTag, TagExample):
        s.execute(delete(model).where(model.workspace_id == ws, model.response_id == response_id))
    s.execute(
        delete(VerbatimState).where(
            VerbatimState.workspace_id == ws, VerbatimState.response_id == response_id
        )
    )


def mark_stale(s: Session, ws: str) -> int:
    """Queue again every verbatim a person did not tag (the tagger changed)."""
    n = _changed(
        s.execute(
            update(VerbatimState)
            .where(VerbatimState.workspace_id == ws, VerbatimState.human_tagged.is_(False))
            .values(status=PENDING, revision=VerbatimState.revision + 1, updated_at=utcnow())
        )
    )
    if n:
        _wake(s)
    return n


def mark_ids_pending(s: Session, ws: str, response_ids: Sequence[str]) -> tuple[int, int]:
    """Queue these verbatims again; ``(queued, kept)``: a person's tags are kept as they are."""
    queued = kept = 0
    for i in range(0, len(response_ids), 500):
        chunk = list(response_ids[i : i + 500])
        queued += _changed(
            s.execute(
                update(VerbatimState)
                .where(
                    VerbatimState.workspace_id == ws,
                    VerbatimState.response_id.in_(chunk),
                    VerbatimState.human_tagged.is_(False),
                )
                .values(status=PENDING, revision=VerbatimState.revision + 1, updated_at=utcnow())
            )
        )
        kept += int(
            s.execute(
                select(func.count())
                .select_from(VerbatimState)
                .where(
                    VerbatimState.workspace_id == ws,
                    VerbatimState.response_id.in_(chunk),
                    VerbatimState.human_tagged.is_(True),
                )
            ).scalar_one()
        )
    if queued:
        _wake(s)
    return queued, kept


@dataclass(frozen=True)
class PendingVerbatim:
    response_id: str
    workspace_id: str
    text: str
    revision: int
    embedding: bytes | None


def pending(s: Session, limit: int, ws: str | None = None) -> list[PendingVerbatim]:
    """The oldest comments waiting for tagging (one indexed query)."""
    q = (
        select(
            VerbatimState.response_id,
            VerbatimState.workspace_id,
            Response.comment,
            VerbatimState.revision,
            VerbatimState.embedding,
        )
        .join(Response, Response.id == VerbatimState.response_id)
        .where(VerbatimState.status == PENDING)
        .order_by(VerbatimState.updated_at, VerbatimState.response_id)
        .limit(limit)
    )
    if ws is not None:
        q = q.where(VerbatimState.workspace_id == ws)
    return [
        PendingVerbatim(str(r), str(w), str(c or ""), int(v), e) for r, w, c, v, e in s.execute(q)
    ]


def pending_count(s: Session, ws: str | None = None) -> int:
    q = select(func.count()).select_from(VerbatimState).where(VerbatimState.status == PENDING)
    if ws is not None:
        q = q.where(VerbatimState.workspace_id == ws)
    return int(s.execute(q).scalar_one())


@dataclass(frozen=True)
class Tagged:
    """What the tagger found for one pending verbatim."""

    response_id: str
    revision: int
    embedding: bytes | None
    max_score: float | None
    tags: Sequence[tuple[str, str, float]]
    """``(key, source, confidence)``."""


def store_tags(s: Session, ws: str, version: int, results: Iterable[Tagged]) -> int:
    """Store each result unless its verbatim changed meanwhile; a person's tags stay.

    Returns how many verbatims were stored.
    """
    stored = 0
    now = utcnow()
    for r in results:
        if not _changed(
            s.execute(
                update(VerbatimState)
                .where(
                    VerbatimState.workspace_id == ws,
                    VerbatimState.response_id == r.response_id,
                    VerbatimState.status == PENDING,
                    VerbatimState.revision == r.revision,
                )
                .values(
                    status=DONE,
                    embedding=r.embedding,
                    tagger_version=version,
                    max_score=r.max_score,
                    revision=VerbatimState.revision + 1,
                    updated_at=now,
                )
            )
        ):
            continue
        stored += 1
        human = s.execute(
            select(VerbatimState.human_tagged).where(VerbatimState.response_id == r.response_id)
        ).scalar_one()
        if human:
            continue
        s.execute(
            delete(ResponseTag).where(
                ResponseTag.workspace_id == ws, ResponseTag.response_id == r.response_id
            )
        )
        s.add_all(
            ResponseTag(
                id=new_id("rtg"),
                workspace_id=ws,
                response_id=r.response_id,
                tag=key,
                source=source,
                confidence=confidence,
                tagged_at=now,
                tagger_version=version,
            )
            for key, source, confidence in r.tags
        )
    s.flush()
    return stored


def set_human_tags(
    s: Session, ws: str, response_id: str, keys: Sequence[str], version: int
) -> None:
    """A person's tags for one verbatim: they replace the others and are never overwritten."""
    now = utcnow()
    s.execute(
        delete(ResponseTag).where(
            ResponseTag.workspace_id == ws, ResponseTag.response_id == response_id
        )
    )
    s.add_all(
        ResponseTag(
            id=new_id("rtg"),
            workspace_id=ws,
            response_id=response_id,
            tag=key,
            source="human",
            confidence=1.0,
            tagged_at=now,
            tagger_version=version,
        )
        for key in keys
    )
    s.execute(
        update(VerbatimState)
        .where(VerbatimState.workspace_id == ws, VerbatimState.response_id == response_id)
        .values(human_tagged=True, revision=VerbatimState.revision + 1, updated_at=now)
    )
    s.flush()


def state_of(s: Session, ws: str, response_id: str) -> VerbatimState | None:
    return s.execute(
        select(VerbatimState).where(
            VerbatimState.workspace_id == ws, VerbatimState.response_id == response_id
        )
    ).scalar_one_or_none()


def states_of(s: Session, ws: str, response_ids: Sequence[str]) -> dict[str, tuple[str, bool]]:
    """Each verbatim's tagging status, and whether the model embedded it."""
    out: dict[str, tuple[str, bool]] = {}
    for i in range(0, len(response_ids), 500):
        rows = s.execute(
            select(
                VerbatimState.response_id,
                VerbatimState.status,
                VerbatimState.embedding.is_not(None),
            ).where(
                VerbatimState.workspace_id == ws,
                VerbatimState.response_id.in_(list(response_ids[i : i + 500])),
            )
        )
        out.update({str(r): (str(st), bool(e)) for r, st, e in rows})
    return out


def embeddings_of(s: Session, ws: str, response_ids: Sequence[str]) -> dict[str, bytes]:
    """Stored embeddings of these verbatims (those not embedded yet are left out)."""
    out: dict[str, bytes] = {}
    for i in range(0, len(response_ids), 500):
        rows = s.execute(
            select(VerbatimState.response_id, VerbatimState.embedding).where(
                VerbatimState.workspace_id == ws,
                VerbatimState.response_id.in_(list(response_ids[i : i + 500])),
                VerbatimState.embedding.is_not(None),
            )
        )
        out.update({str(r): bytes(e) for r, e in rows if e is not None})
    return out


# --- Reading verbatims ----------------------------------------------------------------------


@dataclass(frozen=True)
class VerbatimFilter:
    """Which verbatims: every field is optional; ``q`` is already normalised."""

    q: str | None = None
    tag: str | None = None
    touchpoint_id: str | None = None
    score: int | None = None
    min_score: int | None = None
    max_score: int | None = None
    start: datetime | None = None
    end: datetime | None = None
    untagged: bool | None = None
    response_ids: Sequence[str] | None = None


@dataclass(frozen=True)
class VerbatimRow:
    response_id: str
    touchpoint: str
    score: int
    scale: str
    polarity: str
    comment: str
    responded_at: datetime
    channel: str
    outcome: str | None
    status: str


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filtered(q: Select[*Ts], ws: str, f: VerbatimFilter) -> Select[*Ts]:
    q = q.where(VerbatimState.workspace_id == ws)
    if f.q:
        q = q.where(VerbatimState.search_text.like(_like(f.q), escape="\\"))
    tagged = select(ResponseTag.id).where(
        ResponseTag.workspace_id == ws, ResponseTag.response_id == VerbatimState.response_id
    )
    if f.tag is not None:
        q = q.where(exists(tagged.where(ResponseTag.tag == f.tag)))
    if f.untagged is True:
        q = q.where(~exists(tagged))
    elif f.untagged is False:
        q = q.where(exists(tagged))
    if f.touchpoint_id is not None:
        q = q.where(Response.touchpoint_id == f.touchpoint_id)
    if f.score is not None:
        q = q.where(Response.score == f.score)
    if f.min_score is not None:
        q = q.where(Response.score >= f.min_score)
    if f.max_score is not None:
        q = q.where(Response.score <= f.max_score)
    if f.start is not None:
        q = q.where(VerbatimState.responded_at >= f.start)
    if f.end is not None:
        q = q.where(VerbatimState.responded_at < f.end)
    if f.response_ids is not None:
        q = q.where(VerbatimState.response_id.in_(list(f.response_ids)))
    return q


def verbatims(
    s: Session,
    ws: str,
    f: VerbatimFilter,
    limit: int,
    after: tuple[datetime, str] | None = None,
) -> list[VerbatimRow]:
    """Verbatims matching ``f``, newest first, after the ``(responded_at, id)`` cursor."""
    q = (
        select(
            VerbatimState.response_id,
            Touchpoint.key,
            Response.score,
            QuestionVersion.scale,
            QuestionVersion.polarity,
            Response.comment,
            VerbatimState.responded_at,
            Response.channel,
            Response.outcome,
            VerbatimState.status,
        )
        .join(Response, Response.id == VerbatimState.response_id)
        .join(Touchpoint, Touchpoint.id == Response.touchpoint_id)
        .join(QuestionVersion, QuestionVersion.id == Response.question_version_id)
    )
    q = _filtered(q, ws, f)
    if after is not None:
        at, rid = after
        q = q.where(
            or_(
                VerbatimState.responded_at < at,
                and_(VerbatimState.responded_at == at, VerbatimState.response_id < rid),
            )
        )
    q = q.order_by(VerbatimState.responded_at.desc(), VerbatimState.response_id.desc()).limit(limit)
    return [
        VerbatimRow(
            str(r[0]),
            str(r[1]),
            int(r[2]),
            str(r[3]),
            str(r[4]),
            str(r[5] or ""),
            r[6],
            str(r[7]),
            r[8],
            str(r[9]),
        )
        for r in s.execute(q)
    ]


def matching_ids(s: Session, ws: str, f: VerbatimFilter) -> list[str]:
    """The ids of every verbatim matching ``f`` (for bulk re-tagging)."""
    q = select(VerbatimState.response_id).join(Response, Response.id == VerbatimState.response_id)
    return [str(r) for r in s.execute(_filtered(q, ws, f)).scalars()]


def tags_of(
    s: Session, ws: str, response_ids: Sequence[str]
) -> dict[str, list[tuple[str, str, float]]]:
    """Each verbatim's tags ``(key, source, confidence)``, most confident first."""
    out: dict[str, list[tuple[str, str, float]]] = {}
    for i in range(0, len(response_ids), 500):
        rows = s.execute(
            select(
                ResponseTag.response_id, ResponseTag.tag, ResponseTag.source, ResponseTag.confidence
            )
            .where(
                ResponseTag.workspace_id == ws,
                ResponseTag.response_id.in_(list(response_ids[i : i + 500])),
            )
            .order_by(ResponseTag.confidence.desc(), ResponseTag.tag)
        )
        for rid, key, source, conf in rows:
            out.setdefault(str(rid), []).append((str(key), str(source), float(conf)))
    return out


@dataclass(frozen=True)
class AnswerRow:
    """One answer of a window, for the frictions (with its comment if any)."""

    response_id: str
    touchpoint: str
    score: int
    scale: str
    polarity: str
    comment: str | None
    responded_at: datetime


def answers_between(
    s: Session, ws: str, start: datetime, end: datetime, touchpoint_id: str | None = None
) -> list[AnswerRow]:
    """Every answer of the workspace responded in ``[start, end)``."""
    q = (
        select(
            Response.id,
            Touchpoint.key,
            Response.score,
            QuestionVersion.scale,
            QuestionVersion.polarity,
            Response.comment,
            Response.responded_at,
        )
        .join(Touchpoint, Touchpoint.id == Response.touchpoint_id)
        .join(QuestionVersion, QuestionVersion.id == Response.question_version_id)
        .where(
            Response.workspace_id == ws,
            Response.responded_at >= start,
            Response.responded_at < end,
        )
    )
    if touchpoint_id is not None:
        q = q.where(Response.touchpoint_id == touchpoint_id)
    return [
        AnswerRow(str(r[0]), str(r[1]), int(r[2]), str(r[3]), str(r[4]), r[5], r[6])
        for r in s.execute(q)
    ]


@dataclass(frozen=True)
class Uncovered:
    """A recent verbatim no tag covers well, with its stored embedding."""

    response_id: str
    comment: str
    embedding: bytes
    score: int
    scale: str
    polarity: str


def uncovered_since(s: Session, ws: str, since: datetime, threshold: float) -> list[Uncovered]:
    """Recent tagged-by-the-worker verbatims with no tag, or whose best model score is low.

    Verbatims a person tagged are covered by definition.
    """
    tagged = select(ResponseTag.id).where(
        ResponseTag.workspace_id == ws, ResponseTag.response_id == VerbatimState.response_id
    )
    q = (
        select(
            VerbatimState.response_id,
            Response.comment,
            VerbatimState.embedding,
            Response.score,
            QuestionVersion.scale,
            QuestionVersion.polarity,
        )
        .join(Response, Response.id == VerbatimState.response_id)
        .join(QuestionVersion, QuestionVersion.id == Response.question_version_id)
        .where(
            VerbatimState.workspace_id == ws,
            VerbatimState.responded_at >= since,
            VerbatimState.embedding.is_not(None),
            VerbatimState.human_tagged.is_(False),
            or_(~exists(tagged), VerbatimState.max_score < threshold),
        )
        .order_by(VerbatimState.responded_at, VerbatimState.response_id)
    )
    return [
        Uncovered(str(r[0]), str(r[1] or ""), bytes(r[2] or b""), int(r[3]), str(r[4]), str(r[5]))
        for r in s.execute(q)
    ]


def comments_of(s: Session, ws: str, response_ids: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for i in range(0, len(response_ids), 500):
        rows = s.execute(
            select(Response.id, Response.comment).where(
                Response.workspace_id == ws, Response.id.in_(list(response_ids[i : i + 500]))
            )
        )
        out.update({str(r): str(c or "") for r, c in rows})
    return out


# --- Topics and their requests --------------------------------------------------------------


def request_topics(s: Session, ws: str) -> None:
    s.execute(
        update(TaggerState)
        .where(TaggerState.workspace_id == ws)
        .values(topics_requested_at=utcnow())
    )
    _wake(s)


def topics_requested(s: Session, stale_before: datetime | None = None) -> list[str]:
    """Workspaces whose topics were asked for since they were last computed, and,
    with ``stale_before``, those whose topics were never computed or not since then."""
    asked = and_(
        TaggerState.topics_requested_at.is_not(None),
        or_(
            TaggerState.topics_computed_at.is_(None),
            TaggerState.topics_computed_at < TaggerState.topics_requested_at,
        ),
    )
    cond = asked
    if stale_before is not None:
        cond = or_(
            asked,
            TaggerState.topics_computed_at.is_(None),
            TaggerState.topics_computed_at < stale_before,
        )
    q = select(TaggerState.workspace_id).where(cond).order_by(TaggerState.workspace_id)
    return [str(w) for w in s.execute(q).scalars()]


def topics(s: Session, ws: str, status: str | None = "open") -> list[Topic]:
    """The workspace's topics, by size × mean effort index (as they were found)."""
    q = select(Topic).where(Topic.workspace_id == ws)
    if status is not None:
        q = q.where(Topic.status == status)
    impact = Topic.size * func.coalesce(Topic.mean_effort_index, 0.0)  # as find_topics sorts
    return list(s.execute(q.order_by(impact.desc(), Topic.size.desc(), Topic.id)).scalars())


def topic(s: Session, ws: str, topic_id: str) -> Topic | None:
    return s.execute(
        select(Topic).where(Topic.workspace_id == ws, Topic.id == topic_id)
    ).scalar_one_or_none()


def replace_open_topics(s: Session, ws: str, new: Sequence[Topic], computed_at: datetime) -> None:
    """The workspace's open topics become ``new``; accepted and dismissed ones stay."""
    s.execute(delete(Topic).where(Topic.workspace_id == ws, Topic.status == "open"))
    s.add_all(new)
    s.execute(
        update(TaggerState)
        .where(TaggerState.workspace_id == ws)
        .values(topics_computed_at=computed_at)
    )
    s.flush()
