"""The tagging model of a worker process: loaded in the background, its state told to all.

A worker starts tagging at once: while :class:`ModelLoader` loads the model
(and embeds the default tags' phrases, the first batch's long part) in a
thread, the keyword rules tag the pending comments, which are marked as
such (:data:`fluide.storage.verbatim_queue.RULES`) and tagged again by the
model once it is ready. The state (``loading``, ``model`` or ``failed``, with
a short reason) is written to the database with a heartbeat
(:mod:`fluide.storage.tagger_runtime`), so the web process, which never loads
the model, can say what the tags on its pages come from.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy.orm import Session, sessionmaker

from fluide.storage import tagger_runtime as store
from fluide.storage import verbatim_queue as queue_store
from fluide.storage.db import write_session
from fluide.storage.tagger_runtime import FAILED, LOADING, MODEL, STALE
from fluide.storage.types import new_id, utcnow

if TYPE_CHECKING:  # the web process imports this module: no model code with it
    from fluide.tagging.embed import Embedder

log = logging.getLogger("fluide.jobs")

HEARTBEAT: Final = 10.0
"""Seconds between two heartbeats of a worker process."""
FORGET: Final = timedelta(days=1)
"""Rows of processes silent for longer are deleted."""
REASON_CHARS: Final = 200


HOST: Final = socket.gethostname()[:100]


def announce(factory: sessionmaker[Session], worker_id: str, pid: int) -> None:
    """Say ``loading`` for a tagging process just started (``fluide serve``'s child): its
    first heartbeat comes once its imports are done, seconds later."""
    doc = {"state": LOADING, "reason": None, "host": HOST, "pid": pid}
    try:
        with write_session(factory) as s:
            store.beat(s, worker_id, doc, utcnow())
    except Exception:  # the child says it itself soon
        log.warning("could not record the tagging child's state", exc_info=True)


class ModelUnavailable(Exception):
    """The model could not be loaded (its reason is the message)."""


def load_model() -> Embedder:
    """The process's model, its default tags' phrases embedded; raises when it cannot load."""
    from fluide.domain.taxonomy import DEFAULT_TAXONOMY
    from fluide.jobs import tagging
    from fluide.tagging.embed import load_failure
    from fluide.tagging.model import Tagger

    embedder = tagging.shared_embedder()
    if embedder is None:
        raise ModelUnavailable(load_failure() or "unknown reason")
    # Training the default tags embeds their phrases into the process's cache: the
    # first batch of each workspace then costs what any later batch costs.
    Tagger.train(DEFAULT_TAXONOMY, (), embedder)
    return embedder


def short_reason(exc: BaseException) -> str:
    """What went wrong, in one short line (the exception's type and first line)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if isinstance(exc, ModelUnavailable):
        return text[:REASON_CHARS]
    return (f"{type(exc).__name__}: {text}" if text else type(exc).__name__)[:REASON_CHARS]


class ModelLoader:
    """Loads the model in a thread and keeps this process's state in the database.

    ``load`` is injectable (tests hold it on an event to keep the state at
    ``loading``); ``on_ready`` is called once the model is there (wake the
    tagging loop).
    """

    def __init__(
        self,
        load: Callable[[], Embedder] = load_model,
        *,
        heartbeat: float = HEARTBEAT,
        on_ready: Callable[[], None] = lambda: None,
        worker_id: str | None = None,
    ) -> None:
        self._load = load
        self.heartbeat = heartbeat
        self.on_ready = on_ready
        self.worker_id = worker_id or new_id("tgw")
        self._host = HOST
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._state = LOADING
        self._reason: str | None = None
        self._embedder: Embedder | None = None
        self._ready = threading.Event()
        self._stop = threading.Event()
        self._factory: sessionmaker[Session] | None = None
        self._threads: list[threading.Thread] = []

    @property
    def state(self) -> str:
        with self._lock:
            return self._state

    @property
    def reason(self) -> str | None:
        with self._lock:
            return self._reason

    def embedder(self) -> Embedder | None:
        """The model once ready; ``None`` while it loads or after it failed (rules tag)."""
        with self._lock:
            return self._embedder

    def wait(self, timeout: float) -> bool:
        """Wait until the load ended (ready or failed); whether it did."""
        return self._ready.wait(timeout)

    def start(self, factory: sessionmaker[Session]) -> None:
        """Say ``loading`` now, then load in a thread and beat until :meth:`stop`."""
        if self._threads:
            return
        self._factory = factory
        self._forget_dead_here()
        self._publish()
        for target, name in ((self._run_load, "load"), (self._beat_forever, "heartbeat")):
            thread = threading.Thread(target=target, name=f"fluide-model-{name}", daemon=True)
            self._threads.append(thread)
            thread.start()

    def stop(self, timeout: float = 5) -> None:
        """Stop beating and withdraw this process's state (the load thread is left to end)."""
        with self._write_lock:
            self._stop.set()
        for thread in self._threads[1:]:
            thread.join(timeout)
        if self._factory is not None:
            try:
                with write_session(self._factory) as s:
                    store.drop(s, self.worker_id)
            except Exception:  # stale in STALE seconds anyway
                log.warning("could not withdraw the tagging model's state", exc_info=True)

    def _forget_dead_here(self) -> None:
        """Withdraw the rows of this machine's processes that are gone (a server restarted
        after a kill): their last word would hide this one's ``loading`` until stale."""
        assert self._factory is not None
        try:
            with write_session(self._factory) as s:
                for worker_id, doc in store.live(s, utcnow() - STALE).items():
                    pid = doc.get("pid")
                    if doc.get("host") == self._host and isinstance(pid, int) and not _alive(pid):
                        store.drop(s, worker_id)
        except Exception:  # they go stale anyway
            log.warning("could not read the tagging processes' states", exc_info=True)

    def _run_load(self) -> None:
        try:
            embedder = self._load()
        except Exception as exc:  # any failure: keyword rules only, and said so
            reason = short_reason(exc)
            log.warning("tagging model unavailable, keyword rules only: %s", reason)
            with self._lock:
                self._state, self._reason = FAILED, reason
        else:
            log.info("tagging model ready")
            with self._lock:
                self._state, self._embedder = MODEL, embedder
        self._publish()
        self._ready.set()
        if self._embedder is not None:
            try:
                self.on_ready()
            except Exception:  # the next poll or periodic run finds the work anyway
                log.warning("could not wake the tagging loop", exc_info=True)

    def _beat_forever(self) -> None:
        while not self._stop.wait(self.heartbeat):
            self._publish(prune=True)

    def _doc(self) -> dict[str, Any]:
        with self._lock:
            return {
                "state": self._state,
                "reason": self._reason,
                "host": self._host,
                "pid": os.getpid(),
            }

    def _publish(self, prune: bool = False) -> None:
        # One write at a time, and none after stop() withdrew the row.
        with self._write_lock:
            if self._factory is None or self._stop.is_set():
                return
            try:
                now = utcnow()
                with write_session(self._factory) as s:
                    store.beat(s, self.worker_id, self._doc(), now)
                    if prune:
                        store.prune(s, now - FORGET)
            except Exception:  # the next beat tries again; tagging goes on meanwhile
                log.warning("could not record the tagging model's state", exc_info=True)


_swept_old = False
_swept_lock = threading.Lock()


def requeue_for_model(factory: sessionmaker[Session]) -> int:
    """Queue the rules-tagged verbatims for the model again (a read first: usually none)."""
    global _swept_old
    with _swept_lock:
        first = not _swept_old
    if not first:
        with factory() as s:
            if not queue_store.rule_tagged_exist(s):
                return 0
    with write_session(factory) as s:
        n = queue_store.requeue_rule_tagged(s, before_statuses=first)
    with _swept_lock:
        _swept_old = True
    if n:
        log.info("%s verbatims tagged by keyword rules queued for the model", n)
    return n


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


_process: ModelLoader | None = None


def start_process_loader(
    factory: sessionmaker[Session],
    on_ready: Callable[[], None] = lambda: None,
    load: Callable[[], Embedder] = load_model,
) -> ModelLoader:
    """The loader of this worker process, started (its procrastinate jobs use it)."""
    global _process
    if _process is None:
        _process = ModelLoader(load, on_ready=on_ready)
        _process.start(factory)
    return _process


def process_loader() -> ModelLoader | None:
    """This process's loader, if :func:`start_process_loader` started one."""
    return _process
