"""An invitation composed for a channel: language, scale links, opt-out link."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from fluide.channels.compose import invitation_message, opt_out_token, read_opt_out_token
from fluide.settings import Settings
from tests.service.conftest import event_body, touchpoint_body


def invited(client: TestClient, auth: dict[str, str], **user: object) -> str:
    client.post("/v1/touchpoints", headers=auth, json=touchpoint_body())
    body = event_body(type_="payment_failed", properties={"agent_id": "a-7", "ticket_id": "T-9"})
    body["user"].update(user)
    return str(client.post("/v1/events", headers=auth, json=body).json()["invitation"]["id"])


def test_message_speaks_the_customer_language_with_one_link_per_point(
    client: TestClient, auth: dict[str, str], app: FastAPI, settings: Settings
) -> None:
    inv = invited(client, auth, locale="en")
    with app.state.sessions() as s:
        msg = invitation_message(s, settings, inv)
    assert msg.lang == "en" and msg.question == "I could pay easily" and msg.task == "payer"
    assert [p.point for p in msg.points] == [1, 2, 3, 4, 5, 6, 7]
    assert msg.points[2].url == msg.survey_url + "?score=3"
    assert msg.low_label == "Strongly disagree" and msg.high_label == "Strongly agree"
    assert msg.email == "u-42@example.com" and msg.agent_id == "a-7" and msg.ticket_id == "T-9"
    assert client.get(msg.points[5].url.removeprefix("http://testserver")).status_code == 200


def test_opt_out_token_names_its_user_and_resists_tampering(settings: Settings) -> None:
    token = opt_out_token(settings, "ws_1", "usr_2")
    assert read_opt_out_token(settings, token) == ("ws_1", "usr_2")
    assert read_opt_out_token(settings, token.replace("usr_2", "usr_3")) is None
    assert read_opt_out_token(settings, "garbage") is None
