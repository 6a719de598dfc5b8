"""A database made like ``fluide demo``'s: demo mode runs only on such a database."""

from __future__ import annotations

from fluide.services.demo_mode import mark_demo_database
from fluide.storage.db import make_engine, migrate, session_factory


def demo_database(url: str) -> str:
    """``url``, its database migrated and marked as a demo's (as ``fluide demo`` does)."""
    engine = make_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        migrate(engine)
        mark_demo_database(session_factory(engine))
    finally:
        engine.dispose()
    return url
