"""``/v1/tags`` over HTTP: list, create, rename, merge, examples (both databases)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

DELIVERY = {
    "key": "delivery",
    "names": {"fr": "Livraison", "en": "Delivery"},
    "definitions": {"fr": "Recevoir sa commande.", "en": "Receiving an order."},
    "examples": ["Le colis n'est jamais arrivé"],
    "keywords": [r"\bcolis\b"],
}


def test_the_api_key_is_required(client: TestClient) -> None:
    assert client.get("/v1/tags").status_code == 401


def test_list_create_rename_merge(client: TestClient, auth: dict[str, str]) -> None:
    listed = client.get("/v1/tags", headers=auth).json()
    assert listed["tagger_version"] == 1 and listed["tags"][0]["key"] == "payment"

    r = client.post("/v1/tags", json=DELIVERY, headers=auth)
    assert r.status_code == 201, r.text
    assert r.json()["definitions"]["en"] == "Receiving an order." and r.json()["examples"] == 1
    again = client.post("/v1/tags", json=DELIVERY, headers=auth)
    assert again.status_code == 409 and again.json()["error"]["code"] == "tag_exists"

    r = client.patch("/v1/tags/delivery", json={"names": {"fr": "Expédition"}}, headers=auth)
    assert r.status_code == 200 and r.json()["names"] == {"fr": "Expédition", "en": "Expédition"}
    r = client.post("/v1/tags/delivery/examples", json={"examples": ["Colis abîmé"]}, headers=auth)
    assert r.status_code == 200 and r.json()["examples"] == 2
    detail = client.get("/v1/tags/delivery", headers=auth).json()
    assert [e["text"] for e in detail["example_texts"]] == [
        "Le colis n'est jamais arrivé",
        "Colis abîmé",
    ]

    r = client.post("/v1/tags/delivery/merge", json={"into": "delay"}, headers=auth)
    assert r.status_code == 200 and r.json()["key"] == "delay"
    tags = {t["key"]: t for t in client.get("/v1/tags", headers=auth).json()["tags"]}
    assert tags["delivery"]["merged_into"] == "delay" and not tags["delivery"]["active"]
    r = client.patch("/v1/tags/delivery", json={"keywords": []}, headers=auth)
    assert r.status_code == 409 and r.json()["error"]["code"] == "tag_merged"
    assert "delay" in r.json()["error"]["message"]


def test_unknown_tags_are_404(client: TestClient, auth: dict[str, str]) -> None:
    for method, url, body in (
        ("get", "/v1/tags/nope", None),
        ("patch", "/v1/tags/nope", {"names": {"fr": "X"}}),
        ("post", "/v1/tags/nope/merge", {"into": "payment"}),
        ("post", "/v1/tags/payment/merge", {"into": "nope"}),
        ("post", "/v1/tags/nope/examples", {"examples": ["x"]}),
    ):
        r = client.request(method, url, json=body, headers=auth)
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found", url


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**DELIVERY, "key": "Livraison"}, "key"),
        ({**DELIVERY, "examples": []}, "examples"),
        ({k: v for k, v in DELIVERY.items() if k != "examples"}, "examples"),
        ({**DELIVERY, "names": {"en": "Delivery"}}, "names.fr"),
        ({**DELIVERY, "keywords": ["(colis"]}, "keywords.0"),
        ({**DELIVERY, "colour": "red"}, "colour"),
        ({**DELIVERY, "examples": ["x" * 501]}, "examples.0"),
    ],
)
def test_a_bad_tag_is_a_422_naming_the_field(
    client: TestClient, auth: dict[str, str], body: dict[str, Any], field: str
) -> None:
    r = client.post("/v1/tags", json=body, headers=auth)
    assert r.status_code == 422, r.text
    assert field in [d["field"] for d in r.json()["error"]["details"]]


def test_merging_into_itself_names_the_field(client: TestClient, auth: dict[str, str]) -> None:
    r = client.post("/v1/tags/payment/merge", json={"into": "payment"}, headers=auth)
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "into"


@pytest.mark.parametrize(
    ("lang", "rule"),
    [("en", "lookahead or lookbehind"), ("fr", "anticipation ou rétrospection")],
)
def test_a_keyword_re2_cannot_take_is_a_422_naming_it_and_the_rule(
    client: TestClient, auth: dict[str, str], lang: str, rule: str
) -> None:
    headers = {**auth, "Accept-Language": lang}
    bad = "colis(?! perdu)"
    for method, url, body in (
        ("post", "/v1/tags", {**DELIVERY, "keywords": [r"\bcolis\b", bad]}),
        ("patch", "/v1/tags/payment", {"keywords": [r"\bcolis\b", bad]}),
    ):
        r = client.request(method, url, json=body, headers=headers)
        assert r.status_code == 422, r.text
        error = r.json()["error"]
        assert error["details"][0]["field"] == "keywords.1"
        assert bad in error["message"] and rule in error["message"]
    assert "delivery" not in {t["key"] for t in client.get("/v1/tags", headers=auth).json()["tags"]}


def test_a_tag_takes_keywords_as_long_as_the_default_ones(
    client: TestClient, auth: dict[str, str]
) -> None:
    from fluide.domain.taxonomy import DEFAULT_TAXONOMY

    longest = max((k for t in DEFAULT_TAXONOMY.tags for k in t.keywords), key=len)
    r = client.patch("/v1/tags/payment", json={"keywords": [longest]}, headers=auth)
    assert r.status_code == 200, r.text
    too_many = {"keywords": ["x" * 1000] * 5}
    r = client.patch("/v1/tags/payment", json=too_many, headers=auth)
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "keywords"
    assert "4000" in r.json()["error"]["message"]
