"""The demo fill at a fixed end moment: the same data every run, whatever today is.

The demo is built once per database for the module (about ten seconds each);
the tests only read it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

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


def test_the_demo_shows_recontacts_a_missed_promise_and_customers_contacting_now(
    demo: Demo,
) -> None:
    from fluide.services.recontacts import page

    data = page(demo.sessions, demo.result.workspace_id, start=None, end=None, lang="fr", now=END)
    overall = data["doc"]["overall"]
    assert overall["recontacted"] > 0 and overall["channel_switches"] > 0
    assert overall["promise_kept"] is not None and 50 < overall["promise_kept"] < 100
    assert {g["value"] for g in data["doc"]["groups"]["channel"]} >= {"chat", "email", "phone"}
    # The story's customers contact support again right now, by phone after a chat.
    now = [r for r in data["now"] if END - r["latest_at"] < timedelta(hours=8)]
    assert len(now) >= 3 and all(r["channels"] == ["chat", "phone"] for r in now)
    assert all(r["follow_up_id"] for r in now)
    with demo.sessions() as s:
        delays = s.scalars(
            select(FollowUp).where(
                FollowUp.workspace_id == demo.result.workspace_id, FollowUp.reason == "delay"
            )
        ).all()
    missed = [f for f in delays if f.subject and f.due_at is not None and f.due_at < END]
    assert missed and all(f.status != "closed" and f.assignee_id for f in missed)


def test_the_demo_payer_page_shows_retries_and_the_behavioural_index(demo: Demo) -> None:
    from fluide.services.attempts import attempts
    from fluide.storage.models import Workspace
    from fluide.web.attempts_view import attempts_card
    from fluide.web.behaviour_index_view import index_card

    with demo.sessions() as s:
        ws = s.get_one(Workspace, demo.result.workspace_id)
    day = END.date()
    doc = attempts(demo.sessions, ws, "payer", day - timedelta(weeks=6), day, now=END)
    ces = doc["ces_by_attempts"]
    # Customers who needed 3 tries or more answered, and found paying much harder.
    assert ces["3+"]["n"] >= 5 and ces["1"]["n"] > 100
    assert ces["3+"]["mean"] < ces["1"]["mean"] - 1
    assert doc["never_succeeded_count"] > 0 and doc["time_on_task_s"]["n"] > 100
    bi = doc["behaviour_index"]
    assert bi["customers"] > bi["answered_customers"] > 0
    assert 0 < bi["mean"] < 100
    assert bi["components"]["recontact"]["mean"] > 0
    corr = bi["correlation"]
    assert not corr["too_few"] and corr["rho"] > 0.1 and corr["p_value"] < 0.01
    card = attempts_card("fr", doc, None)
    assert not card["empty"] and card["never_succeeded"]
    shown = index_card("fr", bi)
    assert not shown["empty"] and shown["figures"][2]["value"] != "—"


def test_the_demo_payer_page_shows_more_churn_after_high_effort_and_its_drivers(
    demo: Demo,
) -> None:
    from fluide.services.dashboard_touchpoint import touchpoint_page
    from fluide.storage.models import Workspace
    from fluide.web.loyalty_view import drivers_card, loyalty_card

    with demo.sessions() as s:
        ws = s.get_one(Workspace, demo.result.workspace_id)
    data = touchpoint_page(demo.sessions, ws, "payer", "en", weeks=6, now=END)
    doc = data["loyalty"]["doc"]
    high, low = doc["by_group"]["high"], doc["by_group"]["low"]
    assert doc["event"] == "churned" and high["observed"] > 10 and low["observed"] > 10
    assert high["rate"] > low["rate"] and doc["relative_risk"]["high_vs_low"] > 1
    card = loyalty_card("en", data["loyalty"])
    assert not card["empty"] and "left within" in card["sentence"]
    drivers = data["drivers"]
    assert drivers["drivers"] and drivers["r2"] > 0
    assert not drivers_card("en", drivers, {})["empty"]
