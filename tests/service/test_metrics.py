"""``GET /v1/metrics``: the document of ``fluide analyze``, from the collected answers.

Answers are collected through the real services (events → invitations →
responses, with their clocks set); the same answers are then written to a CSV
and given to ``fluide analyze``: every block must be the same. Figures are
also checked against an independent computation (NumPy/SciPy), and response
rates against the invitations sent.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from fastapi import FastAPI
from fastapi.testclient import TestClient
from scipy import stats
from typer.testing import CliRunner

from fluide.api.schemas import EventIn
from fluide.cli import app as cli_app
from fluide.services.decide_batch import decide_batch
from fluide.services.metrics import offsets
from fluide.services.responses import Answer, record_responses
from fluide.services.workspaces import NewWorkspace, create_workspace
from fluide.storage.db import write_session
from fluide.storage.models import Workspace
from tests.factories import write_csv
from tests.service.conftest import event_body, touchpoint_body
from tests.test_cli_contract import close, reference

TZ = "Europe/Paris"
PARIS = ZoneInfo(TZ)
START = datetime(2026, 5, 4, 8, 0, tzinfo=PARIS)  # a Monday, 2026-W19
BY = ("outcome", "tenure", "plan", "channel", "agent", "touchpoint")
CSV_HEADER = (
    "responded_at",
    "score",
    "comment",
    "touchpoint",
    "outcome",
    "channel",
    "agent",
    "plan",
    "customer_since",
    "question_version",
)


@dataclass(frozen=True)
class Planned:
    """One action, its invitation (at ``at``), and the answer ``delay`` later (or none)."""

    n: int
    touchpoint: str
    event: str
    at: datetime
    delay: timedelta
    score: int | None
    comment: str | None
    channel: str
    plan: str | None
    since: str
    agent: str | None

    @property
    def answered_at(self) -> datetime:
        return self.at + self.delay

    @property
    def outcome(self) -> str:
        return "failure" if self.event == "payment_failed" else "success"


def plan(
    seed: int = 5, weeks: tuple[int, ...] = (36, 34, 33, 9), start: datetime = START
) -> list[Planned]:
    """Four weeks of actions in Paris (the last one thin), a quarter never answered."""
    rng = np.random.default_rng(seed)
    out: list[Planned] = []
    n = 0
    for week, count in enumerate(weeks):
        for i in range(count + count // 4):
            touchpoint = "payer" if rng.random() < 0.7 else "activer"
            failed = touchpoint == "payer" and rng.random() < 0.3
            at = start + timedelta(days=7 * week + int(rng.integers(0, 7)))
            at += timedelta(minutes=int(rng.integers(0, 12 * 60)))
            delay = timedelta(minutes=int(rng.integers(1, 180)))
            if week < 2 and i < 2:  # Sunday 23:40 in Paris, answered on Monday
                at = start + timedelta(days=7 * week + 6, hours=15, minutes=40)
                delay = timedelta(minutes=30)
            answered = i < count
            score = int(rng.integers(1, 5) if failed else rng.integers(3, 8))
            comment = None
            if answered and rng.random() < 0.5:
                comment = f"pas simple {n}" if score <= 3 else "rapide"
            out.append(
                Planned(
                    n=n,
                    touchpoint=touchpoint,
                    event="account_activated"
                    if touchpoint == "activer"
                    else ("payment_failed" if failed else "payment_succeeded"),
                    at=at,
                    delay=delay,
                    score=score if answered else None,
                    comment=comment,
                    channel=str(rng.choice(["in_app", "email"])),
                    plan=[None, "pro", "free"][int(rng.integers(0, 3))],
                    since=(at.date() - timedelta(days=int(rng.integers(0, 300)))).isoformat(),
                    agent=[None, "a-1", "a-2"][int(rng.integers(0, 3))],
                )
            )
            n += 1
    return out


def setup_touchpoints(client: TestClient, auth: dict[str, str]) -> None:
    for body in (
        touchpoint_body(),
        touchpoint_body(
            key="activer",
            task="activer",
            question={"fr": "J'ai pu activer mon compte facilement"},
            triggers=[{"event": "account_activated"}],
        ),
    ):
        r = client.post("/v1/touchpoints", headers=auth, json=body)
        assert r.status_code == 201, r.text


def collect(app: FastAPI, workspace_id: str, planned: list[Planned]) -> None:
    """Each action through the events service, each answer through the responses service.

    Every planned action is a new user's, so deciding them in one transaction, each at
    its own moment, stores what one request per action would (as ``tests/verbatims.py``
    does); the answers are then recorded together, in time order."""
    factory, settings = app.state.sessions, app.state.settings
    with factory() as s:
        ws = s.get(Workspace, workspace_id)
    assert ws is not None
    events = []
    for p in planned:
        body = event_body(
            f"evt-{p.n}",
            f"u-{p.n}",
            p.event,
            now=p.at,
            channel=p.channel,
            properties={"agent_id": p.agent} if p.agent else {},
        )
        body["user"]["attributes"] = {"customer_since": p.since} | (
            {"plan": p.plan} if p.plan else {}
        )
        events.append(EventIn.model_validate(body))
    assert len({e.user.id for e in events}) == len(events), "one action per user"
    with write_session(factory) as s:
        decisions, _ = decide_batch(s, ws, events, [p.at for p in planned], settings, "api", None)
    due = []
    for p, decision in zip(planned, decisions, strict=True):
        assert decision["decision"] == "invited", decision
        if p.score is not None:
            token = decision["invitation"]["url"].rsplit("/s/", 1)[1]
            due.append(Answer(token, p.score, p.comment, p.answered_at))
    record_responses(factory, settings, sorted(due, key=lambda a: a.at))


def write_export(path: Path, planned: list[Planned]) -> Path:
    rows = [
        (
            p.answered_at.astimezone(UTC).isoformat(),
            p.score,
            p.comment or "",
            p.touchpoint,
            p.outcome,
            p.channel,
            p.agent or "",
            p.plan or "",
            p.since,
            "v1",
        )
        for p in planned
        if p.score is not None
    ]
    return write_csv(path, rows, CSV_HEADER)


def cli_json(path: Path, *args: str) -> dict[str, Any]:
    result = CliRunner().invoke(
        cli_app,
        ["analyze", str(path), "--scale", "1-7", "--polarity", "ease", "--format", "json", *args],
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def same(api: Any, cli: Any, where: str = "") -> None:
    """Equal to 1e-9, response rates aside (a file knows no invitations)."""
    if isinstance(cli, dict):
        assert set(api) == set(cli), where
        for key in cli:
            if key != "response_rate":
                same(api[key], cli[key], f"{where}.{key}")
    elif isinstance(cli, list):
        assert len(api) == len(cli), where
        for i, (a, c) in enumerate(zip(api, cli, strict=True)):
            same(a, c, f"{where}[{i}]")
    elif isinstance(cli, float):
        assert math.isclose(api, cli, rel_tol=1e-9, abs_tol=1e-9), f"{where}: {api} != {cli}"
    else:
        assert api == cli, where


def metrics(client: TestClient, auth: dict[str, str], **params: Any) -> dict[str, Any]:
    r = client.get("/v1/metrics", headers=auth, params=params)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def wilson(k: int, n: int) -> list[float]:
    z = stats.norm.ppf(0.975)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return [max(0.0, centre - half) if k else 0.0, min(1.0, centre + half) if k < n else 1.0]


def check_rate(rate: dict[str, Any], invited: list[Planned]) -> None:
    answered = sum(p.score is not None for p in invited)
    assert (rate["invited"], rate["answered"]) == (len(invited), answered)
    assert math.isclose(rate["rate"], answered / len(invited), abs_tol=1e-9)
    close(rate["ci95"], wilson(answered, len(invited)), "ci95")


def tenure(p: Planned, day: date) -> str:
    return "new" if (day - date.fromisoformat(p.since)).days < 90 else "established"


def test_metrics_are_the_document_of_fluide_analyze_on_the_same_answers(
    client: TestClient, auth: dict[str, str], app: FastAPI, workspace: NewWorkspace, tmp_path: Path
) -> None:
    setup_touchpoints(client, auth)
    planned = plan()
    collect(app, workspace.id, planned)
    doc = metrics(client, auth, by=list(BY), tz=TZ, period=["week", "day"])
    by_args = [x for b in BY for x in ("--by", b)]
    path = write_export(tmp_path / "answers.csv", planned)
    cli = cli_json(path, *by_args, "--tz", TZ, "--period", "week", "--period", "day")
    assert set(doc) == set(cli)
    assert doc["scale"] == cli["scale"] and doc["metric"] == cli["metric"] == "mean"
    same(doc["overall"], cli["overall"], "overall")
    for name in BY:
        answered = [g for g in doc["groups"][name] if g["n"] > 0]
        same(answered, cli["groups"][name], f"groups.{name}")
    same(doc["weekly"], cli["weekly"], "weekly")
    same(doc["daily"], cli["daily"], "daily")
    assert [(w["code"], w["params"]) for w in doc["warnings"]] == [
        (w["code"], w["params"]) for w in cli["warnings"]
    ]
    assert doc["verbatims"] == cli["verbatims"] and len(doc["verbatims"]) == 10
    answers = [p for p in planned if p.score is not None]
    days = sorted(p.answered_at.astimezone(PARIS).date().isoformat() for p in answers)
    assert doc["input"] == {
        "source": "database",
        "rows": len(answers),
        "tz": TZ,
        "first": days[0],
        "last": days[-1],
        "touchpoint": None,
        "from": None,
        "to": None,
    }
    # Independently of Fluide's code: NumPy and SciPy on the raw answers.
    ref = reference(path)
    close(doc["overall"], ref["overall"], "overall")
    for col, values in ref["groups"].items():  # type: ignore[attr-defined]
        got = {g["value"]: g for g in doc["groups"][col]}
        for value, block in values.items():
            close(got[value], block, f"groups.{col}.{value}")
    close(doc["weekly"], ref["weekly"], "weekly")
    assert doc["weekly"][-1]["pooled"] and "pooled_periods" in {w["code"] for w in doc["warnings"]}


def test_days_and_weeks_follow_the_time_zone_across_a_clock_change(
    client: TestClient, auth: dict[str, str], app: FastAPI, workspace: NewWorkspace, tmp_path: Path
) -> None:
    setup_touchpoints(client, auth)
    planned = plan(seed=6, weeks=(30, 30), start=datetime(2026, 3, 23, 8, 0, tzinfo=PARIS))
    collect(app, workspace.id, planned)
    path = write_export(tmp_path / "dst.csv", planned)
    for tz in (TZ, "America/New_York", "Asia/Kathmandu"):
        doc = metrics(client, auth, tz=tz, period=["day", "week"], by="tenure")
        cli = cli_json(path, "--tz", tz, "--period", "day", "--period", "week", "--by", "tenure")
        same(doc["daily"], cli["daily"], f"{tz} daily")
        same(doc["weekly"], cli["weekly"], f"{tz} weekly")
        answered = [g for g in doc["groups"]["tenure"] if g["n"] > 0]
        same(answered, cli["groups"]["tenure"], f"{tz} tenure")
        days = Counter(
            p.answered_at.astimezone(ZoneInfo(tz)).date().isoformat()
            for p in planned
            if p.score is not None
        )
        assert {d["day"]: d["own_n"] for d in doc["daily"] if d["own_n"]} == days


def test_offsets_change_at_the_clock_change() -> None:
    paris = ZoneInfo(TZ)
    spring = offsets(paris, datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC))
    assert spring == (
        (datetime(2026, 3, 29, 1, tzinfo=UTC), 3600),
        (datetime(2026, 10, 25, 1, tzinfo=UTC), 7200),
        (None, 3600),
    )
    assert offsets(ZoneInfo("UTC"), None, None) == ((None, 0),)


def test_response_rate_is_answers_over_invitations_overall_and_per_group(
    client: TestClient, auth: dict[str, str], app: FastAPI, workspace: NewWorkspace
) -> None:
    setup_touchpoints(client, auth)
    planned = plan(seed=11, weeks=(12, 10))
    collect(app, workspace.id, planned)
    doc = metrics(client, auth, by=["outcome", "plan", "tenure", "agent"], tz=TZ)
    check_rate(doc["overall"]["response_rate"], planned)
    for name, value_of in (
        ("outcome", lambda p: p.outcome),
        ("plan", lambda p: p.plan),
        ("agent", lambda p: p.agent),
        ("tenure", lambda p: tenure(p, p.at.astimezone(PARIS).date())),
    ):
        got = {g["value"]: g["response_rate"] for g in doc["groups"][name]}
        assert set(got) == {value_of(p) for p in planned}, name
        for value, rate in got.items():
            check_rate(rate, [p for p in planned if value_of(p) == value])
    assert all(w["response_rate"] is None for w in doc["weekly"])


def test_window_counts_answers_by_answer_time_and_invitations_by_sending_time(
    client: TestClient, auth: dict[str, str], app: FastAPI, workspace: NewWorkspace
) -> None:
    setup_touchpoints(client, auth)
    planned = plan(seed=3, weeks=(8, 8, 8))
    collect(app, workspace.id, planned)
    first, last = date(2026, 5, 11), date(2026, 5, 17)  # the second week, in Paris

    def inside(moment: datetime) -> bool:
        return first <= moment.astimezone(PARIS).date() <= last

    doc = metrics(client, auth, tz=TZ, **{"from": first.isoformat(), "to": last.isoformat()})
    answers = [p for p in planned if p.score is not None and inside(p.answered_at)]
    assert doc["overall"]["n"] == len(answers)
    expected = Counter(p.score for p in answers)
    assert doc["overall"]["distribution"] == {str(k): expected[k] for k in range(1, 8)}
    invited = [p for p in planned if inside(p.at)]
    check_rate(doc["overall"]["response_rate"], invited)
    # The Sunday 23:40 invitations answered on Monday: counted once on each side.
    assert {p.n for p in answers} != {p.n for p in invited if p.score is not None}
    assert doc["input"]["from"] == "2026-05-11" and doc["input"]["to"] == "2026-05-17"
    assert [w["week"] for w in doc["weekly"]] == ["2026-W20"]


def patch(client: TestClient, auth: dict[str, str], **changes: Any) -> None:
    r = client.patch("/v1/touchpoints/payer", headers=auth, json=changes)
    assert r.status_code == 200, r.text


def test_question_versions_are_pooled_only_when_they_ask_on_the_same_scale(
    client: TestClient, auth: dict[str, str], app: FastAPI, workspace: NewWorkspace
) -> None:
    setup_touchpoints(client, auth)
    payer = [p for p in plan(seed=2, weeks=(10, 10, 10)) if p.touchpoint == "payer"]
    week = {w: [p for p in payer if (p.at - START).days // 7 == w] for w in range(3)}
    collect(app, workspace.id, week[0])
    patch(client, auth, question={"fr": "Payer a été facile", "en": "Paying was easy"})
    collect(app, workspace.id, week[1])
    doc = metrics(client, auth, touchpoint="payer", tz=TZ)
    assert doc["scale"]["question_versions"] == ["v1", "v2"]
    [warning] = [w for w in doc["warnings"] if w["code"] == "question_versions_mixed"]
    assert warning["params"] == {"versions": ["v1", "v2"]} and "v1, v2" in warning["message"]
    assert doc["overall"]["n"] == sum(p.score is not None for p in week[0] + week[1])

    patch(client, auth, scale="1-5", polarity="effort")
    collect(app, workspace.id, [p for p in week[2] if p.score is None or p.score <= 5])
    r = client.get("/v1/metrics", headers=auth | {"Accept-Language": "en"}, params={"tz": TZ})
    assert r.status_code == 409
    error = r.json()["error"]
    assert error["code"] == "mixed_questions"
    assert "1-7 (ease)" in error["message"] and "1-5 (effort)" in error["message"]
    assert "effort_index=true" in error["message"] and "from" in error["message"]
    assert {(d["version"], d["scale"]) for d in error["details"]} >= {(1, "1-7"), (3, "1-5")}
    fr = client.get("/v1/metrics", headers=auth, params={"tz": TZ}).json()["error"]["message"]
    assert "effort_index=true" in fr and "regroup" in fr

    pooled = metrics(client, auth, touchpoint="payer", tz=TZ, effort_index="true")
    assert pooled["metric"] == "effort_index" and pooled["scale"] is None
    assert pooled["overall"]["mean"] is None and pooled["overall"]["effort_index"] is not None
    assert [q["key"] for q in pooled["questions"]] == ["1-7", "1-5"]
    after = metrics(client, auth, touchpoint="payer", tz=TZ, **{"from": "2026-05-19"})
    assert after["scale"]["key"] == "1-5" and after["scale"]["question_versions"] == ["v3"]
    assert after["metric"] == "mean"


def test_touchpoints_on_different_scales_need_the_effort_index(
    client: TestClient, auth: dict[str, str], app: FastAPI, workspace: NewWorkspace
) -> None:
    setup_touchpoints(client, auth)
    r = client.patch("/v1/touchpoints/activer", headers=auth, json={"scale": "1-10"})
    assert r.status_code == 200, r.text
    collect(app, workspace.id, plan(seed=4, weeks=(12,)))
    r = client.get("/v1/metrics", headers=auth)
    assert r.status_code == 409 and r.json()["error"]["code"] == "mixed_questions"
    doc = metrics(client, auth, effort_index="true", by="touchpoint")
    assert doc["metric"] == "effort_index"
    assert {g["value"] for g in doc["groups"]["touchpoint"]} == {"payer", "activer"}
    assert metrics(client, auth, touchpoint="activer")["scale"]["key"] == "1-10"


def test_a_workspace_sees_only_its_own_answers(
    client: TestClient, auth: dict[str, str], app: FastAPI, workspace: NewWorkspace
) -> None:
    setup_touchpoints(client, auth)
    collect(app, workspace.id, plan(seed=8, weeks=(6,)))
    other = create_workspace(app.state.sessions, "Autre boutique")
    other_auth = {"Authorization": f"Bearer {other.api_key}"}
    doc = metrics(client, other_auth, by="outcome")
    assert doc["overall"]["n"] == 0 and doc["groups"]["outcome"] == []
    assert doc["overall"]["response_rate"]["invited"] == 0 and doc["verbatims"] == []
    assert doc["input"]["rows"] == 0 and doc["input"]["tz"] == "Europe/Paris"
    r = client.get("/v1/metrics", headers=other_auth, params={"touchpoint": "payer"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert client.get("/v1/metrics").status_code == 401


def test_empty_touchpoint_and_unknown_attribute_give_empty_figures(
    client: TestClient, auth: dict[str, str]
) -> None:
    setup_touchpoints(client, auth)
    doc = metrics(client, auth, touchpoint="payer", by=["nothing_here"])
    assert doc["scale"]["key"] == "1-7" and doc["metric"] == "mean"
    assert doc["overall"]["n"] == 0 and doc["overall"]["mean"] is None
    assert doc["overall"]["response_rate"] == {
        "invited": 0,
        "answered": 0,
        "rate": None,
        "ci95": None,
    }
    assert doc["groups"] == {"nothing_here": []} and doc["weekly"] == []
    edges = {"from": "2000-01-01", "to": "2100-12-31", "tz": "Pacific/Kiritimati"}
    assert metrics(client, auth, **edges)["input"]["from"] == "2000-01-01"
    # Beyond the range of dates (years 2000 to 2100): a 422 naming it, never a 500.
    far = {"from": "0001-01-01", "to": "9999-12-31", "tz": "Pacific/Kiritimati"}
    r = client.get("/v1/metrics", headers=auth, params=far)
    assert r.status_code == 422
    assert [d["field"] for d in r.json()["error"]["details"]] == ["query.from", "query.to"]


def test_unknown_attribute_is_one_null_group(
    client: TestClient, auth: dict[str, str], app: FastAPI, workspace: NewWorkspace
) -> None:
    setup_touchpoints(client, auth)
    planned = plan(seed=9, weeks=(5,))
    collect(app, workspace.id, planned)
    doc = metrics(client, auth, by="colour")
    [group] = doc["groups"]["colour"]
    assert group["value"] is None and group["n"] == doc["overall"]["n"]
    assert group["response_rate"]["invited"] == len(planned)


def error_of(client: TestClient, auth: dict[str, str], params: Any) -> dict[str, Any]:
    r = client.get("/v1/metrics", headers=auth | {"Accept-Language": "en"}, params=params)
    assert r.status_code == 422, r.text
    body = r.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    return body["error"]  # type: ignore[no-any-return]


def test_bad_parameters_are_refused_naming_the_parameter(
    client: TestClient, auth: dict[str, str]
) -> None:
    e = error_of(client, auth, {"tz": "Mars/Olympus"})
    assert e["code"] == "invalid" and e["details"][0]["field"] == "tz"
    assert "Mars/Olympus" in e["message"] and "tz" in e["message"]
    e = error_of(client, auth, {"from": "2026-06-02", "to": "2026-06-01"})
    assert e["details"][0]["field"] == "from" and "2026-06-02" in e["message"]
    for params, field in (
        ({"by": "plan; drop"}, "by"),
        ({"by": "x" * 65}, "by"),
        ({"period": "year"}, "period"),
        ({"small_sample": "0"}, "small_sample"),
        ({"from": "yesterday"}, "from"),
        ({"verbatims": "-1"}, "verbatims"),
    ):
        e = error_of(client, auth, params)
        assert e["code"] == "invalid" and field in e["details"][0]["field"], params
    fr = client.get("/v1/metrics", headers=auth, params={"tz": "Mars/Olympus"}).json()
    assert "fuseau" in fr["error"]["message"].lower()


def test_openapi_documents_the_route(client: TestClient) -> None:
    op = client.get("/openapi.json").json()["paths"]["/v1/metrics"]["get"]
    assert "fluide analyze" in op["summary"] and "response_rate" in op["description"]
    names = {p["name"] for p in op["parameters"]}
    assert names >= {"touchpoint", "from", "to", "by", "tz", "period", "effort_index"}
