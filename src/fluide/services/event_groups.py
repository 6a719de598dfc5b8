"""Group commit: the events of requests arriving together are decided in one transaction.

Under load, many requests of one server process each carry an event or a
batch. Deciding each in its own transaction pays, per request, the fixed cost
of a transaction (a handful of statements, a commit, an fsync on a durable
PostgreSQL) and, on SQLite, a turn of the single writer. Here one writer
thread per server process takes every request waiting at that moment (up to
:data:`MAX_GROUP_EVENTS` events) and decides them in one transaction with
:func:`~fluide.services.decide_batch.decide_batch`, as one batch per
workspace, in arrival order; the requests that arrive meanwhile wait for the
next group. Each request is answered only once the group that
holds it has committed, so an acknowledged event is a stored event.

The decisions are those of the requests taken one after the other in arrival
order: an invitation made for an event of the group counts for the later
events of the same user, and an event id sent twice is a ``duplicate`` the
second time. When a group fails as a whole (a request's attributes over their
limit, a concurrent duplicate), each of its requests is redone in a
transaction of its own, so an error is answered to the request that caused it
and to no other.

With no concurrency there is nothing to group: a lone request is its own
group. Several server processes each group their own requests; their
transactions lock users in one global order, so they never deadlock.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from fluide.request_context import current_request_id, request_id
from fluide.services.decide_batch import Source, WorkspaceRules, decide_batch
from fluide.services.errors import ServiceError
from fluide.services.event_input import EventInput
from fluide.settings import Settings
from fluide.storage.db import write_session

MAX_GROUP_EVENTS: Final = 2000
"""Events decided in one transaction at most (a full batch of 1,000 and more besides)."""
GATHER_BELOW: Final = 8
GATHER_SECONDS: Final = 0.002
"""After a group of several requests, a group of fewer than GATHER_BELOW waits this
long for more: under load, fewer and larger transactions; alone, no wait at all."""
Dispatch = Callable[[list[str]], None]
log = logging.getLogger("fluide.events")
Solo = Callable[["Job"], tuple[list[dict[str, Any]], list[str]]]


@dataclass(eq=False)
class Job:
    """One request's events, waiting for the group that will decide them."""

    ws: WorkspaceRules
    events: Sequence[EventInput]
    moments: Sequence[datetime]
    source: Source
    request_id: str | None = field(default_factory=current_request_id)
    """The request the events came in (the writer thread runs outside its context)."""
    result: list[dict[str, Any]] | None = None
    error: BaseException | None = None
    done: bool = False
    wake: threading.Event = field(default_factory=threading.Event)
    future: asyncio.Future[list[dict[str, Any]]] | None = None
    loop: asyncio.AbstractEventLoop | None = None

    def finish(self, result: list[dict[str, Any]] | None, error: BaseException | None) -> None:
        self.result, self.error, self.done = result, error, True
        if self.loop is not None and self.future is not None:
            self.loop.call_soon_threadsafe(_settle, self.future, result, error)
        self.wake.set()


def _settle(
    future: asyncio.Future[list[dict[str, Any]]],
    result: list[dict[str, Any]] | None,
    error: BaseException | None,
) -> None:
    if future.done():  # the client went away and its request was cancelled
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result or [])


