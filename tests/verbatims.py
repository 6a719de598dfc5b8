"""Test helpers for verbatims: answers with comments, recorded through the real use cases.

And a fast stand-in for the embedding model (words hashed into 384
dimensions): texts sharing words are close, as with the model, in
microseconds. Tests about what the real model learns use the model itself.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
from numpy.typing import NDArray
from sqlalchemy.orm import Session, sessionmaker

from fluide.api.schemas import EventIn, TouchpointIn
from fluide.domain.taxonomy import normalize
from fluide.services import touchpoints as touchpoint_service
from fluide.services.decide_batch import decide_batch
from fluide.services.responses import Answer, record_responses
from fluide.services.tags import ensure_seeded
from fluide.settings import Settings
from fluide.storage import repo
from fluide.storage import verbatim_queue as queue_store
from fluide.storage.db import write_session
from fluide.storage.models import Topic, Workspace
from fluide.storage.types import new_id, utcnow
from tests.service.conftest import touchpoint_body

_users = itertools.count()


class WordsEmbedder:
    """Bag of words hashed into 384 dimensions, L2-normalised (deterministic, instant)."""

    name = "words"

    def __init__(self) -> None:
        self.seen: list[str] = []

    def embed(self, texts: list[str]) -> NDArray[np.float32]:
        self.seen.extend(texts)
        out = np.zeros((len(texts), 384), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in normalize(text).replace("'", " ").split():
                h = int(hashlib.sha256(word.strip(".,;:!?").encode()).hexdigest()[:8], 16)
                out[i, h % 384] += 1.0
            norm = float(np.linalg.norm(out[i]))
            out[i] = out[i] / norm if norm else out[i]
            if not norm:
                out[i, 0] = 1.0
        return out


def workspace_row(factory: sessionmaker[Session], workspace_id: str) -> Workspace:
    with factory() as s:
        return s.get_one(Workspace, workspace_id)


def ensure_touchpoint(
    factory: sessionmaker[Session], workspace_id: str, key: str = "payer", **overrides: object
) -> None:
    with factory() as s:
        if repo.touchpoint_by_key(s, workspace_id, key) is not None:
            return
    if key != "payer":
        overrides.setdefault("triggers", [{"event": f"{key}_done"}])
    body = touchpoint_body(key=key, task=key, **overrides)
    touchpoint_service.create(factory, workspace_id, TouchpointIn(**body))


def answer(
    factory: sessionmaker[Session],
    settings: Settings,
    workspace_id: str,
    answers: Sequence[tuple[int, str | None]],
    *,
    touchpoint: str = "payer",
    at: datetime | None = None,
    users: Sequence[str] | None = None,
) -> list[str]:
    """Record one answer ``(score, comment)`` per new user (or per ``users``, the host's
    user ids) on ``touchpoint``; their ids.

    The touchpoint asks « J'ai pu … facilement » on 1–7 (ease): 7 is no effort.
    Each answer comes a minute after its event, the first at ``at`` (default: a
    few seconds ago), the next ones a second apart, in order.
    """
    ensure_touchpoint(factory, workspace_id, touchpoint)
    ws = workspace_row(factory, workspace_id)
    start = at or datetime.now(UTC) - timedelta(seconds=len(answers))
    moments = [start + timedelta(seconds=i) for i in range(len(answers))]
    who = (
        list(users)
        if users is not None
        else [f"u-{next(_users)}-{workspace_id[-6:]}" for _ in answers]
    )
    events = [
        EventIn(
            id=f"evt-{user}",
            type="payment_succeeded" if touchpoint == "payer" else f"{touchpoint}_done",
            occurred_at=moment - timedelta(minutes=2),
            user={"id": user, "locale": "fr"},  # type: ignore[arg-type]
            channel="link",
        )
        for user, moment in zip(who, moments, strict=True)
    ]
    received = [moment - timedelta(minutes=1) for moment in moments]
    # Each user answers once (its event id is made of its id): deciding the events in
    # one transaction, each at its own moment, stores what one request per event would.
    with write_session(factory) as s:
        decisions, _ = decide_batch(s, ws, events, received, settings, "api", None)
    due = []
    for decision, (score, comment), moment in zip(decisions, answers, moments, strict=True):
        invitation = decision["invitation"]
        assert invitation is not None, decision
        token = str(invitation["url"]).rsplit("/s/", 1)[1]
        due.append(Answer(token, score, comment, moment))
    return [str(r["id"]) for r in record_responses(factory, settings, due)]


PARCEL = [f"Le colis est arrivé ouvert, il manquait l'article {i}" for i in range(6)]
ENGLISH = [f"L'application reste en anglais malgré mon choix, écran {i}" for i in range(6)]


def embed_as(
    f: sessionmaker[Session],
    ws: str,
    vectors: dict[str, NDArray[np.float64]],
    score: float,
    tag: str | None = None,
) -> None:
    """Store the worker's result for these verbatims: these embeddings, ``tag`` (by the model)."""
    with f() as s:
        items = {p.response_id: p for p in queue_store.pending(s, 1000, ws)}
    tags = [(tag, "model", score)] if tag else []
    results = [
        queue_store.Tagged(rid, items[rid].revision, v.astype(np.float32).tobytes(), score, tags)
        for rid, v in vectors.items()
    ]
    with write_session(f) as s:
        queue_store.store_tags(s, ws, 1, results)


def two_themes(
    f: sessionmaker[Session], settings: Settings, ws: str, *, at: datetime | None = None
) -> tuple[list[str], list[str]]:
    ensure_seeded(f, ws)
    parcel = answer(f, settings, ws, [(2, t) for t in PARCEL], at=at)
    english = answer(f, settings, ws, [(5, t) for t in ENGLISH], at=at)
    rng = np.random.default_rng(0)
    vectors = {}
    for ids, axis in ((parcel, 0), (english, 1)):
        for rid in ids:
            v = np.zeros(384)
            v[axis] = 1.0
            v += rng.normal(0, 0.02, 384)
            vectors[rid] = v / np.linalg.norm(v)
    embed_as(f, ws, vectors, 0.1)
    return parcel, english


def make_topic(
    f: sessionmaker[Session],
    ws: str,
    members: list[str],
    key: str = "sombre",
    label: str = "mode sombre / illisible",
) -> str:
    """An open topic of these verbatims, as the topics job would store it; its id."""
    topic = Topic(
        id=new_id("top"),
        workspace_id=ws,
        computed_at=utcnow(),
        label=label,
        words=label.split(" / "),
        suggested_key=key,
        size=len(members),
        mean_effort_index=70.0,
        member_ids=members,
        representative_ids=members[:3],
        status="open",
    )
    with write_session(f) as s:
        s.add(topic)
    return topic.id
