"""The agents use case: raw figures as /v1/metrics, ranking on shrunk estimates (both databases)."""

from __future__ import annotations

import doctest
import itertools
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from fluide.api.schemas import EventIn
from fluide.domain.shrinkage import Sample, shrink
from fluide.services import agents as service
from fluide.services.accounts import create_account
from fluide.services.errors import ServiceError
from fluide.services.events import record_events
from fluide.services.metrics import MetricsQuery, metrics
from fluide.services.responses import record_response
from fluide.services.workspaces import NewWorkspace, create_workspace
from fluide.settings import Settings
from tests.verbatims import ensure_touchpoint, workspace_row

_users = itertools.count()
EASE = {7: 0.0, 6: 100 / 6, 5: 200 / 6, 4: 50.0, 3: 400 / 6, 2: 500 / 6, 1: 100.0}
"""Effort index of each answer on the 1–7 ease question of the test touchpoints."""


def record(
    f: sessionmaker[Session],
    settings: Settings,
    workspace_id: str,
    agent_id: str | None,
    answers: Sequence[tuple[int, str | None] | int],
    *,
    touchpoint: str = "support",
    at: datetime | None = None,
) -> list[str]:
    """Answers to ``touchpoint`` after events sent with ``properties.agent_id``; their ids.

    Through the real use cases: the host's events (one new customer each), then
    each customer's answer, a second apart from ``at`` (default: a minute ago).
    The test touchpoints ask « J'ai pu … facilement » on 1–7 (7 = no effort).
    """
    ensure_touchpoint(f, workspace_id, touchpoint)
    ws = workspace_row(f, workspace_id)
    start = at or datetime.now(UTC) - timedelta(seconds=len(answers) + 60)
    props = {"agent_id": agent_id, "ticket_id": "T-1"} if agent_id is not None else {}
    events = []
    for _ in answers:
        user = f"c-{next(_users)}-{workspace_id[-6:]}"
        events.append(
            EventIn(
                id=f"evt-{user}",
                type=f"{touchpoint}_done" if touchpoint != "payer" else "payment_succeeded",
                occurred_at=start - timedelta(minutes=2),
                user={"id": user, "locale": "fr"},  # type: ignore[arg-type]
                channel="link",
                properties=props,
            )
        )
    decisions = record_events(f, ws, events, settings, now=start - timedelta(minutes=1))
    ids = []
    for i, (decision, item) in enumerate(zip(decisions, answers, strict=True)):
        score, comment = item if isinstance(item, tuple) else (item, None)
        invitation = decision["invitation"]
        assert invitation is not None, decision
        token = str(invitation["url"]).rsplit("/s/", 1)[1]
        done = record_response(f, settings, token, score, comment, now=start + timedelta(seconds=i))
        ids.append(str(done["id"]))
    return ids


TEAM = {
    "lucky": [7, 7, 7],
    "steady": [7] * 36 + [6] * 18 + [5] * 6,
    "amel": [7] * 7 + [6] * 8 + [5] * 6 + [4] * 3 + [3] * 1,
    "bruno": [7] * 5 + [6] * 7 + [5] * 7 + [4] * 4 + [3] * 2,
    "chloe": [7] * 6 + [6] * 8 + [5] * 6 + [4] * 3 + [2] * 2,
    "david": [7] * 5 + [6] * 8 + [5] * 7 + [4] * 3 + [3] * 2,
}
"""A lucky agent (3 perfect answers), a steady one (60 very good: index 8.3), four ordinary ones."""


def team(f: sessionmaker[Session], settings: Settings, ws: str) -> None:
    for agent, scores in TEAM.items():
        record(f, settings, ws, agent, list(scores))


@pytest.fixture
def f(app: FastAPI) -> sessionmaker[Session]:
    sessions: sessionmaker[Session] = app.state.sessions
    return sessions


