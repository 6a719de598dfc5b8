"""The weekly report's document: its figures are the metrics', frictions', actions' and
follow-ups' own (both databases)."""

from __future__ import annotations

import doctest
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from fluide.services import follow_ups
from fluide.services import frictions as friction_service
from fluide.services.errors import ServiceError
from fluide.services.weekly_report import resolve_workspace, weekly_report
from fluide.services.workspaces import NewWorkspace, create_workspace
from fluide.settings import Settings
from tests.verbatims import answer, ensure_touchpoint, workspace_row
from tests.weekly_data import MONDAY, NOW, SCRIPT, WEEK, build


@pytest.fixture
def f(app: FastAPI) -> sessionmaker[Session]:
    sessions: sessionmaker[Session] = app.state.sessions
    return sessions


@pytest.fixture
def report(
    f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> dict[str, object]:
    build(f, settings, workspace.id)
    return weekly_report(f, settings, workspace.id, now=NOW)


def metrics_of(client: TestClient, auth: dict[str, str], start: str, end: str) -> dict[str, object]:
    r = client.get("/v1/metrics", params={"from": start, "to": end}, headers=auth)
    assert r.status_code == 200, r.text
    doc: dict[str, object] = r.json()
    return doc


def test_figures_of_the_week_and_the_week_before_are_those_of_v1_metrics(
    report: dict[str, object], client: TestClient, auth: dict[str, str]
) -> None:
    assert report["week"] == WEEK and report["previous_week"] == "2026-W46"
    assert (report["start"], report["end"]) == ("2026-11-16", "2026-11-22")
    assert report["metric"] == "mean"
    ces = report["ces"]
    assert isinstance(ces, dict)
    week = metrics_of(client, auth, "2026-11-16", "2026-11-22")["overall"]
    before = metrics_of(client, auth, "2026-11-09", "2026-11-15")["overall"]
    assert isinstance(week, dict) and isinstance(before, dict)
    for key in ("n", "mean", "ci95", "effort_groups", "response_rate", "distribution"):
        assert ces["week"][key] == week[key], key
        assert ces["previous"][key] == before[key], key
    assert ces["week"]["n"] == 7 + 4  # payer 7, activer 4
    assert report["response_rate"] == {
        "week": week["response_rate"],
        "previous": before["response_rate"],
    }
    diff = ces["difference"]
    assert diff["value"] == pytest.approx(week["mean"] - before["mean"])
    low, high = diff["ci95"]
    assert low < diff["value"] < high
    assert 0 <= diff["p_value"] <= 1


def test_touchpoints_each_with_their_week_and_the_week_before(
    report: dict[str, object], client: TestClient, auth: dict[str, str]
) -> None:
    rows = {tp["touchpoint"]: tp for tp in report["touchpoints"]}  # type: ignore[attr-defined]
    assert set(rows) == {"payer", "activer"}
    r = client.get(
        "/v1/metrics",
        params={"from": "2026-11-16", "to": "2026-11-22", "touchpoint": "activer"},
        headers=auth,
    )
    activer = r.json()["overall"]
    assert rows["activer"]["week"]["mean"] == activer["mean"]
    assert rows["activer"]["week"]["ci95"] == activer["ci95"]
    assert rows["activer"]["week"]["n"] == 4
    assert rows["payer"]["scale"]["key"] == "1-7"


def test_twelve_weeks_of_trend_end_with_the_report_week(report: dict[str, object]) -> None:
    trend = report["trend"]
    assert isinstance(trend, dict)
    assert len(trend["weeks"]) == 12 and trend["weeks"][-1] == WEEK
    assert trend["weeks"][0] == "2026-W36"
    assert trend["weekly"][-1]["week"] == WEEK


def test_top_three_frictions_with_two_verbatims_each_at_most(
    report: dict[str, object], f: sessionmaker[Session], workspace: NewWorkspace
) -> None:
    frictions = report["frictions"]
    assert isinstance(frictions, dict)
    top = frictions["top"]
    expected = friction_service.frictions(f, workspace_row(f, workspace.id), week=WEEK, now=NOW)
    assert [x["tag"] for x in top] == [x["tag"] for x in expected["frictions"][:3]]
    # login has two comments in the week: listed nowhere in a top 3 (three are needed).
    assert [x["tag"] for x in top] == ["payment"]
    assert all(1 <= len(x["verbatims"]) <= 2 for x in top)
    comments = {v["comment"] for x in top for v in x["verbatims"]}
    assert SCRIPT in comments  # kept as written: escaping is the renderers' job


def test_actions_delivered_in_the_week_and_to_deliver_by_due_date(
    report: dict[str, object],
) -> None:
    actions = report["actions"]
    assert isinstance(actions, dict)
    assert actions["delivered_scope"] == "week"
    assert [a["title"] for a in actions["delivered"]] == [
        "Message clair quand la carte est refusée"
    ]
    assert [a["title"] for a in actions["to_deliver"]] == [
        "Code de connexion renvoyé au bout d'une minute",
        "FAQ sur la connexion",
        "Macro : délai annoncé",
    ]


def test_without_a_delivery_this_week_the_latest_measured_ones_are_shown(
    f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    build(f, settings, workspace.id)
    later = NOW + timedelta(weeks=1)  # the week after: nothing was delivered then
    doc = weekly_report(f, settings, workspace.id, now=later)
    actions = doc["actions"]
    assert doc["week"] == "2026-W48" and actions["delivered_scope"] == "recent"
    assert actions["delivered"], "a delivered action with a before/after"
    assert all(a["before_after"]["comparable"] for a in actions["delivered"])


def test_overdue_follow_ups_counted_oldest_first_without_customer_contact(
    report: dict[str, object], f: sessionmaker[Session], workspace: NewWorkspace
) -> None:
    fu = report["follow_ups"]
    assert isinstance(fu, dict)
    assert fu["counts"] == follow_ups.counts(f, workspace.id, now=NOW)
    assert fu["counts"]["overdue"] == 2 + 3 + 2  # last week's and this week's hard comments
    dues = [x["due_at"] for x in fu["oldest_overdue"]]
    assert dues == sorted(dues) and len(dues) == 5
    assert all(x["overdue"] for x in fu["oldest_overdue"])
    assert all("customer_email" not in x for x in fu["oldest_overdue"])
    assert fu["oldest_overdue"][0]["comment"] in ("Carte refusée", "Paiement refusé")


def test_the_default_week_is_the_last_complete_one_in_the_workspace_time(
    f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    ensure_touchpoint(f, workspace.id)
    # Sunday 23:30 in Paris: 2026-W47 is not over yet there, though it is in UTC+0 terms.
    sunday_night = datetime(2026, 11, 22, 22, 30, tzinfo=UTC)
    assert weekly_report(f, settings, workspace.id, now=sunday_night)["week"] == "2026-W46"
    monday = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)  # 00:30 on Monday in Paris
    assert weekly_report(f, settings, workspace.id, now=monday)["week"] == WEEK


@pytest.mark.parametrize("week", ["2026-47", "2026-W54", "W47", "2026-W47; drop"])
def test_a_bad_week_is_refused_naming_the_field_and_the_form(
    f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace, week: str
) -> None:
    with pytest.raises(ServiceError) as e:
        weekly_report(f, settings, workspace.id, week=week, now=NOW)
    assert e.value.details[0]["field"] == "week"
    assert week in str(e.value) and "2026-W47" in str(e.value)


def test_a_week_not_started_yet_is_refused(
    f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    with pytest.raises(ServiceError) as e:
        weekly_report(f, settings, workspace.id, week="2026-W50", now=NOW)
    assert "2026-W48" in str(e.value)  # the latest one allowed
    # The current week is allowed, and said to be in progress.
    doc = weekly_report(f, settings, workspace.id, week="2026-W48", now=NOW)
    assert [n["code"] for n in doc["notices"]] == ["week_in_progress"]


def test_different_scales_are_reported_on_the_effort_index_and_per_touchpoint(
    f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    at = datetime.combine(MONDAY + timedelta(days=1), datetime.min.time(), UTC) + timedelta(hours=9)
    answer(f, settings, workspace.id, [(7, None), (3, None)], at=at)
    ensure_touchpoint(f, workspace.id, "livrer", scale="1-5", polarity="effort")
    answer(f, settings, workspace.id, [(1, None), (5, None), (2, None)], touchpoint="livrer", at=at)
    doc = weekly_report(f, settings, workspace.id, now=NOW)
    assert doc["metric"] == "effort_index" and doc["scale"] is None
    assert doc["notices"][0]["code"] == "effort_index"
    week = doc["ces"]["week"]
    assert week["mean"] is None and week["n"] == 5
    # 7 and 3 on 1-7 ease: 0 and 66.7; 1, 5, 2 on 1-5 effort: 0, 100, 25.
    assert week["effort_index"] == pytest.approx((0 + 400 / 6 + 0 + 100 + 25) / 5)
    rows = {tp["touchpoint"]: tp for tp in doc["touchpoints"]}
    assert rows["payer"]["metric"] == "mean" and rows["payer"]["week"]["mean"] == 5.0
    assert rows["livrer"]["scale"]["key"] == "1-5" and rows["livrer"]["week"]["mean"] == 8 / 3
    assert rows["livrer"]["lower_is_better"] is True and rows["payer"]["lower_is_better"] is False


def test_the_workspace_is_found_by_id_name_or_being_the_only_one(
    f: sessionmaker[Session], workspace: NewWorkspace
) -> None:
    assert resolve_workspace(f, None).id == workspace.id
    assert resolve_workspace(f, "Boutique").id == workspace.id
    other = create_workspace(f, "Agence")
    assert resolve_workspace(f, other.id).name == "Agence"
    with pytest.raises(ServiceError) as e:
        resolve_workspace(f, None)
    assert "Agence" in str(e.value) and "Boutique" in str(e.value)
    with pytest.raises(ServiceError) as e:
        resolve_workspace(f, "Nulle part")
    assert e.value.details[0]["field"] == "workspace"


def test_another_workspace_is_not_found(
    f: sessionmaker[Session], settings: Settings, workspace: NewWorkspace
) -> None:
    with pytest.raises(ServiceError) as e:
        weekly_report(f, settings, "ws_nope", now=NOW)
    assert e.value.status == 404


def test_the_examples_in_the_docstrings_hold() -> None:
    from fluide.services import weekly_report as module

    assert doctest.testmod(module).failed == 0
