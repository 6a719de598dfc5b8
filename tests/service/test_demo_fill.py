"""The demo fill at a fixed end moment: the same data every run, whatever today is."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import FastAPI

from fluide.demo import build_demo
from fluide.settings import Settings

# A fixed end: the events (and which of them sampling keeps) depend on it, so a
# test that needs a rare decision must not depend on the wall clock.
END = datetime(2026, 11, 22, 17, 30, tzinfo=UTC)


def test_demo_shows_every_kind_of_decision(app: FastAPI, settings: Settings) -> None:
    result = build_demo(app.state.sessions, settings, weeks=6, end=END)
    decisions = result.counts["decisions"]
    assert {
        "invited",
        "fatigue",
        "cooldown",
        "no_trigger",
        "sampled_out",
        "too_late",
        "duplicate",
    } <= set(decisions)
    again = build_demo(app.state.sessions, settings, weeks=6, end=END)
    assert again.reused and again.workspace_id == result.workspace_id


def test_every_demo_agent_has_follow_ups_to_work_on(app: FastAPI, settings: Settings) -> None:
    from sqlalchemy import func, select

    from fluide.demo.dashboard import AGENT_WORK
    from fluide.storage.dashboard_models import Account, FollowUp

    result = build_demo(app.state.sessions, settings, weeks=6, end=END)
    with app.state.sessions() as s:
        agents = s.scalars(
            select(Account.id).where(
                Account.workspace_id == result.workspace_id, Account.role == "agent"
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
