"""The question registry, with question versions."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.service.conftest import touchpoint_body


def test_create_then_read_a_touchpoint(client: TestClient, auth: dict[str, str]) -> None:
    r = client.post("/v1/touchpoints", headers=auth, json=touchpoint_body())
    assert r.status_code == 201
    tp = r.json()
    assert tp["key"] == "payer" and tp["version"]["number"] == 1
    assert tp["effort_groups"] == {"low_max": 2, "high_min": 5}
    assert client.get("/v1/touchpoints/payer", headers=auth).json()["id"] == tp["id"]
    assert [
        t["key"] for t in client.get("/v1/touchpoints", headers=auth).json()["touchpoints"]
    ] == ["payer"]


def test_changing_wording_scale_or_polarity_makes_a_new_version(
    client: TestClient, auth: dict[str, str]
) -> None:
    client.post("/v1/touchpoints", headers=auth, json=touchpoint_body())
    r = client.patch(
        "/v1/touchpoints/payer", headers=auth, json={"question": {"fr": "Payer a été simple"}}
    )
    assert r.json()["version"]["number"] == 2
    r = client.patch("/v1/touchpoints/payer", headers=auth, json={"sampling": 0.5})
    assert r.json()["version"]["number"] == 2 and r.json()["sampling"] == 0.5
    r = client.patch(
        "/v1/touchpoints/payer", headers=auth, json={"scale": "1-5", "polarity": "effort"}
    )
    body = r.json()
    assert body["version"]["number"] == 3 and body["effort_groups"] == {"low_max": 2, "high_min": 4}
    assert [v["scale"] for v in body["versions"]] == ["1-7", "1-7", "1-5"]


def test_duplicate_key_is_a_conflict(client: TestClient, auth: dict[str, str]) -> None:
    client.post("/v1/touchpoints", headers=auth, json=touchpoint_body())
    r = client.post("/v1/touchpoints", headers=auth, json=touchpoint_body())
    assert r.status_code == 409 and r.json()["error"]["code"] == "touchpoint_exists"


def test_invalid_touchpoint_names_each_bad_field(client: TestClient, auth: dict[str, str]) -> None:
    body = touchpoint_body(scale="1-6", sampling=2, triggers=[], channels=["fax"])
    r = client.post("/v1/touchpoints", headers={**auth, "Accept-Language": "en"}, json=body)
    assert r.status_code == 422
    fields = {d["field"] for d in r.json()["error"]["details"]}
    assert {"scale", "sampling", "triggers", "channels.0"} <= fields


def test_impossible_effort_groups_are_refused(client: TestClient, auth: dict[str, str]) -> None:
    r = client.post(
        "/v1/touchpoints",
        headers=auth,
        json=touchpoint_body(effort_groups={"low_max": 5, "high_min": 3}),
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_effort_groups"


def test_more_than_eight_extra_questions_is_refused(
    client: TestClient, auth: dict[str, str]
) -> None:
    extra = [{"key": f"q{i}", "question": {"fr": f"Question {i}"}} for i in range(9)]
    r = client.post("/v1/touchpoints", headers=auth, json=touchpoint_body(extra_questions=extra))
    assert r.status_code == 422


def test_unknown_touchpoint_is_404_in_french_by_default(
    client: TestClient, auth: dict[str, str]
) -> None:
    r = client.get("/v1/touchpoints/nope", headers=auth)
    assert r.status_code == 404
    assert r.json()["error"] == {
        "code": "not_found",
        "message": "Aucun point de contact nope dans cet espace.",
        "details": None,
    }
