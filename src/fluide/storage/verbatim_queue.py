"""The tagging queue: ``verbatim_states`` rows, pending until a worker tags them.

Every change of a row bumps its ``revision``, so a worker stores its tags only if
nothing changed while it was predicting (a correction, a new taxonomy, a new comment).
Every function takes the workspace and filters on it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    and_,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from fluide.domain.scales import is_low_effort
from fluide.storage.models import (
    QuestionVersion,
    Response,
    ResponseTag,
    TagExample,
    VerbatimState,
)
from fluide.storage.tags import DONE, PENDING, _changed, _wake
from fluide.storage.types import new_id, utcnow

RULES = "rules"
"""Tagged by the keyword rules while the model was loading or unavailable: the model
tags it again once a worker has it (a person's tags stay)."""


def mark_pending(
    s: Session,
    ws: str,
    response_id: str,
    responded_at: datetime,
    text: str,
    *,
    new: bool = False,
) -> None:
    """Queue a comment for tagging (new, or changed: its old embedding is dropped).

    ``new``: the answer was inserted by this transaction, so it has no state to read."""
    from fluide.domain.taxonomy import normalize

    state = None if new else s.get(VerbatimState, response_id)
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
    easy: bool = False
    """The answer's score is in its question's low-effort group."""


def pending(s: Session, limit: int, ws: str | None = None) -> list[PendingVerbatim]:
    """The oldest comments waiting for tagging (one indexed query)."""
    q = (
        select(
            VerbatimState.response_id,
            VerbatimState.workspace_id,
            Response.comment,
            VerbatimState.revision,
            VerbatimState.embedding,
            Response.score,
            QuestionVersion.scale,
            QuestionVersion.polarity,
            QuestionVersion.low_max,
        )
        .join(Response, Response.id == VerbatimState.response_id)
        .join(QuestionVersion, QuestionVersion.id == Response.question_version_id)
        .where(VerbatimState.status == PENDING)
        .order_by(VerbatimState.updated_at, VerbatimState.response_id)
        .limit(limit)
    )
    if ws is not None:
        q = q.where(VerbatimState.workspace_id == ws)
    return [
        PendingVerbatim(
            str(r), str(w), str(c or ""), int(v), e, is_low_effort(scale, pol, low, score)
        )
        for r, w, c, v, e, score, scale, pol, low in s.execute(q)
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


def store_tags(
    s: Session, ws: str, version: int, results: Iterable[Tagged], status: str = DONE
) -> int:
    """Store each result unless its verbatim changed meanwhile; a person's tags stay.

    ``status``: :data:`RULES` when the keyword rules alone tagged them.
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
                    status=status,
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


def rule_tagged_exist(s: Session) -> bool:
    """Whether any verbatim (any workspace) waits for the model's tags (one indexed read)."""
    found = s.execute(
        select(VerbatimState.response_id).where(VerbatimState.status == RULES).limit(1)
    ).first()
    return found is not None


def requeue_rule_tagged(s: Session, *, before_statuses: bool = False) -> int:
    """Queue again, for the model, every verbatim the keyword rules tagged; how many.

    ``before_statuses``: also those tagged without the model before the
    :data:`RULES` status existed (done, no embedding, no person's tags), once
    per process. A person's tags stay: the worker stores only an embedding then.
    """
    rule_tagged = VerbatimState.status == RULES
    if before_statuses:
        rule_tagged = or_(
            rule_tagged,
            and_(
                VerbatimState.status == DONE,
                VerbatimState.embedding.is_(None),
                VerbatimState.human_tagged.is_(False),
            ),
        )
    n = _changed(
        s.execute(
            update(VerbatimState)
            .where(rule_tagged)
            .values(status=PENDING, revision=VerbatimState.revision + 1, updated_at=utcnow())
        )
    )
    if n:
        _wake(s)
    return n


def statuses_in(s: Session, ws: str, statuses: Sequence[str]) -> set[str]:
    """Which of ``statuses`` the workspace's verbatims are in (one indexed read each)."""
    return {
        st
        for st in statuses
        if s.execute(
            select(VerbatimState.response_id)
            .where(VerbatimState.status == st, VerbatimState.workspace_id == ws)
            .limit(1)
        ).first()
        is not None
    }


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


def recent_embeddings(s: Session, ws: str, limit: int, exclude: Sequence[str] = ()) -> list[bytes]:
    """Embeddings of the workspace's most recent embedded verbatims, newest first.

    The tagger reads them as context: a new comment's close neighbours among
    them inform its tags. ``exclude``: response ids left out (the batch itself).
    """
    q = (
        select(VerbatimState.embedding)
        .where(VerbatimState.workspace_id == ws, VerbatimState.embedding.is_not(None))
        .order_by(VerbatimState.responded_at.desc())
        .limit(limit)
    )
    if exclude:
        q = q.where(VerbatimState.response_id.not_in(list(exclude)))
    return [bytes(e) for (e,) in s.execute(q) if e is not None]
