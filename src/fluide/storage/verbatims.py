"""Reading verbatims: search and filters, their tags, the answers behind frictions,
and the comments no tag covers (for topics). Every query filters on the workspace.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Select,
    and_,
    exists,
    or_,
    select,
)
from sqlalchemy.orm import Session

from fluide.storage.models import (
    QuestionVersion,
    Response,
    ResponseTag,
    Touchpoint,
    VerbatimState,
)
from fluide.storage.tags import Ts


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
    """One answer of a window, for the frictions and before/after (with its comment if any)."""

    response_id: str
    touchpoint: str
    score: int
    scale: str
    polarity: str
    comment: str | None
    responded_at: datetime
    version_id: str

    @property
    def has_comment(self) -> bool:
        return bool(self.comment and self.comment.strip())


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
            Response.question_version_id,
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
    # A fixed order: sums of floats depend on it, and the same answers must give the same
    # figures on SQLite and PostgreSQL (whose join plans return rows in any order).
    q = q.order_by(Response.responded_at, Response.id)
    return [
        AnswerRow(str(r[0]), str(r[1]), int(r[2]), str(r[3]), str(r[4]), r[5], r[6], str(r[7]))
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
