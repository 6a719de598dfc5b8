"""``GET /v1/recontacts``: the JSON of ``fluide recontacts``, from the contact events.

The same contacts are sent as events through the API and written to a CSV for
the command: the documents must be equal but for ``input``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from fluide.cli import app as cli_app
from fluide.services.workspaces import NewWorkspace, create_workspace
from fluide.settings import Settings
from tests.factories import write_csv
from tests.verbatims import answer

T0 = datetime(2026, 10, 5, 8, 0, tzinfo=UTC)  # a Monday, 2026-W41
CSV_HEADER = (
    "customer_id",
    "contact_at",
    "channel",
    "reason",
    "agent",
    "ticket_id",
    "resolved_at",
    "promised_at",
)
CHANNELS = ("phone", "mail", "chat")
REASONS = ("billing", "login", "", "<script>alert(1)</script>")


def contacts() -> list[dict[str, Any]]:
    """40 contacts of 7 customers over four weeks, gaps around the 7-day window."""
    gaps_h = (0, 30, 170, 168, 200, 5, 400, 24, 60, 180)
    out = []
    for i in range(40):
        customer = f"c{i % 7}"
        at = T0 + timedelta(hours=sum(gaps_h[: i % 10]) + 3 * (i // 10) + 11 * (i % 7))
        resolved = at + timedelta(hours=2 + i % 9) if i % 3 else None
        promised = at + timedelta(hours=6) if i % 4 == 0 else None
        out.append(
            {
                "customer": customer,
                "at": at,
                "channel": CHANNELS[i % 3] if i % 5 else CHANNELS[(i + 1) % 3],
                "reason": REASONS[i % 4],
                "agent": f"a{i % 2}",
                "ticket": f"T-{i}",
                "resolved": resolved,
                "promised": promised,
            }
        )
    return out


def events(rows: list[dict[str, Any]], contact_type: str = "ticket_opened") -> list[dict[str, Any]]:
    out = []
    for i, c in enumerate(rows):
        props = {"channel": c["channel"], "agent_id": c["agent"], "ticket_id": c["ticket"]}
        if c["reason"]:
            props["reason"] = c["reason"]
        if c["promised"]:
            props["promised_at"] = c["promised"].isoformat()
        user = {"id": c["customer"]}
        out.append(
            {
                "id": f"e{i}",
                "type": contact_type,
                "occurred_at": c["at"].isoformat(),
                "user": user,
                "properties": props,
            }
        )
        if c["resolved"]:
            out.append(
                {
                    "id": f"r{i}",
                    "type": "ticket_resolved",
                    "occurred_at": c["resolved"].isoformat(),
                    "user": user,
                    "properties": {"ticket_id": c["ticket"]},
                }
            )
    return out


def post(client: TestClient, key: str, body: list[dict[str, Any]]) -> None:
    r = client.post("/v1/events", json={"events": body}, headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 200, r.text


def get(client: TestClient, key: str, query: str = "") -> Any:
    return client.get(f"/v1/recontacts{query}", headers={"Authorization": f"Bearer {key}"})


def csv_of(rows: list[dict[str, Any]], path: Path) -> Path:
    def iso(t: datetime | None) -> str:
        return t.isoformat() if t else ""

    return write_csv(
        path,
        [
            (
                c["customer"],
                iso(c["at"]),
                c["channel"],
                c["reason"],
                c["agent"],
                c["ticket"],
                iso(c["resolved"]),
                iso(c["promised"]),
            )
            for c in rows
        ],
        CSV_HEADER,
    )


def test_api_answers_what_the_command_answers_on_the_same_contacts(
    client: TestClient, workspace: NewWorkspace, tmp_path: Path
) -> None:
    rows = contacts()
    post(client, workspace.api_key, events(rows))
    # Another workspace's contacts of the same customers never count.
    other = create_workspace(client.app.state.sessions, "Autre")  # type: ignore[attr-defined]
    post(client, other.api_key, events(rows[:5]))
    r = get(client, workspace.api_key, "?by=reason&by=channel&by=agent&tz=UTC&window=7")
    assert r.status_code == 200, r.text
    live = r.json()
    result = CliRunner().invoke(
        cli_app,
        [
            "recontacts",
            str(csv_of(rows, tmp_path / "contacts.csv")),
            "--format",
            "json",
            "--by",
            "reason",
            "--by",
            "channel",
            "--by",
            "agent",
            "--window",
            "7",
        ],
    )
    assert result.exit_code == 0, result.stderr
    filed = json.loads(result.stdout)
    assert live["overall"]["recontacted"] > 0 and live["overall"]["channel_switches"] > 0
    assert live["overall"]["resolution_hours"]["n"] == sum(1 for c in rows if c["resolved"])
    assert live["overall"]["promise_kept"] is not None
    assert {k: v for k, v in live.items() if k != "input"} == {
        k: v for k, v in filed.items() if k != "input"
    }
    assert live["input"]["rows"] == 40 and live["input"]["customers"] == 7

    # A period: only its contacts count; the others judge them.
    r = get(client, workspace.api_key, "?from=2026-10-12&to=2026-10-18&tz=UTC")
    week = r.json()
    assert [w["week"] for w in week["weekly"]] == ["2026-W42"]
    in_week = [c for c in rows if "2026-10-12" <= c["at"].date().isoformat() <= "2026-10-18"]
    assert week["overall"]["contacts"] == len(in_week)
    whole = next(w for w in live["weekly"] if w["week"] == "2026-W42")
    assert {k: v for k, v in whole.items() if k != "week"} == week["overall"] | {
        # Observed up to the latest contact read (here W days after the period).
        "observed": whole["observed"],
        "recontacted": whole["recontacted"],
        "recontact_rate": whole["recontact_rate"],
        "one_and_done": whole["one_and_done"],
        "channel_switches": whole["channel_switches"],
        "channel_switch_rate": whole["channel_switch_rate"],
    }


def test_a_touchpoints_answers_are_split_by_a_recent_recontact(
    client: TestClient, workspace: NewWorkspace, settings: Settings
) -> None:
    key = workspace.api_key
    answered = T0 + timedelta(days=10)
    # r1, r2: a second contact within 7 days, before they answer; n1: one contact only;
    # n2: a recontact 9 days before answering (outside W); n3: no contact at all.
    timeline = {
        "r1": [answered - timedelta(days=3), answered - timedelta(days=2)],
        "r2": [answered - timedelta(days=6), answered - timedelta(hours=1)],
        "n1": [answered - timedelta(days=2)],
        "n2": [answered - timedelta(days=10), answered - timedelta(days=9)],
    }
    post(
        client,
        key,
        [
            {
                "id": f"{who}-{i}",
                "type": "call",
                "occurred_at": at.isoformat(),
                "user": {"id": who},
                "properties": {"channel": "phone"},
            }
            for who, times in timeline.items()
            for i, at in enumerate(times)
        ],
    )
    factory = client.app.state.sessions  # type: ignore[attr-defined]
    scores = {"r1": 2, "r2": 3, "n1": 6, "n2": 7, "n3": 5}
    answer(
        factory,
        settings,
        workspace.id,
        [(v, None) for v in scores.values()],
        at=answered,
        users=list(scores),
    )
    doc = get(client, key, "?touchpoint=payer&tz=UTC").json()
    a = doc["answers"]
    # Recontacted: 2 and 3 (mean 2.5); not: 6, 7, 5 (mean 6); 2.5 − 6 = −3.5 points.
    assert (a["recontacted"]["n"], a["recontacted"]["mean"]) == (2, 2.5)
    assert (a["not_recontacted"]["n"], a["not_recontacted"]["mean"]) == (3, 6.0)
    assert a["diff_mean"] == pytest.approx(-3.5)
    assert a["diff_ci95"][0] <= -3.5 <= a["diff_ci95"][1]
    assert get(client, key, "").json()["answers"] is None
    # Another question now (1-5): the 1-7 answers are never mixed in, and it says so.
    r = client.patch(
        "/v1/touchpoints/payer",
        json={"scale": "1-5"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert r.status_code == 200, r.text
    doc = get(client, key, "?touchpoint=payer&tz=UTC").json()
    assert doc["answers"]["recontacted"]["n"] + doc["answers"]["not_recontacted"]["n"] == 0
    [note] = [w for w in doc["warnings"] if w["code"] == "answers_other_question"]
    assert note["params"] == {"count": 5}
    assert get(client, key, "?touchpoint=nope").status_code == 404


def test_the_setting_says_which_event_types_are_contacts(
    client: TestClient, workspace: NewWorkspace
) -> None:
    key = workspace.api_key
    auth = {"Authorization": f"Bearer {key}"}
    rows = contacts()[:10]
    post(client, key, events(rows, contact_type="phone_call"))
    assert get(client, key).json()["overall"]["contacts"] == 0
    r = client.patch(
        "/v1/workspace", json={"contact_event_types": ["phone_call", " contact "]}, headers=auth
    )
    assert r.status_code == 200, r.text
    assert r.json()["contact_event_types"] == ["phone_call", "contact"]
    assert get(client, key).json()["overall"]["contacts"] == 10
    client.patch("/v1/workspace", json={"contact_event_types": ["contact"]}, headers=auth)
    assert get(client, key).json()["overall"]["contacts"] == 0
    r = client.patch("/v1/workspace", json={"contact_event_types": None}, headers=auth)
    assert r.json()["contact_event_types"] == ["ticket_opened", "contact", "call", "chat_started"]

    for bad, words in (
        (["ticket_resolved"], "ticket_resolved resolves a ticket"),
        (["  "], "is not an event type"),
        (["x" * 201], "is not an event type"),
    ):
        r = client.patch(
            "/v1/workspace",
            json={"contact_event_types": bad},
            headers=auth | {"Accept-Language": "en"},
        )
        assert r.status_code == 422, bad
        error = r.json()["error"]
        assert error["details"][0]["field"] == "contact_event_types"
        assert words in error["message"]
    r = client.patch(
        "/v1/workspace",
        json={"contact_event_types": ["ticket_resolved"]},
        headers=auth | {"Accept-Language": "fr"},
    )
    assert "résout" in r.json()["error"]["message"]


def test_bad_range_window_and_grouping_get_the_one_error_shape(
    client: TestClient, workspace: NewWorkspace
) -> None:
    key = workspace.api_key
    for query, field in (
        ("?from=2026-10-20&to=2026-10-01", "from"),
        ("?window=0", "window"),
        ("?by=plan", "by"),
        ("?from=1999-01-01", "from"),
        ("?tz=Mars/Olympus", "tz"),
    ):
        r = get(client, key, query)
        assert r.status_code == 422, query
        error = r.json()["error"]
        assert error["code"] == "invalid"
        assert field in json.dumps(error["details"]), (query, error)
    assert client.get("/v1/recontacts").status_code == 401
