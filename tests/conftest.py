"""Fixtures every test folder may use: both databases, the app, a workspace and its key.

They are defined in ``tests/service/conftest.py``; importing them here makes
them available to ``tests/storage``, ``tests/services``, ``tests/api`` and
``tests/jobs`` too (so each runs on SQLite and on a throw-away PostgreSQL).
"""

from __future__ import annotations

import os

import pytest

from tests.service.conftest import (
    app,
    auth,
    client,
    database_url,
    live_url,
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
