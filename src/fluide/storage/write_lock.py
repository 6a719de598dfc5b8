"""One writer at a time on a SQLite engine, in arrival order, with a bounded wait.

SQLite has one writer. Without a lock of our own, threads that want to write
at once all send ``BEGIN IMMEDIATE`` and wait in SQLite's busy handler, which
retries with growing sleeps: the order is luck, and a thread may wait for the
whole busy timeout while later ones get through. Here they queue first, in
the order they came, each holding no connection while it waits; past the
wait allowed (``FLUIDE_DB_POOL_TIMEOUT``) the write is refused with
:class:`Overloaded`, which the API answers with a 503.

Other processes writing the same file (``fluide worker``, the tagging child)
still meet at SQLite's own lock and busy timeout.
"""

from __future__ import annotations

import threading
import weakref
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine


class Overloaded(Exception):
    """A write waited longer than allowed for its turn: the database is saturated."""


class FairLock:
    """A re-entrant lock handed to waiters in arrival order (first come, first served)."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._owner: int | None = None
        self._depth = 0
        self._waiters: deque[tuple[int, threading.Lock]] = deque()

    def acquire(self, timeout: float) -> bool:
        """Whether the lock was obtained within ``timeout`` seconds."""
        me = threading.get_ident()
        with self._mutex:
            if self._owner == me:
                self._depth += 1
                return True
            if self._owner is None and not self._waiters:
                self._owner, self._depth = me, 1
                return True
            gate = threading.Lock()
            gate.acquire()
            entry = (me, gate)
            self._waiters.append(entry)
        if gate.acquire(timeout=timeout):
            return True  # release() made us the owner before opening the gate
        with self._mutex:
            if entry in self._waiters:
                self._waiters.remove(entry)
                return False
        # Handed over between the timeout and the check: we own it now.
        gate.acquire()
        return True

    def release(self) -> None:
        with self._mutex:
            if self._owner != threading.get_ident():
                raise RuntimeError("release of a write lock this thread does not hold")
            self._depth -= 1
            if self._depth:
                return
            if self._waiters:
                owner, gate = self._waiters.popleft()
                self._owner, self._depth = owner, 1
                gate.release()
            else:
                self._owner = None

    @property
    def waiting(self) -> int:
        """Threads in line (for tests and metrics)."""
        return len(self._waiters)


_LOCKS: weakref.WeakKeyDictionary[Engine, tuple[FairLock, float]] = weakref.WeakKeyDictionary()


def serialise_writes(engine: Engine, timeout: float) -> None:
    """Make :func:`turn` queue this engine's writes, waiting at most ``timeout`` seconds."""
    _LOCKS[engine] = (FairLock(), timeout)


def lock_of(engine: Engine) -> FairLock | None:
    found = _LOCKS.get(engine)
    return found[0] if found else None


@contextmanager
def turn(engine: Engine | None) -> Iterator[None]:
    """Wait for this engine's write turn (no wait for engines without a lock)."""
    found = _LOCKS.get(engine) if engine is not None else None
    if found is None:
        yield
        return
    lock, timeout = found
    if not lock.acquire(timeout):
        raise Overloaded(f"no write turn within {timeout:g} s")
    try:
        yield
    finally:
        lock.release()
