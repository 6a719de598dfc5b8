"""bench/ingest_invariants.py: the checks after a load run, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from fluide.services.workspaces import NewWorkspace
from fluide.storage.db import write_session
from fluide.storage.models import Invitation
from fluide.storage.types import new_id
from ingest_invariants import check
from tests.service.conftest import event_body, touchpoint_body


def load(client: TestClient, auth: dict[str, str]) -> None:
    """Three users invited, one of them asked again (cooldown), one event without trigger."""
    r = client.post("/v1/touchpoints", headers=auth, json=touchpoint_body())
    assert r.status_code == 201, r.text
    bodies = [
        event_body("e1", "u-1"),
        event_body("e2", "u-2"),
        event_body("e3", "u-3"),
        event_body("e4", "u-1"),
        event_body("e5", "u-2", type_="page_viewed"),
    ]
    r = client.post("/v1/events", headers=auth, json={"events": bodies})
    assert r.status_code == 200, r.text


def copy_invitation(app: FastAPI, user: str, shift: timedelta) -> None:
    """A second invitation of ``user``'s, ``shift`` after the first (what a race would leave)."""
    with write_session(app.state.sessions) as s:
        first = s.execute(
            select(Invitation).where(Invitation.user_id == user).limit(1)
        ).scalar_one()
        columns = {c.key: getattr(first, c.key) for c in Invitation.__table__.columns}
        columns.update(id=new_id("inv"), created_at=first.created_at + shift)
        s.add(Invitation(**columns))


def user_id_of(app: FastAPI, external: str) -> str:
    from fluide.storage.models import EndUser

    with app.state.sessions() as s:
        return s.execute(select(EndUser.id).where(EndUser.external_id == external)).scalar_one()


def test_a_clean_run_holds_both_invariants(
    app: FastAPI, client: TestClient, auth: dict[str, str], workspace: NewWorkspace
) -> None:
    load(client, auth)
    result = check(app.state.engine, workspace.id, events_acked=5)
    assert (result["invitations"], result["invited_users"]) == (3, 3)
    assert result["events_stored"] == 5 and result["offenders"] == []
    assert result["decisions"] == {"cooldown": 1, "invited": 3, "no_trigger": 1}
    assert result["ok"] is True


def test_a_user_invited_twice_within_the_fatigue_window_is_named(
    app: FastAPI, client: TestClient, auth: dict[str, str], workspace: NewWorkspace
) -> None:
    load(client, auth)
    copy_invitation(app, user_id_of(app, "u-2"), timedelta(days=13))
    result = check(app.state.engine, workspace.id, events_acked=5)
    assert result["offender_count"] == 1 and result["offenders"][0]["user"] == "u-2"
    assert result["invitations"] == 4 and result["invited_users"] == 3
    assert result["no_double_invitation"] is False and result["ok"] is False


def test_a_second_invitation_after_the_window_is_no_offence(
    app: FastAPI, client: TestClient, auth: dict[str, str], workspace: NewWorkspace
) -> None:
    load(client, auth)
    copy_invitation(app, user_id_of(app, "u-3"), timedelta(days=14, seconds=1))
    result = check(app.state.engine, workspace.id, events_acked=5)
    assert result["offenders"] == [] and result["ok"] is True


def test_fewer_events_stored_than_acknowledged_fails(
    app: FastAPI, client: TestClient, auth: dict[str, str], workspace: NewWorkspace
) -> None:
    load(client, auth)
    result = check(app.state.engine, workspace.id, events_acked=6)
    assert result["acked_stored"] is False and result["ok"] is False
