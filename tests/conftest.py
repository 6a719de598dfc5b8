"""Fixtures every test folder may use: both databases, the app, a workspace and its key.

They are defined in ``tests/service/conftest.py``; importing them here makes
them available to ``tests/storage``, ``tests/services``, ``tests/api`` and
``tests/jobs`` too (so each runs on SQLite and on a throw-away PostgreSQL).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher

from fluide.services import accounts
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
