"""SQLite writes in one process: queued in arrival order, bounded, holding no connection.

And the pools: each engine sized by the FLUIDE_DB_POOL_* settings.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import text

from fluide.api.app import open_database
from fluide.settings import load_settings
from fluide.storage.db import is_overload, make_engine, session_factory, write_session
from fluide.storage.write_lock import FairLock, Overloaded, lock_of
from tests.service.conftest import SECRET


def _wait_for(condition: Callable[[], bool], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_writers_get_their_turn_in_the_order_they_came() -> None:
    lock = FairLock()
    assert lock.acquire(1)
    order: list[int] = []

    def write(n: int) -> None:
        assert lock.acquire(10)
        order.append(n)
        lock.release()

    threads = []
    for n in range(6):
        t = threading.Thread(target=write, args=(n,))
        t.start()
        _wait_for(partial(lambda k: lock.waiting == k, n + 1))  # in line before the next comes
        threads.append(t)
    lock.release()
    for t in threads:
        t.join(10)
    assert order == [0, 1, 2, 3, 4, 5]


def test_a_write_that_waits_past_the_pool_timeout_is_refused_as_an_overload(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'f.db'}", pool_timeout=0.2)
    factory = session_factory(engine)
    held, done = threading.Event(), threading.Event()

    def hold() -> None:
        with write_session(factory):
            held.set()
            done.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(10)
    started = time.monotonic()
    with pytest.raises(Overloaded) as caught, write_session(factory):
        pass
    assert 0.15 < time.monotonic() - started < 3
    assert is_overload(caught.value)
    done.set()
    holder.join(10)
    with write_session(factory) as s:  # the turn is free again
        s.execute(text("CREATE TABLE t (x INTEGER)"))
    lock = lock_of(engine)
    assert lock is not None and lock.waiting == 0
    engine.dispose()


def test_a_write_waiting_for_its_turn_holds_no_connection(tmp_path: Path) -> None:
    # Two connections: one writer, one waiting writer, and a reader still gets the second.
    engine = make_engine(
        f"sqlite:///{tmp_path / 'f.db'}", pool_size=2, max_overflow=0, pool_timeout=5
    )
    factory = session_factory(engine)
    lock = lock_of(engine)
    assert lock is not None
    held, done = threading.Event(), threading.Event()

    def hold() -> None:
        with write_session(factory):
            held.set()
            done.wait(10)

    def wait_turn() -> None:
        with write_session(factory) as s:
            s.execute(text("SELECT 1"))

    holder, waiter = threading.Thread(target=hold), threading.Thread(target=wait_turn)
    holder.start()
    held.wait(10)
    waiter.start()
    _wait_for(lambda: lock.waiting == 1)
    started = time.monotonic()
    with factory() as s:
        assert s.execute(text("SELECT 1")).scalar() == 1
    assert time.monotonic() - started < 2  # not a wait for the pool
    done.set()
    holder.join(10)
    waiter.join(10)
    engine.dispose()


@pytest.mark.parametrize("scheme", ["sqlite", "postgresql"])
def test_each_process_pool_is_sized_by_the_settings(scheme: str, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'f.db'}" if scheme == "sqlite" else "postgresql://u@127.0.0.1/x"
    settings = load_settings(
        database_url=url,
        secret_key=SECRET,
        db_pool_size=3,
        db_max_overflow=4,
        db_pool_timeout=0.5,
    )
    engine = open_database(settings)  # no connection is made until one is asked for
    pool = engine.pool
    assert (pool.size(), pool._max_overflow, pool._timeout) == (3, 4, 0.5)  # type: ignore[attr-defined]
    engine.dispose()
