"""The drivers of a touchpoint's answers: features built from the stored data, fed to the
same LMG as ``fluide drivers`` (both databases for the stored case)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from fluide.domain import drivers as dd
from fluide.services import drivers_live
from fluide.services.tags import ensure_seeded
from fluide.services.workspaces import NewWorkspace
from fluide.settings import Settings
from fluide.storage.contacts import AnswerOf
from fluide.storage.db import write_session
from fluide.storage.models import ResponseTag
from fluide.storage.types import new_id
from tests.verbatims import answer

T = datetime(2026, 10, 5, 8, 0, tzinfo=UTC)


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _answer(i: int, **kw: Any) -> AnswerOf:
    return AnswerOf(f"c{i}", T + timedelta(seconds=i), 4, "v1", id=f"r{i}", event_id=f"e{i}", **kw)


def test_tags_become_0_1_columns_most_carried_first_and_never_more_than_ten_features() -> None:
    answers = [
        _answer(
            i,
            outcome="failure" if i % 4 == 0 else "success",
            channel="web" if i % 2 else "mail",
            agent_id=f"a{i % 3}",
            customer_since="2020-01-01" if i % 5 else "2026-10-01",
        )
        for i in range(40)
    ]
    # Tag tN is carried by answers 0..(9+N): t0 by 10 answers … t11 by 21; rare by 3.
    tags_of: dict[str, set[str]] = {}
    for n in range(12):
        for i in range(10 + n):
            tags_of.setdefault(f"r{i}", set()).add(f"t{n:02d}")
    for i in range(3):
        tags_of[f"r{i}"].add("rare")
    tags_of["r39"] = {"inactive"}
    active = [f"t{n:02d}" for n in range(12)] + ["rare"]
    recontacted = [i < 8 for i in range(40)]
    attempts = {f"e{i}": ("1", "2", "3+")[i % 3] for i in range(30)}
    kept, left = drivers_live.features_of(
        answers, tags_of, active, recontacted, attempts, ZoneInfo("UTC")
    )
    assert len(kept) == dd.MAX_FEATURES
    assert list(kept)[:6] == list(drivers_live.BASE_FEATURES)
    # Four slots left for tags: the most carried ones (t11, t10, t09, t08).
    assert list(kept)[6:] == ["tag:t11", "tag:t10", "tag:t09", "tag:t08"]
    assert kept["tag:t11"] == ["1" if i < 21 else "0" for i in range(40)]
    assert kept["recontacted"][:9] == ["1"] * 8 + ["0"]
    assert kept["attempts"][:4] == ["1", "2", "3+", "1"] and kept["attempts"][35] == ""
    assert kept["tenure"][0] == "new" and kept["tenure"][1] == "established"
    reasons = {x["feature"]: (x["reason"], x["answers"]) for x in left}
    assert reasons["tag:t07"] == ("limit", 17)
    assert reasons["tag:rare"] == ("too_few_answers", 3)
    assert "tag:inactive" not in reasons and "tag:inactive" not in kept


def test_a_feature_with_one_level_is_left_out_and_says_so() -> None:
    answers = [_answer(i, channel="web") for i in range(5)]
    kept, left = drivers_live.features_of(answers, {}, [], [False] * 5, {}, ZoneInfo("UTC"))
    assert kept == {}
    assert {x["feature"]: x["reason"] for x in left} == dict.fromkeys(
        drivers_live.BASE_FEATURES, "one_level"
    )


def test_stored_answers_give_the_domains_drivers_on_the_same_columns(
    client: TestClient, workspace: NewWorkspace, settings: Settings
) -> None:
    key = workspace.api_key
    factory = client.app.state.sessions  # type: ignore[attr-defined]
    client.patch("/v1/workspace", json={"timezone": "UTC"}, headers=auth(key))
    ensure_seeded(factory, workspace.id)
    users = [f"c{i:02d}" for i in range(40)]
    scores = [1 + i % 2 if i < 12 else 4 + i % 4 for i in range(40)]
    ids = answer(factory, settings, workspace.id, [(s, None) for s in scores], at=T, users=users)
    with write_session(factory) as s:
        for i, rid in enumerate(ids):
            for tag in ["payment"] * (i < 12) + ["login"] * (i in (20, 21, 22)):
                s.add(
                    ResponseTag(
                        id=new_id("rt"),
                        workspace_id=workspace.id,
                        response_id=rid,
                        tag=tag,
                        source="model",
                        confidence=0.9,
                    )
                )
    events = []
    for i in range(10):  # recontacted: two calls within 7 days before answering
        for d in (3, 2):
            events.append(
                {
                    "id": f"call-{i}-{d}",
                    "type": "call",
                    "user": {"id": users[i]},
                    "occurred_at": (T - timedelta(days=d)).isoformat(),
                }
            )
    for i in range(6):  # attempts: one failure before the success (3+: two for the first 3)
        for m in (10, 20)[: 1 + (i < 3)]:
            events.append(
                {
                    "id": f"fail-{i}-{m}",
                    "type": "payment_failed",
                    "user": {"id": users[i]},
                    "occurred_at": (T - timedelta(minutes=m)).isoformat(),
                }
            )
    r = client.post("/v1/events", json={"events": events}, headers=auth(key))
    assert r.status_code == 200, r.text

    doc = client.get(
        "/v1/touchpoints/payer/drivers?from=2026-10-01&to=2026-10-10", headers=auth(key)
    ).json()
    columns = {
        "recontacted": ["1" if i < 10 else "0" for i in range(40)],
        "attempts": ["3+" if i < 3 else "2" if i < 6 else "1" for i in range(40)],
        "tag:payment": ["1" if i < 12 else "0" for i in range(40)],
    }
    assert (doc["from"], doc["to"]) == ("2026-10-01", "2026-10-10")
    assert doc["features"]["considered"] == list(columns)
    left = {x["feature"]: x["reason"] for x in doc["features"]["left_out"]}
    assert left == {
        "outcome": "one_level",
        "tenure": "one_level",
        "channel": "one_level",
        "agent": "one_level",
        "tag:login": "too_few_answers",
    }
    effort = [8 - s for s in scores]  # 1-7 ease: effort-oriented score is 8 − score
    expected = dd.drivers(effort, columns, seed=0, resamples=drivers_live.RESAMPLES)
    assert doc["n"] == 40 and doc["r2"] == expected.r2 and doc["r2"] > 0
    assert doc["drivers"] == [d.to_json() for d in expected.drivers]
    assert doc["drivers"][0]["feature"] == "tag:payment"
    # The same request twice: the seeded bootstrap gives the same intervals.
    again = client.get(
        "/v1/touchpoints/payer/drivers?from=2026-10-01&to=2026-10-10", headers=auth(key)
    ).json()
    assert again["drivers"] == doc["drivers"]
    # Fewer answers than the minimum: nothing estimated, and why.
    few = client.get(
        "/v1/touchpoints/payer/drivers?from=2026-11-01&to=2026-11-02", headers=auth(key)
    ).json()
    assert few["n"] == 0 and few["drivers"] == [] and few["r2"] is None
