"""PostgreSQL connections kept between the tests' engines, as one server process keeps them.

Each test opens an engine of its own and disposes of it at the end, so every test
opened new connections: a new PostgreSQL backend each (a fork, then the catalog read
again for every table the test touches). Measured on the web tests, that was about
a tenth of a second of the server's CPU per test, more than the test's own queries.

Here a connection an engine closes goes back, reset, to a stash kept per database
for the test process, and the next engine's new connection is taken from it. Each
engine keeps its own pool (size, overflow, timeout: what a test of the pool sees);
only where a physical connection comes from changes. A connection is reset as a
pool would reset it (no transaction, no session setting, lock or listener left),
and one that is broken, or whose database was dropped, is closed and never reused.
"""

from __future__ import annotations

import threading
from typing import Any

import psycopg
from psycopg.pq import TransactionStatus

SHARED_DATABASE = "fluide_test"
"""The test server's database (``tests/pg.py``), emptied after each test: the only one
whose connections are kept (a database of its own is dropped with its module)."""

KEPT = 12
"""Connections kept per database: beyond, a closed connection really closes."""

RESET = "RESET ALL; SELECT pg_advisory_unlock_all(); UNLISTEN *; CLOSE ALL"
"""What a connection handed back must not carry into another test."""

_free: dict[str, list[KeptConnection]] = {}
_lock = threading.Lock()


class KeptConnection(psycopg.Connection[Any]):
    """A psycopg connection whose ``close()`` hands it back to the stash, reset."""

    _conninfo = ""

    def close(self) -> None:
        if not self._hand_back():
            super().close()

    def _hand_back(self) -> bool:
        if self.closed or self.broken:
            return False
        try:
            if self.info.transaction_status != TransactionStatus.IDLE:
                self.rollback()
            self.autocommit = True
            self.execute(RESET)
            self.autocommit = False
            self.isolation_level = None
            self.read_only = None
            self.deferrable = None
        except psycopg.Error:
            return False
        with _lock:
            free = _free.setdefault(self._conninfo, [])
            if len(free) >= KEPT:
                return False
            free.append(self)
        return True

    def really_close(self) -> None:
        super().close()


def connect(conninfo: str, **kwargs: Any) -> KeptConnection:
    """A kept connection to ``conninfo`` that still answers, else a new one."""
    while True:
        with _lock:
            free = _free.get(conninfo)
            conn = free.pop() if free else None
        if conn is None:
            break
        try:
            conn.execute("SELECT 1")  # its database may have been dropped since
            conn.rollback()
            return conn
        except psycopg.Error:
            conn.really_close()
    fresh = KeptConnection.connect(conninfo, **kwargs)
    fresh._conninfo = conninfo
    return fresh


def close_all() -> None:
    """Close every kept connection (at the end of the test process)."""
    with _lock:
        kept = [c for free in _free.values() for c in free]
        _free.clear()
    for conn in kept:
        conn.really_close()