def rows(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    agents = doc["agents"]
    assert isinstance(agents, list)
    return {r["agent_id"]: r for r in agents}


def test_three_perfect_answers_rank_below_sixty_very_good_ones(
    f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    team(f, settings, workspace.id)
    doc = service.agent_table(f, workspace.id)
    r = rows(doc)
    assert r["lucky"]["mean"] == 7.0 and r["lucky"]["effort_index"] == 0.0
    assert r["lucky"]["effort_index"] < r["steady"]["effort_index"]
    assert r["steady"]["rank"] == 1 and r["lucky"]["rank"] == 2
    assert [a["agent_id"] for a in doc["agents"]][:3] == ["steady", "lucky", "amel"]
    # The lucky agent is pulled towards the team; the steady one barely moves.
    target = doc["ranking"]["target"]
    assert r["lucky"]["shrunk"] > r["steady"]["shrunk"]
    assert 0 < r["lucky"]["shrunk"] < target and r["lucky"]["shrunk"] > 0.4 * target
    assert abs(r["steady"]["shrunk"] - r["steady"]["effort_index"]) < 1
    assert r["lucky"]["small_sample"] and not r["steady"]["small_sample"]
    assert r["lucky"]["shrunk_ci"][0] == 0.0  # the normal interval stops at the index's floor
    assert doc["ranking"]["status"] == "shrunk" and doc["tau2"] > 0


def test_shrunk_figures_are_the_domain_model_on_the_recorded_answers(
    f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    team(f, settings, workspace.id)
    doc = service.agent_table(f, workspace.id)
    scores = TEAM
    samples = []
    for key, xs in scores.items():
        ei = np.array([EASE[x] for x in xs])
        samples.append(Sample(key, len(xs), float(ei.mean()), float(ei.var(ddof=1))))
    expected = {e.key: e for e in shrink(samples).estimates}
    for key, row in rows(doc).items():
        assert row["n"] == len(scores[key])
        assert row["shrunk"] == pytest.approx(expected[key].estimate)
        lo, hi = expected[key].ci or (0.0, 0.0)
        # The normal interval, cut to the effort index's range.
        assert row["shrunk_ci"] == pytest.approx([max(lo, 0.0), min(hi, 100.0)])
        assert row["rank"] == expected[key].rank
        # Back on the 1–7 ease scale: 7 − index·6/100.
        assert row["shrunk_mean"] == pytest.approx(7 - (expected[key].estimate or 0) * 6 / 100)
    assert doc["scale"]["key"] == "1-7" and doc["metric"] == "mean"


def test_raw_figures_equal_those_of_v1_metrics_by_agent(
    f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    team(f, settings, workspace.id)
    record(f, settings, workspace.id, None, [4, 5])  # answers with no agent
    doc = service.agent_table(f, workspace.id)
    w = service.window(workspace_row(f, workspace.id).timezone)
    reference = metrics(
        f,
        workspace_row(f, workspace.id),
        MetricsQuery(start=w.start, end=w.end, by=("agent",), periods=()),
    )
    groups = {g["value"]: g for g in reference["groups"]["agent"]}
    for key, row in rows(doc).items():
        g = groups[key]
        assert (row["n"], row["mean"], row["ci"]) == (g["n"], g["mean"], g["ci95"])
        assert (row["effort_index"], row["effort_index_ci"]) == (
            g["effort_index"],
            g["effort_index_ci95"],
        )
        assert row["response_rate"]["rate"] == g["response_rate"]["rate"]
    # The team is every answer with an agent; those without one are counted apart.
    assert doc["unassigned"] == 2 == groups[None]["n"]
    assert doc["team"]["n"] == reference["overall"]["n"] - 2


def test_names_come_from_accounts_and_agents_without_answers_are_listed_unranked(
    f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    record(f, settings, workspace.id, "a-7", [7, 6, 5, 6])
    record(f, settings, workspace.id, "b-2", [4, 5, 6])
    for agent, name in (("a-7", "Amel Roux"), ("z-9", "Zoé Petit")):
        create_account(
            f,
            workspace.id,
            email=f"{agent}@example.com",
            name=name,
            role="agent",
            password="long enough password",
            agent_id=agent,
        )
    r = rows(service.agent_table(f, workspace.id))
    assert (r["a-7"]["name"], r["a-7"]["has_account"]) == ("Amel Roux", True)
    assert (r["b-2"]["name"], r["b-2"]["has_account"]) == ("b-2", False)
    assert r["z-9"]["n"] == 0 and r["z-9"]["rank"] is None and r["z-9"]["shrunk"] is None
    assert list(r)[-1] == "z-9"  # unranked agents come last


def test_agents_who_all_do_as_well_share_rank_one_and_it_is_said(
    f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    for agent in ("a", "b", "c"):
        record(f, settings, workspace.id, agent, [7, 6, 5, 4, 6, 7])
    doc = service.agent_table(f, workspace.id)
    assert doc["tau2"] == 0.0 and doc["ranking"]["status"] == "no_between_variance"
    assert {r["rank"] for r in rows(doc).values()} == {1}
    target = doc["ranking"]["target"]
    assert all(r["shrunk"] == pytest.approx(target) for r in rows(doc).values())


def test_different_scales_are_ranked_on_the_effort_index_and_the_page_says_so(
    f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    ensure_touchpoint(f, workspace.id, "livraison", scale="1-5", polarity="effort")
    record(f, settings, workspace.id, "a", [7, 7, 6], touchpoint="support")
    record(f, settings, workspace.id, "b", [1, 2, 5], touchpoint="livraison")
    doc = service.agent_table(f, workspace.id, lang="en")
    assert doc["metric"] == "effort_index" and doc["scale"] is None
    note = str(doc["scale_note"])
    assert "different questions" in note
    assert "1-7, ease (high score = easy)" in note and "1-5, effort (low score = easy)" in note
    r = rows(doc)
    assert r["a"]["mean"] is None and r["a"]["shrunk_mean"] is None
    # b: effort 1, 2, 5 on 1–5 → index 0, 25, 100 → mean 41.67.
    assert r["b"]["effort_index"] == pytest.approx(125 / 3)
    one = service.agent_table(f, workspace.id, touchpoint="livraison", lang="en")
    assert one["metric"] == "mean" and "(1-5, effort (low score = easy))" in one["scale_note"]
    assert list(rows(one)) == ["b"]


def test_default_period_is_the_last_twelve_iso_weeks_in_the_workspace_zone(
    f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    now = datetime.now(UTC)
    w = service.window("Europe/Paris", now=now)
    assert w.start.weekday() == 0 and (w.end - w.start).days // 7 == 11 and w.default
    record(f, settings, workspace.id, "old", [7, 7], at=now - timedelta(weeks=13))
    record(f, settings, workspace.id, "new", [5, 6])
    doc = service.agent_table(f, workspace.id)
    assert "old" not in rows(doc) and doc["period"]["default"] is True
    since = service.agent_table(f, workspace.id, start=(now - timedelta(weeks=14)).date())
    assert set(rows(since)) == {"old", "new"} and since["period"]["default"] is False
    # Midnight in Tokyo is still yesterday in Paris: "today" is the zone's.
    late = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    assert service.window("Asia/Tokyo", now=late).end == date(2026, 3, 2)
    assert service.window("Europe/Paris", now=late).end == date(2026, 3, 2)
    assert service.window("America/New_York", now=late).end == date(2026, 3, 1)


@pytest.mark.parametrize(
    ("kwargs", "field", "status"),
    [
        ({"start": date(2026, 3, 9), "end": date(2026, 3, 1)}, "from", 422),
        ({"tz": "Mars/Olympus"}, "tz", 422),
        ({"touchpoint": "nowhere"}, None, 404),
    ],
)
def test_bad_parameters_are_refused_naming_what_is_wrong(
    f: sessionmaker[Session],
    workspace: NewWorkspace,
    kwargs: dict[str, object],
    field: str | None,
    status: int,
) -> None:
    with pytest.raises(ServiceError) as caught:
        service.agent_table(f, workspace.id, **kwargs)  # type: ignore[arg-type]
    assert caught.value.status == status
    if field:
        assert caught.value.details[0]["field"] == field


def test_agent_page_has_their_trend_and_their_best_and_hardest_comments(
    f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    now = datetime.now(UTC)
    week_ago = now - timedelta(days=7)
    record(
        f, settings, workspace.id, "a-7", [(7, "Très simple, merci"), (2, "Trop long")], at=week_ago
    )
    best = [(7, f"Parfait {i}") for i in range(12)]
    record(f, settings, workspace.id, "a-7", [*best, (6, None), (1, "Trois appels")])
    record(f, settings, workspace.id, "b-2", [(7, "Collègue ravi"), (1, "Collègue furieux")])
    page = service.agent_page(f, workspace.id, "a-7")
    assert page["agent"]["n"] == 16 and page["agent"]["rank"] is not None
    comments = [c["comment"] for c in page["best"]]
    assert comments == [f"Parfait {i}" for i in range(11, 1, -1)]  # newest first, at most 10
    assert [c["comment"] for c in page["hardest"]] == ["Trois appels", "Trop long"]
    assert page["hardest"][0]["effort_index"] == 100.0
    assert "agents" not in page  # nothing about colleagues
    weeks = [w["week"] for w in page["weekly"]]
    assert len(weeks) == 2 and sum(w["own_n"] for w in page["weekly"]) == 16
    assert page["ranked"] == 2


def test_agent_page_of_an_agent_the_workspace_never_had_is_not_found(
    f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    other = create_workspace(f, "Autre")
    record(f, settings, other.id, "x-1", [7, 6])
    with pytest.raises(ServiceError) as caught:
        service.agent_page(f, workspace.id, "x-1")
    assert caught.value.status == 404
    assert rows(service.agent_table(f, workspace.id)) == {}
    assert "x-1" in rows(service.agent_table(f, other.id))


def test_agent_page_outside_their_answers_period_shows_no_figures(
    f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    record(f, settings, workspace.id, "a-7", [7, 6], at=datetime.now(UTC) - timedelta(weeks=20))
    page = service.agent_page(f, workspace.id, "a-7")
    assert page["agent"]["n"] == 0 and page["agent"]["rank"] is None
    assert page["best"] == [] and page["weekly"] == []


def test_an_empty_workspace_gives_an_empty_table(
    f: sessionmaker[Session], workspace: NewWorkspace
) -> None:
    doc = service.agent_table(f, workspace.id, lang="en")
    assert doc["agents"] == [] and doc["team"]["n"] == 0
    assert doc["scale_note"] == "No answers from agents in this period."


def test_doctests() -> None:
    assert doctest.testmod(service).failed == 0
