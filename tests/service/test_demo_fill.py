"""The demo fill at a fixed end moment: the same data every run, whatever today is.

The demo is built once per database for the module (about ten seconds each);
the tests only read it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from fluide.demo import DemoResult, build_demo
from fluide.demo.dashboard import AGENT_WORK
from fluide.settings import Settings, load_settings
from fluide.storage.dashboard_models import Account, FollowUp
from fluide.storage.db import make_engine, migrate, session_factory
from tests.service.conftest import SECRET, own_postgres_database

# A fixed end: the events (and which of them sampling keeps) depend on it, so a
# test that needs a rare decision must not depend on the wall clock.
END = datetime(2026, 11, 22, 17, 30, tzinfo=UTC)


@dataclass
class Demo:
    sessions: sessionmaker[Session]
    settings: Settings
    result: DemoResult


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Demo]:
    folder = tmp_path_factory.mktemp("demo-fill")
    with (
        own_postgres_database(request.getfixturevalue("postgres_url"), "demo_fill")
        if request.param == "postgresql"
        else nullcontext(f"sqlite:///{folder / 'fluide.db'}")
    ) as url:
        settings = load_settings(
            database_url=url, secret_key=SECRET, data_dir=folder, public_url="http://testserver"
        )
        engine = make_engine(settings.sqlalchemy_url)
        try:
            migrate(engine)
            sessions = session_factory(engine)
            yield Demo(sessions, settings, build_demo(sessions, settings, weeks=6, end=END))
        finally:
            engine.dispose()


def test_demo_shows_every_kind_of_decision(demo: Demo) -> None:
    decisions = demo.result.counts["decisions"]
    assert {
        "invited",
        "fatigue",
        "cooldown",
        "no_trigger",
        "sampled_out",
        "too_late",
        "duplicate",
    } <= set(decisions)
    again = build_demo(demo.sessions, demo.settings, weeks=6, end=END)
    assert again.reused and again.workspace_id == demo.result.workspace_id


def test_every_demo_agent_has_follow_ups_to_work_on(demo: Demo) -> None:
    with demo.sessions() as s:
        agents = s.scalars(
            select(Account.id).where(
                Account.workspace_id == demo.result.workspace_id, Account.role == "agent"
            )
        ).all()
        assert len(agents) >= 4
        busy = 0
        for agent in agents:
            active = s.scalar(
                select(func.count())
                .select_from(FollowUp)
                .where(FollowUp.assignee_id == agent, FollowUp.status != "closed")
            )
            closed = s.scalar(
                select(func.count())
                .select_from(FollowUp)
                .where(FollowUp.assignee_id == agent, FollowUp.status == "closed")
            )
            # Their latest follow-ups stay open (all of them when they had fewer).
            assert active is not None and active >= min(AGENT_WORK, active + (closed or 0))
            busy += active >= AGENT_WORK
        assert busy >= 4
