"""Fixtures every test folder may use: both databases, the app, a workspace and its key.

They are defined in ``tests/service/conftest.py``; importing them here makes
them available to ``tests/storage``, ``tests/services``, ``tests/api`` and
``tests/jobs`` too (so each runs on SQLite and on a throw-away PostgreSQL).
"""

from __future__ import annotations

import functools
import os
import ssl
from collections.abc import Iterator
from typing import Any

import httpx
import httpx._transports.default as httpx_transport
import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, make_url
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.util import LRUCache

from fluide.services import accounts
from fluide.storage import db
from tests import pg_connections, schedule
from tests.service.conftest import (
    app,
    auth,
    client,
    database_url,
    live_url,
    postgres_cleaner,
    postgres_url,
    settings,
    sqlite_template,
    workspace,
)

__all__ = [
    "app",
    "auth",
    "client",
    "database_url",
    "live_url",
    "postgres_cleaner",
    "postgres_url",
    "settings",
    "sqlite_template",
    "workspace",
]


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No FLUIDE_* setting of the machine running the tests leaks in (CLI tests use it)."""
    for name in list(os.environ):
        if name.upper().startswith("FLUIDE_"):
            monkeypatch.delenv(name)


FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
"""Argon2id still, at the lowest cost: hundreds of tests make accounts and log in."""


@pytest.fixture(scope="session", autouse=True)
def production_hasher() -> Iterator[PasswordHasher]:
    """The tests hash passwords with :data:`FAST_HASHER` and yield the hasher Fluide
    really uses, so that a test checks its parameters
    (``tests/services/test_password_hashing.py``). A hash carries its own parameters,
    so verifying takes the cost it was made with."""
    production = accounts._hasher
    accounts._hasher = FAST_HASHER
    accounts._dummy_hash.cache_clear()
    try:
        yield production
    finally:
        accounts._hasher = production
        accounts._dummy_hash.cache_clear()


STATEMENTS = 5_000
"""Compiled statements the tests' engines share (one engine holds 500 by default)."""


@pytest.fixture(scope="session", autouse=True)
def shared_statement_cache() -> Iterator[None]:
    """Every engine ``make_engine`` opens for a test shares one dialect per driver and one
    compiled-statement cache, as the one engine of a server process does.

    Each test opens an engine of its own (its own database), and SQLAlchemy keys
    compiled statements by the dialect object: each test compiled every statement
    again, about a tenth of a web test's time. The engines of one driver are made
    alike (``make_engine``), so a statement compiles to the same SQL for all of them.
    """
    real = db.create_engine
    dialects: dict[tuple[str, type[Dialect]], Dialect] = {}
    cache: LRUCache[object, object] = LRUCache(STATEMENTS)

    def sharing(url: str, **kwargs: object) -> Engine:
        parsed = make_url(url)
        # Only the database every test empties: a database of its own may be dropped.
        if parsed.database == pg_connections.SHARED_DATABASE and "creator" not in kwargs:
            conninfo = parsed.set(drivername="postgresql").render_as_string(False)
            kwargs["creator"] = lambda: pg_connections.connect(conninfo)
        engine = real(url, **kwargs)
        kind = (engine.url.drivername, type(engine.dialect))
        engine.dialect = dialects.setdefault(kind, engine.dialect)
        engine._compiled_cache = cache  # type: ignore[assignment]
        return engine

    db.create_engine = sharing  # type: ignore[assignment]
    try:
        yield
    finally:
        db.create_engine = real
        pg_connections.close_all()


@pytest.fixture(scope="session", autouse=True)
def one_tls_context() -> Iterator[None]:
    """The tests' HTTP clients share one default TLS context, as Fluide's own do
    (:func:`fluide.channels.outbound.tls_context`).

    ``httpx.get(...)`` makes a client, and a client loads certifi's authorities
    (about 10 ms of CPU), even for the plain-HTTP loopback servers the tests poll:
    that was about 40 s of a whole run. Other TLS settings are made as before."""
    real = httpx_transport.create_ssl_context

    def shared(
        verify: ssl.SSLContext | str | bool = True, cert: Any = None, trust_env: bool = True
    ) -> ssl.SSLContext:
        if verify is True and cert is None:
            return _default_tls(trust_env)
        return real(verify=verify, cert=cert, trust_env=trust_env)

    httpx_transport.create_ssl_context = shared  # type: ignore[assignment]
    try:
        yield
    finally:
        httpx_transport.create_ssl_context = real


@functools.cache
def _default_tls(trust_env: bool) -> ssl.SSLContext:
    return httpx.create_ssl_context(trust_env=trust_env)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist, the longest files first (``tests/schedule.py``)."""
    if schedule.is_worker():
        schedule.order(items)


@pytest.hookimpl(optionalhook=True)  # `-p no:xdist` runs without the hook
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """``--dist loadfile`` hands out the files by time, not by number of tests."""
    if config.getvalue("dist") == "loadfile":
        return schedule.LongestFirst(config, log)
    return None
