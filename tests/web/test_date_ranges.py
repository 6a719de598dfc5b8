"""Dashboard pages with a week or a date far off: the page says the value and the range
(years 2000 to 2100), with the dashboard's 422 for a refused value, never a 500 (both
databases)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from fluide.services import actions as service
from fluide.services.errors import ServiceError
from fluide.services.weekly_report import report_week
from fluide.services.workspaces import NewWorkspace
from fluide.storage.dashboard_models import Action
from tests.verbatims import ensure_touchpoint
from tests.web.conftest import Login, logged_in

DATE_RANGE = "dates go from 2000-01-01 to 2100-12-31"
WEEK_RANGE = "weeks go from 2000-W01 to 2100-W52"


@pytest.fixture
def analyst(app: FastAPI, workspace: NewWorkspace) -> Login:
    ensure_touchpoint(app.state.sessions, workspace.id)
    return logged_in(app, workspace.id, "analyst", lang="en")


@pytest.mark.parametrize(
    ("week", "words"),
    [
        ("0001-W01", f"Week 0001-W01 is out of range: {WEEK_RANGE}."),
        ("9999-W52", f"Week 9999-W52 is out of range: {WEEK_RANGE}."),
        ("2025-W53", "2025-W53 is not an ISO week: write it like 2026-W47."),
    ],
)
def test_the_report_page_names_a_week_out_of_range(analyst: Login, week: str, words: str) -> None:
    page = analyst.client.get("/app/report", params={"week": week})
    assert page.status_code == 422 and words in page.text
    as_json = analyst.client.get("/app/report", params={"week": week, "format": "json"})
    assert as_json.status_code == 422 and as_json.json()["error"]["message"] == words
    pdf = analyst.client.get("/app/report.pdf", params={"week": week})
    assert pdf.status_code == 422 and words in pdf.text


def test_the_53rd_week_of_2026_exists_for_the_report() -> None:
    # 2026 starts on a Thursday: its week 53 runs from 28 December 2026 to 3 January 2027.
    after = datetime(2027, 1, 11, 9, tzinfo=UTC)
    assert report_week("2026-W53", "Europe/Paris", after) == "2026-W53"
    with pytest.raises(ServiceError, match="has not started yet"):
        report_week("2026-W53", "Europe/Paris", datetime(2026, 12, 7, tzinfo=UTC))


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
@pytest.mark.parametrize("field", ["due_on", "delivered_on"])
def test_the_actions_form_names_a_date_out_of_range_and_stores_nothing(
    app: FastAPI, analyst: Login, field: str, day: str
) -> None:
    data = {
        "csrf": analyst.csrf,
        "touchpoint": "payer",
        "title": "Fix",
        "kind": "other",
        "status": "delivered" if field == "delivered_on" else "to_deliver",
        field: day,
    }
    r = analyst.client.post("/app/actions", data=data)
    assert r.status_code == 422
    assert f"{day} is out of range: {DATE_RANGE}." in r.text and f'value="{day}"' in r.text
    with app.state.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Action)) == 0


def test_an_action_edit_with_a_date_out_of_range_changes_nothing(
    app: FastAPI, analyst: Login, workspace: NewWorkspace
) -> None:
    made = service.create_action(
        app.state.sessions, workspace.id, touchpoint="payer", title="FAQ", kind="faq"
    )
    r = analyst.client.post(
        f"/app/actions/{made['id']}",
        data={"csrf": analyst.csrf, "form": "deliver", "delivered_on": "0001-01-01"},
    )
    assert r.status_code == 422 and f"0001-01-01 is out of range: {DATE_RANGE}." in r.text
    assert service.get_action(app.state.sessions, workspace.id, made["id"])["status"] == (
        "to_deliver"
    )


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
@pytest.mark.parametrize("path", ["/app/verbatims", "/app/agents", "/app/agents/a-1"])
@pytest.mark.parametrize("param", ["from", "to"])
def test_filters_name_a_date_out_of_range(analyst: Login, path: str, param: str, day: str) -> None:
    r = analyst.client.get(path, params={param: day})
    assert r.status_code == 422, r.text[:300]
    assert f"{day} is out of range: {DATE_RANGE}." in r.text
