"""Event properties and user attributes within their limits: past one, a 422 names the field
and the limit (French or English), and nothing of the request is stored (both databases)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from fluide.storage.models import EndUser, Event
from tests.service.conftest import event_body


def stored(app: FastAPI) -> int:
    with app.state.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(Event)) or 0)


DEEP = {"a": {"b": {"c": {"d": 1}}}}


@pytest.mark.parametrize(
    ("where", "value", "field", "en", "fr"),
    [
        (
            "properties",
            {f"k{i}": i for i in range(51)},
            "properties",
            "properties: at most 50 keys or items (this one has 51)",
            "properties : au plus 50 clés ou éléments (celui-ci en a 51)",
        ),
        (
            "properties",
            {"note": "x" * 1001},
            "properties",
            "properties.note: a text has at most 1000 characters",
            "properties.note : un texte a au plus 1000 caractères",
        ),
        (
            "attributes",
            DEEP,
            "user.attributes",
            "attributes.a.b.c: objects and lists nest at most 3 levels deep",
            "attributes.a.b.c : objets et listes s'imbriquent sur 3 niveaux au plus",
        ),
        (
            "attributes",
            {"k" * 65: "x"},
            "user.attributes",
            "has more than 64 characters",
            "a plus de 64 caractères",
        ),
        (
            "attributes",
            {f"k{i}": "x" * 900 for i in range(10)},
            "user.attributes",
            "attributes: at most 8192 bytes of JSON",
            "attributes : au plus 8192 octets de JSON",
        ),
    ],
)
def test_an_object_past_a_limit_is_a_422_naming_the_field_and_the_limit(
    app: FastAPI,
    client: TestClient,
    auth: dict[str, str],
    where: str,
    value: dict[str, Any],
    field: str,
    en: str,
    fr: str,
) -> None:
    body = event_body()
    if where == "properties":
        body["properties"] = value
    else:
        body["user"]["attributes"] = value
    for lang, words in (("en", en), ("fr", fr)):
        r = client.post("/v1/events", json=body, headers={**auth, "Accept-Language": lang})
        assert r.status_code == 422, r.text
        [detail] = r.json()["error"]["details"]
        assert detail["field"] == field and words in detail["problem"], detail
    assert stored(app) == 0


def test_one_event_past_a_limit_refuses_the_whole_batch(
    app: FastAPI, client: TestClient, auth: dict[str, str]
) -> None:
    good = event_body("evt-1")
    bad = event_body("evt-2", properties=DEEP)
    r = client.post("/v1/events", json={"events": [good, bad]}, headers=auth)
    assert r.status_code == 422
    assert r.json()["error"]["details"][0]["field"] == "events.1.properties"
    assert stored(app) == 0


def test_a_users_attributes_stay_within_the_limits_as_they_add_up(
    app: FastAPI, client: TestClient, auth: dict[str, str]
) -> None:
    first = event_body("evt-1", user="u-1")
    first["user"]["attributes"] = {f"a{i}": i for i in range(30)}
    assert client.post("/v1/events", json=first, headers=auth).status_code == 200
    second = event_body("evt-2", user="u-1")
    second["user"]["attributes"] = {f"b{i}": i for i in range(30)}
    r = client.post("/v1/events", json=second, headers={**auth, "Accept-Language": "en"})
    assert r.status_code == 422, r.text
    [detail] = r.json()["error"]["details"]
    assert detail["field"] == "user.attributes" and "at most 50 keys" in detail["problem"]
    assert stored(app) == 1
    with app.state.sessions() as s:
        user = s.scalars(select(EndUser).where(EndUser.external_id == "u-1")).one()
        assert sorted(user.attributes) == sorted(f"a{i}" for i in range(30))
