"""Events → decisions: fatigue, cooldown, too late, duplicates, concurrency."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from fluide.storage.db import write_session
from fluide.storage.models import EndUser
from fluide.storage.types import utcnow
from tests.service.conftest import event_body, touchpoint_body


def setup_payer(client: TestClient, auth: dict[str, str], **overrides: object) -> None:
    r = client.post("/v1/touchpoints", headers=auth, json=touchpoint_body(**overrides))
    assert r.status_code == 201, r.text


def post(client: TestClient, auth: dict[str, str], body: dict) -> dict:
    r = client.post("/v1/events", headers=auth, json=body)
    assert r.status_code == 200, r.text
    return r.json()


def test_triggering_event_is_invited_with_a_signed_link(
    client: TestClient, auth: dict[str, str]
) -> None:
    setup_payer(client, auth)
    d = post(client, auth, event_body(type_="payment_failed"))
    assert d["decision"] == "invited" and d["event_id"] == "evt-1"
    inv = d["invitation"]
    assert set(inv) >= {"id", "url", "channel", "expires_at"}
    assert inv["url"].startswith("http://testserver/s/" + inv["id"] + ".")
    assert inv["channel"] == "in_app"


def test_event_within_fatigue_window_is_not_invited(
    client: TestClient, auth: dict[str, str]
) -> None:
    setup_payer(client, auth)
    setup_payer(
        client, auth, key="annuler", task="annuler", triggers=[{"event": "subscription_cancelled"}]
    )
    assert post(client, auth, event_body("e1"))["decision"] == "invited"
    d = post(client, auth, event_body("e2", type_="subscription_cancelled"))
    assert d["decision"] == "fatigue" and d["touchpoint"] == "annuler"
    assert d["reason"]["fatigue_days"] == 14


def test_same_touchpoint_again_is_cooldown(client: TestClient, auth: dict[str, str]) -> None:
    setup_payer(client, auth)
    post(client, auth, event_body("e1"))
    assert post(client, auth, event_body("e2"))["decision"] == "cooldown"


def test_other_users_are_not_affected_by_fatigue(client: TestClient, auth: dict[str, str]) -> None:
    setup_payer(client, auth)
    assert post(client, auth, event_body("e1", user="a"))["decision"] == "invited"
    assert post(client, auth, event_body("e2", user="b"))["decision"] == "invited"


def test_event_older_than_the_window_is_too_late(client: TestClient, auth: dict[str, str]) -> None:
    setup_payer(client, auth, expires_after_hours=24)
    d = post(client, auth, event_body(ago=timedelta(hours=48)))
    assert d["decision"] == "too_late" and d["invitation"] is None


def test_untracked_event_type_is_no_trigger(client: TestClient, auth: dict[str, str]) -> None:
    setup_payer(client, auth)
    assert post(client, auth, event_body(type_="login"))["decision"] == "no_trigger"


def test_zero_sampling_samples_out(client: TestClient, auth: dict[str, str]) -> None:
    setup_payer(client, auth, sampling=0.0)
    assert post(client, auth, event_body())["decision"] == "sampled_out"


def test_same_event_id_twice_is_duplicate_and_creates_nothing(
    client: TestClient, auth: dict[str, str]
) -> None:
    setup_payer(client, auth)
    first = post(client, auth, event_body("dup", user="a"))
    again = post(client, auth, event_body("dup", user="b"))
    assert (
        first["decision"] == "invited"
        and again["decision"] == "duplicate"
        and again["invitation"] is None
    )
    assert client.get("/v1/users/b/history", headers=auth).status_code == 404


def test_batch_returns_one_decision_per_event_in_order(
    client: TestClient, auth: dict[str, str]
) -> None:
    setup_payer(client, auth)
    body = {
        "events": [
            event_body("e1", user="a"),
            event_body("e1", user="a"),
            event_body("e3", user="c", type_="x"),
        ]
    }
    r = client.post("/v1/events", headers=auth, json=body)
    assert [d["decision"] for d in r.json()["decisions"]] == ["invited", "duplicate", "no_trigger"]


def test_batch_over_1000_events_is_refused(client: TestClient, auth: dict[str, str]) -> None:
    body = {"events": [event_body(f"e{i}") for i in range(1001)]}
    r = client.post("/v1/events", headers=auth, json=body)
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid"


def test_event_without_time_zone_is_refused_with_the_field_named(
    client: TestClient, auth: dict[str, str]
) -> None:
    body = event_body()
    body["occurred_at"] = "2026-08-03T10:00:00"
    r = client.post("/v1/events", headers={**auth, "Accept-Language": "en"}, json=body)
    assert r.status_code == 422
    assert r.json()["error"]["details"][0]["field"] == "occurred_at"


def test_failure_outcome_comes_from_the_trigger(client: TestClient, auth: dict[str, str]) -> None:
    setup_payer(client, auth)
    post(client, auth, event_body(type_="payment_failed"))
    hist = client.get("/v1/users/u-42/history", headers=auth).json()
    assert hist["events"][0]["outcome"] == "failure"


def test_opted_out_user_is_never_invited(
    client: TestClient, auth: dict[str, str], app: FastAPI
) -> None:
    setup_payer(client, auth)
    post(client, auth, event_body("e0", type_="login"))  # the user now exists
    with write_session(app.state.sessions) as s:
        user = s.execute(select(EndUser).where(EndUser.external_id == "u-42")).scalar_one()
        user.opted_out_at = utcnow()
    assert post(client, auth, event_body("e1"))["decision"] == "opted_out"


def test_history_tells_why_a_customer_was_not_asked(
    client: TestClient, auth: dict[str, str]
) -> None:
    setup_payer(client, auth)
    post(client, auth, event_body("e1"))
    post(client, auth, event_body("e2"))
    hist = client.get("/v1/users/u-42/history", headers=auth).json()
    assert [e["decision"] for e in hist["events"]] == ["invited", "cooldown"]
    assert hist["events"][0]["invitation"]["url"].startswith("http://testserver/s/")
    assert hist["events"][1]["reason"]["cooldown_days"] == 14
    assert hist["user"]["attributes"]["plan"] == "pro"


def test_concurrent_events_for_one_user_create_one_invitation(
    live_url: str, auth: dict[str, str]
) -> None:
    # Real HTTP on 127.0.0.1, 24 events for one user at once: one invitation, on either database.
    with httpx.Client(base_url=live_url, headers=auth, timeout=60) as http:
        assert http.post("/v1/touchpoints", json=touchpoint_body()).status_code == 201

        def send(i: int) -> str:
            return str(
                http.post("/v1/events", json=event_body(f"c{i}", user="same")).json()["decision"]
            )

        with ThreadPoolExecutor(max_workers=12) as pool:
            decisions = list(pool.map(send, range(24)))
        assert decisions.count("invited") == 1
        assert set(decisions) == {"invited", "cooldown"}

        def send_same(_: int) -> str:
            return str(
                http.post("/v1/events", json=event_body("one-id", user="other")).json()["decision"]
            )

        with ThreadPoolExecutor(max_workers=8) as pool:
            same = list(pool.map(send_same, range(8)))
        assert same.count("invited") == 1 and same.count("duplicate") == 7


def test_nul_characters_are_refused_not_a_500(client: TestClient, auth: dict[str, str]) -> None:
    # PostgreSQL cannot store NUL in text or JSON: refuse it clearly, on both databases.
    body = event_body(properties={"ticket\u0000": "T-1"})
    r = client.post("/v1/events", headers={**auth, "Accept-Language": "en"}, json=body)
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid"
    assert "NUL" in r.json()["error"]["details"][0]["problem"]
    assert client.get("/v1/users/a%00b/history", headers=auth).status_code == 422
