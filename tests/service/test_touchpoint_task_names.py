"""A touchpoint's task name in French and English (``task_names``) beside ``task``."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fluide.channels.compose import invitation_message
from fluide.channels.email import texts_for
from fluide.settings import Settings
from tests.service.conftest import event_body, touchpoint_body


def test_task_alone_gives_both_names(client: TestClient, auth: dict[str, str]) -> None:
    tp = client.post("/v1/touchpoints", headers=auth, json=touchpoint_body()).json()
    assert tp["task"] == "payer"
    assert tp["task_names"] == {"fr": "payer", "en": "payer"}


def test_names_are_kept_and_read_back(client: TestClient, auth: dict[str, str]) -> None:
    names = {"fr": "payer la facture", "en": "pay the invoice"}
    r = client.post("/v1/touchpoints", headers=auth, json=touchpoint_body(task_names=names))
    assert r.status_code == 201 and r.json()["task_names"] == names
    assert client.get("/v1/touchpoints/payer", headers=auth).json()["task_names"] == names
    [listed] = client.get("/v1/touchpoints", headers=auth).json()["touchpoints"]
    assert listed["task"] == "payer" and listed["task_names"] == names


def test_a_missing_language_reads_the_task(client: TestClient, auth: dict[str, str]) -> None:
    body = touchpoint_body(task_names={"en": "pay"})
    tp = client.post("/v1/touchpoints", headers=auth, json=body).json()
    assert tp["task_names"] == {"fr": "payer", "en": "pay"}


def test_a_new_task_renames_only_the_names_that_were_the_task(
    client: TestClient, auth: dict[str, str]
) -> None:
    client.post("/v1/touchpoints", headers=auth, json=touchpoint_body(task_names={"en": "pay"}))
    r = client.patch("/v1/touchpoints/payer", headers=auth, json={"task": "régler"})
    assert r.json()["task"] == "régler"
    assert r.json()["task_names"] == {"fr": "régler", "en": "pay"}


def test_task_alone_renames_both_names_when_never_set(
    client: TestClient, auth: dict[str, str]
) -> None:
    client.post("/v1/touchpoints", headers=auth, json=touchpoint_body())
    r = client.patch("/v1/touchpoints/payer", headers=auth, json={"task": "régler"})
    assert r.json()["task_names"] == {"fr": "régler", "en": "régler"}


def test_patching_one_name_keeps_the_task_and_the_other_name(
    client: TestClient, auth: dict[str, str]
) -> None:
    client.post("/v1/touchpoints", headers=auth, json=touchpoint_body())
    r = client.patch("/v1/touchpoints/payer", headers=auth, json={"task_names": {"en": "pay"}})
    assert r.status_code == 200
    assert r.json()["task"] == "payer"
    assert r.json()["task_names"] == {"fr": "payer", "en": "pay"}
    assert r.json()["version"]["number"] == 1  # a name is not a question version


def test_a_null_name_goes_back_to_the_task(client: TestClient, auth: dict[str, str]) -> None:
    client.post("/v1/touchpoints", headers=auth, json=touchpoint_body(task_names={"en": "pay"}))
    r = client.patch("/v1/touchpoints/payer", headers=auth, json={"task_names": {"en": None}})
    assert r.json()["task_names"] == {"fr": "payer", "en": "payer"}


def test_unknown_language_is_refused_naming_the_field(
    client: TestClient, auth: dict[str, str]
) -> None:
    body = touchpoint_body(task_names={"fr": "payer", "de": "bezahlen"})
    r = client.post("/v1/touchpoints", headers=auth, json=body)
    assert r.status_code == 422
    assert [d["field"] for d in r.json()["error"]["details"]] == ["task_names.de"]
    assert client.get("/v1/touchpoints/payer", headers=auth).status_code == 404


def test_empty_or_too_long_names_are_refused(client: TestClient, auth: dict[str, str]) -> None:
    client.post("/v1/touchpoints", headers=auth, json=touchpoint_body())
    for names in ({"en": ""}, {"en": "   "}, {"fr": "x" * 201}):
        r = client.patch("/v1/touchpoints/payer", headers=auth, json={"task_names": names})
        assert r.status_code == 422, names
        [detail] = r.json()["error"]["details"]
        assert detail["field"].startswith("task_names."), detail
    assert client.get("/v1/touchpoints/payer", headers=auth).json()["task_names"] == {
        "fr": "payer",
        "en": "payer",
    }


@pytest.mark.parametrize(("locale", "task"), [("en", "pay the invoice"), ("fr", "payer")])
def test_the_invitation_names_the_task_in_the_customers_language(
    client: TestClient,
    auth: dict[str, str],
    app: FastAPI,
    settings: Settings,
    locale: str,
    task: str,
) -> None:
    body = touchpoint_body(task_names={"en": "pay the invoice"})
    client.post("/v1/touchpoints", headers=auth, json=body)
    event = event_body(type_="payment_failed")
    event["user"].update(locale=locale)
    inv = client.post("/v1/events", headers=auth, json=event).json()["invitation"]["id"]
    with app.state.sessions() as s:
        msg = invitation_message(s, settings, inv)
    assert msg.task == task
    subject, intro, _ = texts_for(msg, None)
    assert subject.lower().startswith(task) and f": {task}." in intro.replace("\xa0", " ")
