"""The demo's emerging topic (the checkout's new dark theme) shows whatever day the demo is run.

`fluide demo` ends its activity now: the events, the answers and so the comments
the topics cluster all depend on that moment. On SQLite, in process, over four
weeks (the three of the dark theme and one before) to stay fast.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from fluide.demo import build_demo
from fluide.jobs.tagging import drain
from fluide.jobs.topics import refresh_topics
from fluide.settings import load_settings
from fluide.storage.db import make_engine, migrate, session_factory
from fluide.storage.models import Topic

pytestmark = pytest.mark.usefixtures("clean_env")

ENDS = [
    datetime(2026, 12, 1, 9, 15, tzinfo=UTC),  # Tuesday, the first of a month
    datetime(2026, 12, 2, 17, 30, tzinfo=UTC),
    datetime(2026, 12, 3, 12, 0, tzinfo=UTC),
    datetime(2026, 12, 4, 7, 45, tzinfo=UTC),
    datetime(2026, 12, 5, 20, 10, tzinfo=UTC),
    datetime(2026, 12, 6, 23, 40, tzinfo=UTC),  # Sunday in UTC, Monday in Paris
    datetime(2026, 12, 7, 7, 45, tzinfo=UTC),  # a Monday; the CLI test failed on it
    datetime(2026, 12, 31, 23, 30, tzinfo=UTC),  # a new month and year in Paris
]


@pytest.mark.parametrize("end", ENDS, ids=lambda e: e.strftime("%a-%Y-%m-%dT%H%M"))
def test_the_dark_theme_comes_up_as_an_emerging_topic(end: datetime, tmp_path: Path) -> None:
    settings = load_settings(demo=True, database_url=f"sqlite:///{tmp_path / 'f.db'}")
    engine = make_engine(settings.sqlalchemy_url)
    try:
        migrate(engine)
        factory = session_factory(engine)
        ws = build_demo(factory, settings, weeks=4, end=end).workspace_id
        drain(factory, workspace_id=ws)
        assert refresh_topics(factory, ws, now=end) >= 1
        with factory() as s:
            labels = list(s.scalars(select(Topic.label).where(Topic.workspace_id == ws)))
        assert any("sombre" in label for label in labels), labels
    finally:
        engine.dispose()
