"""The demo's emerging topic (the checkout's new dark theme) shows whatever day the demo is run.

`fluide demo` ends its activity now: the events, the answers and so the comments
the topics cluster all depend on that moment. On SQLite, in process, over four
weeks (the three of the dark theme and one before) to stay fast. Accepting the
topic then tags every one of its comments, and the tagger does not take it back.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from fluide.demo import build_demo
from fluide.jobs.tagging import drain
from fluide.jobs.topics import refresh_topics
from fluide.services import topics as service
from fluide.services.topics import AcceptIn
from fluide.settings import load_settings
from fluide.storage.db import make_engine, migrate, session_factory
from fluide.storage.models import ResponseTag, Topic

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

        dark = max(
            (t for t in service.list_topics(factory, ws)["topics"] if "sombre" in t["label"]),
            key=lambda t: t["size"],
        )
        out = service.accept(factory, ws, dark["id"], AcceptIn(key="theme_sombre"))
        assert (out["members"], out["tagged_before"], out["tagged_after"]) == (
            dark["size"],
            0,
            dark["size"],
        )
        drain(factory, workspace_id=ws)  # every other comment re-tagged with the new tag
        with factory() as s:
            tagged = set(
                s.scalars(
                    select(ResponseTag.response_id).where(
                        ResponseTag.workspace_id == ws, ResponseTag.tag == "theme_sombre"
                    )
                )
            )
        assert set(dark["member_ids"]) <= tagged
    finally:
        engine.dispose()
