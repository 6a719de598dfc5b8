"""The week's top frictions from collected answers and their tags (both databases)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from fluide.services import frictions as service
from fluide.services.errors import ServiceError
from fluide.services.tags import ensure_seeded
from fluide.services.workspaces import NewWorkspace, create_workspace
from fluide.settings import Settings
from fluide.storage import verbatim_queue as queue_store
from fluide.storage.db import write_session
from fluide.storage.models import Workspace
from tests.verbatims import answer, workspace_row

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)  # a Friday of 2026-W47 in Paris


@pytest.fixture
def f(app: FastAPI) -> sessionmaker[Session]:
    sessions: sessionmaker[Session] = app.state.sessions
    return sessions


def tag(f: sessionmaker[Session], ws: str, ids: list[str], *keys: str) -> None:
    with write_session(f) as s:
        for rid in ids:
            queue_store.set_human_tags(s, ws, rid, list(keys), 1)


@pytest.fixture
def week(f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace) -> Workspace:
    """payer (1-7, ease): 4 hard payment complaints, 4 easy silent answers, 2 mild delays;
    activer: 3 very hard login complaints, 3 silent answers; last week 2 payment complaints."""
    ws = workspace.id
    ensure_seeded(f, ws)
    at = NOW - timedelta(days=2)
    paid = answer(f, settings, ws, [(2, f"Carte refusée, essai {i}") for i in range(4)], at=at)
    answer(f, settings, ws, [(7, None)] * 4, at=at)
    slow = answer(f, settings, ws, [(6, "Un peu lent"), (6, "Lent mais ok")], at=at)
    login = answer(
        f,
        settings,
        ws,
        [(1, f"Mot de passe refusé {i}") for i in range(3)],
        touchpoint="activer",
        at=at,
    )
    answer(f, settings, ws, [(5, None)] * 3, touchpoint="activer", at=at)
    before = answer(f, settings, ws, [(3, "Refusée"), (3, "Refusée encore")], at=at - timedelta(7))
    tag(f, ws, paid + before, "payment")
    tag(f, ws, slow, "delay")
    tag(f, ws, login, "login")
    return workspace_row(f, ws)


def test_top_frictions_rank_volume_times_effort_gap_with_last_week(
    f: sessionmaker[Session], week: Workspace
) -> None:
    out = service.frictions(f, week, now=NOW)
    assert (out["week"], out["previous_week"], out["tz"]) == (
        "2026-W47",
        "2026-W46",
        "Europe/Paris",
    )
    assert (out["answers"], out["comments"]) == (16, 9)
    assert [x["tag"] for x in out["frictions"]] == ["payment", "login"]  # delay: easier than usual
    payment = out["frictions"][0]
    assert payment["names"] == {"fr": "Paiement", "en": "Payment"}
    assert payment["volume"] == 4 and payment["rank"] == 1
    assert payment["mean_effort_index"] == pytest.approx(500 / 6)
    assert payment["effort_gap"] == pytest.approx(500 / 6 - (4 * 500 / 6 + 2 * 100 / 6) / 10)
    assert payment["previous"]["volume"] == 2 and payment["change"]["volume"] == 2
    assert len(payment["verbatims"]) == 3
    assert all(v["comment"].startswith("Carte refusée") for v in payment["verbatims"])
    assert set(out["by_touchpoint"]) == {"payer", "activer"}
    assert [x["tag"] for x in out["by_touchpoint"]["activer"]] == ["login"]


def test_one_touchpoint_s_frictions(f: sessionmaker[Session], week: Workspace) -> None:
    out = service.frictions(f, week, touchpoint="activer", now=NOW)
    assert out["touchpoint"] == "activer" and "by_touchpoint" not in out
    assert [x["tag"] for x in out["frictions"]] == ["login"]
    assert out["frictions"][0]["effort_gap"] == pytest.approx(100 - (300 + 100) / 6)


def test_the_default_week_is_the_current_one_and_another_can_be_asked(
    f: sessionmaker[Session], week: Workspace
) -> None:
    assert service.frictions(f, week, now=NOW)["week"] == "2026-W47"
    last = service.frictions(f, week, week="2026-W46", now=NOW)
    assert last["answers"] == 2 and last["frictions"] == []  # no gap: all answers alike
    empty = service.frictions(f, week, week="2026-W01")
    assert empty["answers"] == 0 and empty["frictions"] == []


def test_bad_week_and_unknown_touchpoint_are_refused(
    f: sessionmaker[Session], week: Workspace
) -> None:
    with pytest.raises(ServiceError) as err:
        service.frictions(f, week, week="2026-47")
    assert err.value.status == 422 and err.value.details[0]["field"] == "week"
    with pytest.raises(ServiceError) as missing:
        service.frictions(f, week, touchpoint="nope")
    assert missing.value.status == 404


def test_another_workspace_s_answers_never_count(
    f: sessionmaker[Session], settings: Settings, week: Workspace
) -> None:
    other = create_workspace(f, "Autre")
    answer(f, settings, other.id, [(1, "Autre")] * 5, at=NOW - timedelta(days=1))
    assert service.frictions(f, week, now=NOW)["answers"] == 16
