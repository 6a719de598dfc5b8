"""Weeks and dates far off (year 1, year 9999) are a 422 naming the value and the range,
never a 500: years 2000 to 2100 (both databases)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from fluide.storage.dashboard_models import Action
from fluide.storage.models import Event
from tests.service.conftest import event_body, touchpoint_body

EN = {"Accept-Language": "en"}
DATE_RANGE = "dates go from 2000-01-01 to 2100-12-31"
WEEK_RANGE = "weeks go from 2000-W01 to 2100-W52"


def problem(r: object) -> tuple[str, str]:
    """The (field, problem) of a 422 with one detail."""
    assert getattr(r, "status_code", None) == 422, getattr(r, "text", r)
    [detail] = r.json()["error"]["details"]  # type: ignore[attr-defined]
    return detail["field"], detail["problem"]


@pytest.mark.parametrize(
    ("week", "words"),
    [
        ("0001-W01", f"Week 0001-W01 is out of range: {WEEK_RANGE}."),
        ("9999-W52", f"Week 9999-W52 is out of range: {WEEK_RANGE}."),
        ("2025-W53", "2025-W53 is not an ISO week: write it like 2026-W47."),  # 52 weeks
    ],
)
def test_a_week_out_of_range_is_a_422_naming_it_and_the_range(
    client: TestClient, auth: dict[str, str], week: str, words: str
) -> None:
    r = client.get("/v1/frictions", params={"week": week}, headers={**auth, **EN})
    assert problem(r) == ("week", words)
    assert r.json()["error"]["message"] == words


def test_a_53rd_week_that_exists_is_read(client: TestClient, auth: dict[str, str]) -> None:
    # 2026 starts on a Thursday: it has 53 ISO weeks.
    r = client.get("/v1/frictions", params={"week": "2026-W53"}, headers=auth)
    assert r.status_code == 200 and r.json()["week"] == "2026-W53"


def test_the_range_is_in_the_requests_language(client: TestClient, auth: dict[str, str]) -> None:
    r = client.get("/v1/frictions", params={"week": "0001-W01"}, headers=auth)
    assert r.json()["error"]["message"] == (
        "La semaine 0001-W01 est hors de la plage permise : "
        "les semaines vont de 2000-W01 à 2100-W52."
    )
    r = client.get("/v1/metrics", params={"from": "0001-01-01"}, headers=auth)
    assert problem(r)[1] == (
        "0001-01-01 est hors de la plage permise : les dates vont du 2000-01-01 au 2100-12-31."
    )


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
@pytest.mark.parametrize(
    "path", ["/v1/metrics", "/v1/funnel", "/v1/verbatims", "/v1/agents", "/v1/agents/a-1"]
)
@pytest.mark.parametrize("param", ["from", "to"])
def test_a_date_out_of_range_in_a_query_is_a_422(
    client: TestClient, auth: dict[str, str], path: str, param: str, day: str
) -> None:
    r = client.get(path, params={param: day}, headers={**auth, **EN})
    assert problem(r) == (f"query.{param}", f"{day} is out of range: {DATE_RANGE}.")


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
@pytest.mark.parametrize("field", ["due_on", "delivered_on"])
def test_an_action_date_out_of_range_is_a_422_and_nothing_is_stored(
    app: FastAPI, client: TestClient, auth: dict[str, str], field: str, day: str
) -> None:
    assert client.post("/v1/touchpoints", json=touchpoint_body(), headers=auth).status_code == 201
    body = {"touchpoint": "payer", "title": "Fix", "kind": "other", field: day}
    if field == "delivered_on":
        body["status"] = "delivered"
    r = client.post("/v1/actions", json=body, headers={**auth, **EN})
    assert problem(r) == (field, f"{day} is out of range: {DATE_RANGE}.")
    made = client.post("/v1/actions", json={**body, field: "2026-03-02"}, headers=auth)
    assert made.status_code == 201, made.text
    url = f"/v1/actions/{made.json()['id']}"
    assert problem(client.patch(url, json={field: day}, headers={**auth, **EN}))[0] == field
    assert client.get(url, headers=auth).json()[field] == "2026-03-02"
    with app.state.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Action)) == 1


@pytest.mark.parametrize("at", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_an_event_dated_out_of_range_is_a_422_not_a_500(
    app: FastAPI, client: TestClient, auth: dict[str, str], at: str
) -> None:
    r = client.post("/v1/events", json={**event_body(), "occurred_at": at}, headers={**auth, **EN})
    field, text = problem(r)
    assert field == "occurred_at" and f"is out of range: {DATE_RANGE}" in text
    with app.state.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Event)) == 0


def test_an_event_of_the_first_day_of_the_range_is_decided(
    client: TestClient, auth: dict[str, str]
) -> None:
    body = {**event_body(), "occurred_at": "2000-01-01T00:00:00+01:00"}  # 1999 in UTC
    r = client.post("/v1/events", json=body, headers=auth)
    assert r.status_code == 200 and r.json()["decision"] == "no_trigger"


@pytest.mark.parametrize("at", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_a_forged_cursor_far_off_is_a_422(
    client: TestClient, auth: dict[str, str], at: str
) -> None:
    cursor = base64.urlsafe_b64encode(f"{at}|rsp_x".encode()).decode().rstrip("=")
    r = client.get("/v1/verbatims", params={"cursor": cursor}, headers=auth)
    assert problem(r)[0] == "cursor"


def test_dates_inside_the_range_still_work(client: TestClient, auth: dict[str, str]) -> None:
    today = datetime.now(UTC).date()
    for path in ("/v1/metrics", "/v1/funnel", "/v1/verbatims", "/v1/agents"):
        params = {"from": "2000-01-01", "to": (today + timedelta(days=1)).isoformat()}
        assert client.get(path, params=params, headers=auth).status_code == 200, path