class GroupCommit:
    """Group commit for one server process: one writer thread, requests waiting in line.

    ``solo`` decides one job in a transaction of its own, with the retries of
    :func:`fluide.services.events.record_events`: it is used for a group of
    one and to redo the requests of a group that failed as a whole.
    ``dispatch`` is told the deliveries of each group once it is committed (it
    wakes the senders), from a thread of its own (:class:`Dispatcher`).

    An ``async`` route awaits :meth:`submit_async` on the event loop: no
    thread of the pool is taken while its events wait and are written.
    """

    def __init__(
        self,
        factory: sessionmaker[Session],
        settings: Settings,
        solo: Solo,
        dispatch: Dispatch | None = None,
        max_events: int = MAX_GROUP_EVENTS,
    ) -> None:
        self._factory = factory
        self._settings = settings
        self._solo = solo
        self._dispatcher = Dispatcher(dispatch) if dispatch is not None else None
        self._max = max_events
        self._ready = threading.Condition()
        self._queue: deque[Job] = deque()
        self._writer: threading.Thread | None = None
        self._stopping = False
        self._busy = False
        self.groups = 0
        """Transactions written for groups of more than one request (for tests and metrics)."""

    def submit(self, job: Job) -> list[dict[str, Any]]:
        """The decisions of ``job``'s events, once committed (or the error it caused)."""
        self._enqueue(job)
        job.wake.wait()
        if job.error is not None:
            raise job.error
        assert job.result is not None
        return job.result

    async def submit_async(self, job: Job) -> list[dict[str, Any]]:
        """:meth:`submit` for a coroutine: awaits the group's commit on the event loop."""
        job.loop = asyncio.get_running_loop()
        job.future = job.loop.create_future()
        self._enqueue(job)
        return await job.future

    def stop(self, timeout: float = 30.0) -> None:
        """Write what is waiting, then end the writer thread (at the server's shutdown)."""
        with self._ready:
            self._stopping = True
            self._ready.notify()
            writer = self._writer
        if writer is not None:
            writer.join(timeout)
        if self._dispatcher is not None:
            self._dispatcher.stop(timeout)

    def _enqueue(self, job: Job) -> None:
        with self._ready:
            self._queue.append(job)
            if self._writer is None or not self._writer.is_alive():
                # Started here rather than at creation: an app that never takes an
                # event never has the thread (tests make hundreds of apps).
                self._writer = threading.Thread(
                    target=self._run, name="fluide-event-writer", daemon=True
                )
                self._writer.start()
            self._ready.notify()

    def _run(self) -> None:
        while True:
            with self._ready:
                while not self._queue and not self._stopping:
                    self._ready.wait()
                if not self._queue:
                    self._writer = None
                    self._stopping = False  # a later request starts a new writer
                    return
                if self._busy:
                    # Requests are arriving together: a moment's wait makes one
                    # transaction of what would be several (as PostgreSQL's commit_delay).
                    until = time.monotonic() + GATHER_SECONDS
                    while len(self._queue) < GATHER_BELOW and not self._stopping:
                        left = until - time.monotonic()
                        if left <= 0:
                            break
                        self._ready.wait(left)
                group = self._take()
            self._busy = len(group) > 1
            try:
                self._write(group)
            except BaseException as exc:  # never leave a request waiting for an answer
                log.exception("event writer")
                for job in group:
                    if not job.done:
                        job.finish(None, exc)

    def _take(self) -> list[Job]:
        """The jobs waiting, oldest first, up to the group's size (always at least one)."""
        group = [self._queue.popleft()]
        size = len(group[0].events)
        while self._queue and size + len(self._queue[0].events) <= self._max:
            size += len(self._queue[0].events)
            group.append(self._queue.popleft())
        return group

    def _write(self, group: list[Job]) -> None:
        if len(group) == 1:
            self._alone(group[0])
            return
        try:
            results, to_send = self._together(group)
        except (ServiceError, DBAPIError):
            # One request's fault, or a collision: each answers for itself.
            for job in group:
                self._alone(job)
            return
        except BaseException as exc:  # the database is gone, overloaded…: every request says so
            for job in group:
                job.finish(None, exc)
            return
        self.groups += 1
        for job, result in zip(group, results, strict=True):
            job.finish(result, None)
        if to_send and self._dispatcher is not None:
            self._dispatcher.add(to_send)

    def _alone(self, job: Job) -> None:
        token = request_id.set(job.request_id)  # logs and deliveries name its request
        try:
            out, to_send = self._solo(job)
        except BaseException as exc:
            job.finish(None, exc)
            return
        finally:
            request_id.reset(token)
        job.finish(out, None)
        if to_send and self._dispatcher is not None:
            self._dispatcher.add(to_send)

    def _together(self, group: list[Job]) -> tuple[list[list[dict[str, Any]]], list[str]]:
        """All the group's events in one transaction, one batch per workspace and source.

        Workspaces are taken in the order of their ids, and users are locked in
        the order of their ids inside each: every process locks in one global
        order, so two groups never wait for each other in a cycle.
        """
        by_batch: dict[tuple[str, Source], list[int]] = {}
        for n, job in enumerate(group):
            by_batch.setdefault((job.ws.id, job.source), []).append(n)
        results: list[list[dict[str, Any]]] = [[] for _ in group]
        to_send: list[str] = []
        with write_session(self._factory) as s:
            for (_, source), members in sorted(by_batch.items()):
                jobs = [group[n] for n in members]
                ws = jobs[0].ws
                events = [e for j in jobs for e in j.events]
                moments = [m for j in jobs for m in j.moments]
                requests = [j.request_id for j in jobs for _ in j.events]
                out, sends = decide_batch(
                    s, ws, events, moments, self._settings, source, None, requests
                )
                to_send += sends
                start = 0
                for n, j in zip(members, jobs, strict=True):
                    results[n] = out[start : start + len(j.events)]
                    start += len(j.events)
        return results, to_send


class Dispatcher:
    """Wakes the senders from a thread of its own, so the writer goes on to the next
    group at once; deliveries committed meanwhile are told in one call.

    A wake-up is only a hint (workers also poll the deliveries), so one that
    fails is logged and not retried.
    """

    def __init__(self, dispatch: Dispatch) -> None:
        self._dispatch = dispatch
        self._ready = threading.Condition()
        self._ids: list[str] = []
        self._thread: threading.Thread | None = None
        self._stopping = False

    def add(self, ids: list[str]) -> None:
        with self._ready:
            self._ids += ids
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="fluide-event-dispatch", daemon=True
                )
                self._thread.start()
            self._ready.notify()

    def stop(self, timeout: float) -> None:
        with self._ready:
            self._stopping = True
            self._ready.notify()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._ready:
                while not self._ids and not self._stopping:
                    self._ready.wait()
                ids, self._ids = self._ids, []
                if not ids:
                    self._thread, self._stopping = None, False
                    return
            try:
                self._dispatch(ids)
            except Exception:
                log.exception("waking the senders of %s deliveries", len(ids))
