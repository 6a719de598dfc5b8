"""`fluide demo --no-serve` fills the database at FLUIDE_DATABASE_URL (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from fluide.api.app import create_app
from fluide.cli import app
from fluide.demo import DEMO_NAME
from fluide.services.demo_mode import is_demo_database
from fluide.services.workspaces import authenticate
from fluide.settings import load_settings
from fluide.storage import verbatim_queue as queue_store
from fluide.storage.db import make_engine
from fluide.storage.models import (
    Event,
    Invitation,
    Response,
    ResponseTag,
    Topic,
    Touchpoint,
    Workspace,
)

runner = CliRunner()
KEY = re.compile(r"(flk_[A-Za-z0-9_\-]+)")


pytestmark = pytest.mark.usefixtures("clean_env")  # no FLUIDE_* of the machine leaks in


def demo_key(output: str) -> str:
    line = next(x for x in output.splitlines() if x.startswith("Demo API key"))
    found = KEY.search(line)
    assert found is not None
    return found.group(1)


def test_demo_no_serve_fills_a_realistic_workspace(database_url: str, tmp_path: Path) -> None:
    env = {"FLUIDE_DATABASE_URL": database_url}
    r = runner.invoke(app, ["demo", "--no-serve", "--weeks", "6", "--lang", "en"], env=env)
    assert r.exit_code == 0, r.output
    key = demo_key(r.stdout)
    assert "Server: http://127.0.0.1:8000" in r.stdout
    assert "API documentation: http://127.0.0.1:8000/docs" in r.stdout
    assert f'curl -s http://127.0.0.1:8000/v1/touchpoints -H "Authorization: Bearer {key}"' in (
        r.stdout
    )
    assert "duplicate" in r.stdout and "Fresh demo database" not in r.stdout
    assert "Dashboard: http://127.0.0.1:8000/app" in r.stdout
    assert re.search(r"analyst: csm@demo\.fluide\.dev / password \S{10,}", r.stdout)

    settings = load_settings(demo=True, database_url=database_url, data_dir=tmp_path)
    engine = make_engine(settings.sqlalchemy_url)
    # `fluide demo` marks its database: demo mode (FLUIDE_DEMO=true) runs on it.
    assert is_demo_database(sessionmaker(engine))
    create_app(settings).state.engine.dispose()
    with Session(engine) as s:
        ws = authenticate(s, key)
        assert ws is not None and ws.name == DEMO_NAME
        keys = set(s.scalars(select(Touchpoint.key).where(Touchpoint.workspace_id == ws.id)))
        assert keys == {
            "payer",
            "changer_carte",
            "trouver_facture",
            "contacter_support",
            "activer",
            "annuler",
        }
        decisions = Counter(s.scalars(select(Event.decision).where(Event.workspace_id == ws.id)))
        # Sampling-out is rare in 6 weeks and depends on the end moment (now):
        # test_demo_fill.py checks it at a fixed end.
        assert {"invited", "fatigue", "cooldown", "no_trigger", "too_late"} <= set(decisions)
        invitations = s.scalar(select(func.count()).select_from(Invitation))
        answers = list(s.scalars(select(Response).where(Response.workspace_id == ws.id)))
        assert invitations and 0.35 <= len(answers) / invitations <= 0.65
        assert {a.outcome for a in answers} == {"success", "failure"}
        assert {a.channel for a in answers} >= {"in_app", "email", "chat"}
        agents = {a.agent_id for a in answers if a.agent_id}
        assert "Julien" in agents and len(agents) >= 4
        tenure = {
            (a.responded_at.date() - date.fromisoformat(a.customer_since or "1970-01-01")).days < 90
            for a in answers
        }
        assert tenure == {True, False}  # new and established customers answered
        comments = [a.comment for a in answers if a.comment]
        assert any("é" in c or "à" in c for c in comments)  # French verbatims
        assert any(c.startswith(("Quick", "Worked", "Way", "Slow", "OK", "Fine")) for c in comments)
        low = [a for a in answers if a.score <= 3]
        high = [a for a in answers if a.score >= 6]
        assert sum(bool(a.comment) for a in low) / len(low) > sum(
            bool(a.comment) for a in high
        ) / len(high)
        assert all(a.responded_at < a.occurred_at + timedelta(hours=24) for a in answers)
        # Every comment went through the tagger: most complaints (answers rated hard)
        # carry a tag, and praise mostly none; the dark theme that the last weeks'
        # customers complain about comes up as an emerging topic.
        assert queue_store.pending_count(s, ws.id) == 0
        tagged = set(
            s.scalars(select(ResponseTag.response_id).where(ResponseTag.workspace_id == ws.id))
        )
        hard = [a.id for a in low if a.comment]
        easy = [a.id for a in high if a.comment]
        assert sum(i in tagged for i in hard) >= len(hard) // 2
        assert sum(i in tagged for i in easy) < len(easy) // 2
        topics = s.scalars(select(Topic).where(Topic.workspace_id == ws.id)).all()
        assert any("sombre" in t.label for t in topics), [t.label for t in topics]
    engine.dispose()


def test_demo_again_keeps_the_data_and_makes_a_new_key(database_url: str, tmp_path: Path) -> None:
    env = {"FLUIDE_DATABASE_URL": database_url}
    first = runner.invoke(app, ["demo", "--no-serve", "--weeks", "1", "--lang", "en"], env=env)
    assert first.exit_code == 0, first.output
    again = runner.invoke(app, ["demo", "--no-serve", "--weeks", "1", "--lang", "en"], env=env)
    assert again.exit_code == 0, again.output
    assert "already holds the demo workspace" in again.stdout
    counts = [line for line in first.stdout.splitlines() if line.startswith("Workspace ")]
    assert counts and counts[0] in again.stdout  # same data, not filled twice
    settings = load_settings(demo=True, database_url=database_url, data_dir=tmp_path)
    engine = make_engine(settings.sqlalchemy_url)
    with Session(engine) as s:
        old, new = demo_key(first.stdout), demo_key(again.stdout)
        assert old != new
        ws_old, ws_new = authenticate(s, old), authenticate(s, new)
        assert ws_old is not None and ws_new is not None and ws_old.id == ws_new.id
        assert s.scalar(select(func.count()).select_from(Workspace)) == 1
    engine.dispose()
