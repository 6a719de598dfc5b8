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
