"""Answers: one per invitation, validated against the question, with their context."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from fluide.services.errors import ServiceError
from fluide.services.responses import Answer, record_response, record_responses
from fluide.services.survey import survey_view
from fluide.settings import Settings
from fluide.storage.db import write_session
from fluide.storage.models import Invitation, Response
from fluide.storage.types import utcnow
from tests.service.conftest import event_body, touchpoint_body

RESPONSE_KEYS = {
    "id",
    "invitation_id",
    "touchpoint",
    "question_version",
    "score",
    "comment",
    "responded_at",
    "updated_at",
    "channel",
    "outcome",
    "delay_seconds",
}


def invite(
    client: TestClient,
    auth: dict[str, str],
    *,
    user: str = "u-42",
    event_id: str | None = None,
    locale: str = "fr",
    type_: str = "payment_failed",
    attributes: dict[str, Any] | None = None,
    properties: dict[str, Any] | None = None,
    ago: timedelta = timedelta(minutes=2),
    **touchpoint: Any,
) -> str:
    """Create the touchpoint (once), send one event, and return the survey token."""
    key = touchpoint.get("key", "payer")
    if client.get(f"/v1/touchpoints/{key}", headers=auth).status_code == 404:
        r = client.post("/v1/touchpoints", headers=auth, json=touchpoint_body(**touchpoint))
        assert r.status_code == 201, r.text
    body = event_body(event_id or f"evt-{user}", user, type_, ago=ago)
    body["user"]["locale"] = locale
    if attributes is not None:
        body["user"]["attributes"] = attributes
    if properties is not None:
        body["properties"] = properties
    r = client.post("/v1/events", headers=auth, json=body)
    assert r.status_code == 200, r.text
    decision = r.json()
    assert decision["decision"] == "invited", decision
    return str(decision["invitation"]["url"].rsplit("/s/", 1)[1])


def tampered(token: str) -> str:
    return token[:-1] + ("A" if token[-1] != "A" else "B")


def answer_in_history(client: TestClient, auth: dict[str, str], user: str = "u-42") -> Any:
    hist = client.get(f"/v1/users/{user}/history", headers=auth).json()
    return next(e["response"] for e in hist["events"] if e["invitation"])


def expire(app: FastAPI, token: str) -> None:
    """Move the invitation's expiry into the past, as if its window had closed."""
    with write_session(app.state.sessions) as s:
        inv = s.get(Invitation, token.rsplit(".", 1)[0])
        assert inv is not None
        inv.expires_at = utcnow() - timedelta(minutes=1)


def stored(app: FastAPI) -> list[Response]:
    with app.state.sessions() as s:
        return list(s.execute(select(Response)).scalars())


def test_first_answer_is_201_and_answering_again_updates_it_with_200(
    client: TestClient, auth: dict[str, str]
) -> None:
    token = invite(client, auth)
    # No API key: the signed token is the credential.
    first = client.post("/v1/responses", json={"token": token, "score": 2, "comment": "Long"})
    assert first.status_code == 201, first.text
    assert set(first.json()) == RESPONSE_KEYS
    again = client.post("/v1/responses", json={"token": token, "score": 6, "comment": None})
    assert again.status_code == 200, again.text
    a, b = first.json(), again.json()
    assert b["id"] == a["id"] and b["score"] == 6 and b["comment"] is None
    assert b["responded_at"] == a["responded_at"] and b["updated_at"] >= a["updated_at"]
    assert answer_in_history(client, auth)["score"] == 6


def test_answering_twice_keeps_a_single_row(
    client: TestClient, auth: dict[str, str], app: FastAPI
) -> None:
    token = invite(client, auth)
    for score in (3, 4, 5):
        client.post("/v1/responses", json={"token": token, "score": score})
    rows = stored(app)
    assert len(rows) == 1 and rows[0].score == 5


def test_score_outside_the_scale_is_refused_naming_the_allowed_values(
    client: TestClient, auth: dict[str, str]
) -> None:
    token = invite(client, auth)
    r = client.post("/v1/responses", json={"token": token, "score": 9})
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "score_out_of_scale"
    assert error["message"] == "La note doit être l'une de ces valeurs : 1, 2, 3, 4, 5, 6, 7."
    assert error["details"]["allowed"] == [1, 2, 3, 4, 5, 6, 7]
    english = client.post(
        "/v1/responses", json={"token": token, "score": 0}, headers={"Accept-Language": "en"}
    )
    assert english.json()["error"]["message"] == "The score must be one of 1, 2, 3, 4, 5, 6, 7."
    assert answer_in_history(client, auth) is None


@pytest.mark.parametrize("bad", ["tampered", "garbage", "foreign"])
def test_unknown_or_tampered_token_is_a_404_in_the_error_shape(
    client: TestClient, auth: dict[str, str], bad: str
) -> None:
    token = invite(client, auth)
    sent = {
        "tampered": tampered(token),
        "garbage": "not-a-token",
        # Well formed, but naming an invitation that does not exist.
        "foreign": "inv_000000000000000000000000." + token.rsplit(".", 1)[1],
    }[bad]
    r = client.post("/v1/responses", json={"token": sent, "score": 5})
    assert r.status_code == 404
    assert set(r.json()) == {"error"} and r.json()["error"]["code"] == "invalid_token"
    assert answer_in_history(client, auth) is None


def test_expired_invitation_is_refused_with_410(
    client: TestClient, auth: dict[str, str], app: FastAPI
) -> None:
    token = invite(client, auth)
    expire(app, token)
    r = client.post("/v1/responses", json={"token": token, "score": 5})
    assert r.status_code == 410 and r.json()["error"]["code"] == "expired"
    assert stored(app) == []


def test_service_refuses_an_answer_at_or_after_the_expiry_moment(
    client: TestClient, auth: dict[str, str], app: FastAPI, settings: Settings
) -> None:
    token = invite(client, auth, expires_after_hours=1)
    with app.state.sessions() as s:
        expires_at = survey_view(s, settings, token).expires_at
    with pytest.raises(ServiceError) as caught:
        record_response(app.state.sessions, settings, token, 5, None, now=expires_at)
    assert caught.value.code == "expired" and caught.value.status == 410
    done = record_response(
        app.state.sessions, settings, token, 5, None, now=expires_at - timedelta(seconds=1)
    )
    assert done["score"] == 5


def test_answer_keeps_the_context_of_the_action(
    client: TestClient, auth: dict[str, str], app: FastAPI
) -> None:
    token = invite(
        client,
        auth,
        type_="payment_failed",
        properties={"agent_id": "a-7", "ticket_id": "T-1001"},
        attributes={"customer_since": "2025-03-01", "plan": "pro"},
    )
    body = client.post("/v1/responses", json={"token": token, "score": 2}).json()
    assert body["touchpoint"] == "payer" and body["question_version"] == 1
    assert body["outcome"] == "failure" and body["channel"] == "in_app"
    assert 100 < body["delay_seconds"] < 600  # the event happened two minutes before
    (row,) = stored(app)
    with app.state.sessions() as s:
        inv = s.get(Invitation, row.invitation_id)
    assert inv is not None
    assert row.touchpoint_id == inv.touchpoint_id
    assert row.question_version_id == inv.question_version_id
    assert row.user_id == inv.user_id and row.workspace_id == inv.workspace_id
    assert row.agent_id == "a-7"
    assert row.attributes == {"customer_since": "2025-03-01", "plan": "pro"}
    assert row.customer_since == "2025-03-01"
    assert row.occurred_at == inv.occurred_at


def test_answer_keeps_attributes_as_they_were_at_the_action(
    client: TestClient, auth: dict[str, str], app: FastAPI
) -> None:
    token = invite(client, auth, attributes={"plan": "pro", "customer_since": "2025-03-01"})
    # The user changes plan afterwards (an event the touchpoint does not track).
    later = event_body("later", "u-42", "login")
    later["user"]["attributes"] = {"plan": "free"}
    client.post("/v1/events", headers=auth, json=later)
    client.post("/v1/responses", json={"token": token, "score": 4})
    (row,) = stored(app)
    assert row.attributes["plan"] == "pro"


@pytest.mark.parametrize("value", ["01/03/2025", "2025-13-45", "depuis toujours"])
def test_customer_since_that_is_not_a_date_is_not_kept(
    client: TestClient, auth: dict[str, str], app: FastAPI, value: str
) -> None:
    token = invite(client, auth, attributes={"customer_since": value})
    client.post("/v1/responses", json={"token": token, "score": 4})
    (row,) = stored(app)
    assert row.customer_since is None and row.attributes == {"customer_since": value}


def test_success_is_kept_as_such_and_no_agent_is_none(
    client: TestClient, auth: dict[str, str], app: FastAPI
) -> None:
    token = invite(client, auth, type_="payment_succeeded")
    client.post("/v1/responses", json={"token": token, "score": 7})
    (row,) = stored(app)
    assert row.outcome == "success" and row.agent_id is None


def test_given_moment_sets_the_delay_and_an_update_keeps_the_first_answer_time(
    client: TestClient, auth: dict[str, str], app: FastAPI, settings: Settings
) -> None:
    token = invite(client, auth, ago=timedelta(minutes=30))
    factory = app.state.sessions
    with factory() as s:
        row_inv = s.execute(select(Invitation)).scalar_one()
    first_moment = row_inv.occurred_at + timedelta(minutes=10)
    first = record_response(factory, settings, token, "3", "  lent  ", now=first_moment)
    assert first["delay_seconds"] == 600.0 and first["comment"] == "lent"
    assert first["responded_at"] == first_moment.isoformat()
    later = first_moment + timedelta(minutes=5)
    second = record_response(factory, settings, token, 5, "   ", now=later)
    assert second["responded_at"] == first_moment.isoformat()
    assert second["updated_at"] == later.isoformat()
    assert second["delay_seconds"] == 600.0 and second["comment"] is None


def test_comment_longer_than_5000_characters_is_refused(
    client: TestClient, auth: dict[str, str], app: FastAPI, settings: Settings
) -> None:
    token = invite(client, auth)
    with pytest.raises(ServiceError) as caught:
        record_response(app.state.sessions, settings, token, 5, "x" * 5001)
    assert caught.value.code == "invalid_comment" and caught.value.status == 422
    assert "5001" in str(caught.value) and "5000" in str(caught.value)
    # Surrounding spaces do not count.
    done = record_response(app.state.sessions, settings, token, 5, "  " + "x" * 5000 + "  ")
    assert len(done["comment"]) == 5000


def test_nul_characters_in_a_comment_are_refused_by_the_api_not_a_500(
    client: TestClient, auth: dict[str, str], app: FastAPI, settings: Settings
) -> None:
    # The JSON API refuses NUL like any other bad input (every request body does);
    # the service itself drops them, for the form a person fills in.
    token = invite(client, auth)
    r = client.post("/v1/responses", json={"token": token, "score": 5, "comment": "a\u0000b"})
    assert r.status_code == 422 and "NUL" in r.json()["error"]["details"][0]["problem"]
    recorded = record_response(app.state.sessions, settings, token, 5, "a\u0000b")
    assert recorded["comment"] == "ab"


@pytest.mark.parametrize(
    ("polarity", "face", "point"), [("ease", "🙂", 3), ("ease", "😞", 1), ("effort", "🙂", 1)]
)
def test_emoji_scale_accepts_its_faces(
    client: TestClient,
    auth: dict[str, str],
    app: FastAPI,
    settings: Settings,
    polarity: str,
    face: str,
    point: int,
) -> None:
    token = invite(client, auth, scale="emoji-3", polarity=polarity)
    assert record_response(app.state.sessions, settings, token, face, None)["score"] == point


def test_emoji_scale_refuses_a_fourth_point_naming_1_2_3(
    client: TestClient, auth: dict[str, str], app: FastAPI, settings: Settings
) -> None:
    token = invite(client, auth, scale="emoji-3", polarity="ease")
    with pytest.raises(ServiceError) as caught:
        record_response(app.state.sessions, settings, token, 4, None)
    assert caught.value.code == "score_out_of_scale"
    assert str(caught.value) == "The score must be one of 1, 2, 3."


@pytest.mark.parametrize("bad", [True, "6.0", "six", "", 2.0])
def test_scores_that_are_not_points_are_refused(
    client: TestClient, auth: dict[str, str], app: FastAPI, settings: Settings, bad: Any
) -> None:
    token = invite(client, auth)
    with pytest.raises(ServiceError) as caught:
        record_response(app.state.sessions, settings, token, bad, None)
    assert caught.value.code in {"score_out_of_scale", "score_required"}
    assert "1, 2, 3, 4, 5, 6, 7" in str(caught.value)
    assert stored(app) == []


def test_extra_answers_are_checked_against_the_extra_questions(
    client: TestClient, auth: dict[str, str], app: FastAPI
) -> None:
    extra = [
        {"key": "clarity", "question": {"fr": "Clarté", "en": "Clarity"}, "scale": "1-5"},
        {"key": "why", "question": {"fr": "Pourquoi ?"}, "kind": "text"},
    ]
    token = invite(client, auth, extra_questions=extra)
    unknown = client.post(
        "/v1/responses", json={"token": token, "score": 5, "extra_answers": {"nope": 1}}
    )
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "invalid_extra_answer"
    outside = client.post(
        "/v1/responses", json={"token": token, "score": 5, "extra_answers": {"clarity": 9}}
    )
    assert outside.status_code == 422 and "1, 2, 3, 4, 5" in outside.json()["error"]["message"]
    ok = client.post(
        "/v1/responses",
        json={"token": token, "score": 5, "extra_answers": {"clarity": 4, "why": " Vite "}},
    )
    assert ok.status_code == 201
    (row,) = stored(app)
    assert row.extra_answers == {"clarity": 4, "why": "Vite"}


def test_survey_view_gathers_what_the_page_shows(
    client: TestClient, auth: dict[str, str], app: FastAPI, settings: Settings
) -> None:
    token = invite(client, auth, locale="en")
    with app.state.sessions() as s:
        view = survey_view(s, settings, token)
    assert view.lang == "en" and view.question == "I could pay easily"
    assert view.comment_prompt == "What could have been easier?"
    assert [p.value for p in view.points] == [1, 2, 3, 4, 5, 6, 7]
    assert (view.low_label, view.high_label) == ("Strongly disagree", "Strongly agree")
    assert view.polarity == "ease" and view.score is None and not view.expired
    client.post("/v1/responses", json={"token": token, "score": 6, "comment": "ok"})
    with app.state.sessions() as s:
        view = survey_view(s, settings, token, now=view.expires_at)
    assert (view.score, view.comment, view.expired) == (6, "ok", True)


def test_survey_view_of_a_tampered_token_is_invalid_token(
    client: TestClient, auth: dict[str, str], app: FastAPI, settings: Settings
) -> None:
    token = invite(client, auth)
    with app.state.sessions() as s, pytest.raises(ServiceError) as caught:
        survey_view(s, settings, tampered(token))
    assert caught.value.code == "invalid_token" and caught.value.status == 404


def test_concurrent_first_answers_make_one_response(
    live_url: str, auth: dict[str, str], app: FastAPI
) -> None:
    # Real HTTP, 12 first answers at once: one is created, the others update it.
    with httpx.Client(base_url=live_url, headers=auth, timeout=60) as http:
        assert http.post("/v1/touchpoints", json=touchpoint_body()).status_code == 201
        d = http.post("/v1/events", json=event_body(type_="payment_failed")).json()
        token = d["invitation"]["url"].rsplit("/s/", 1)[1]

        def send(i: int) -> int:
            r = http.post("/v1/responses", json={"token": token, "score": 1 + i % 7})
            return r.status_code

        with ThreadPoolExecutor(max_workers=12) as pool:
            codes = list(pool.map(send, range(12)))
    assert codes.count(201) == 1 and codes.count(200) == 11
    with app.state.sessions() as s:
        assert s.execute(select(func.count()).select_from(Response)).scalar_one() == 1


@pytest.mark.parametrize("flag", [True, False])
def test_a_boolean_score_is_refused_not_stored_as_1_or_0(
    client: TestClient, auth: dict[str, str], app: FastAPI, flag: bool
) -> None:
    token = invite(client, auth)
    r = client.post("/v1/responses", json={"token": token, "score": flag})
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "invalid" and error["details"][0]["field"] == "score"
    assert "true/false" in error["details"][0]["problem"]
    assert stored(app) == []


def test_answering_again_without_a_comment_keeps_it(
    client: TestClient, auth: dict[str, str]
) -> None:
    token = invite(client, auth)
    client.post("/v1/responses", json={"token": token, "score": 2, "comment": "Trop long"})
    again = client.post("/v1/responses", json={"token": token, "score": 5})
    assert again.status_code == 200 and again.json()["comment"] == "Trop long"
    assert answer_in_history(client, auth)["score"] == 5


@pytest.mark.parametrize("empty", [None, ""])
def test_a_null_or_empty_comment_erases_it(
    client: TestClient, auth: dict[str, str], empty: str | None
) -> None:
    token = invite(client, auth)
    client.post("/v1/responses", json={"token": token, "score": 2, "comment": "Trop long"})
    again = client.post("/v1/responses", json={"token": token, "score": 2, "comment": empty})
    assert again.status_code == 200 and again.json()["comment"] is None
    assert answer_in_history(client, auth)["comment"] is None


def test_answers_recorded_together_are_stored_as_one_by_one_in_order(
    client: TestClient, auth: dict[str, str], app: FastAPI, settings: Settings
) -> None:
    first, second = invite(client, auth, user="u-1"), invite(client, auth, user="u-2")
    moment = utcnow()
    out = record_responses(
        app.state.sessions,
        settings,
        [
            Answer(first, 2, "  Trop long  ", moment),
            Answer(second, "6", None, moment + timedelta(seconds=1)),
            Answer(first, 3, "Lent", moment + timedelta(seconds=2)),  # an update of the first
        ],
    )
    assert [set(r) for r in out] == [RESPONSE_KEYS] * 3
    assert [(r["score"], r["comment"]) for r in out] == [(2, "Trop long"), (6, None), (3, "Lent")]
    assert out[2]["id"] == out[0]["id"]
    assert out[2]["responded_at"] == moment.isoformat()
    assert sorted((r.score, r.comment) for r in stored(app)) == [(3, "Lent"), (6, None)]


@pytest.mark.parametrize("bad", ["tampered", "score"])
def test_answers_recorded_together_store_nothing_when_one_is_refused(
    client: TestClient, auth: dict[str, str], app: FastAPI, settings: Settings, bad: str
) -> None:
    first, second = invite(client, auth, user="u-1"), invite(client, auth, user="u-2")
    token, score = (tampered(second), 4) if bad == "tampered" else (second, 9)
    with pytest.raises(ServiceError) as refused:
        record_responses(
            app.state.sessions,
            settings,
            [Answer(first, 2, "Lent", utcnow()), Answer(token, score, None, utcnow())],
        )
    assert refused.value.code == ("invalid_token" if bad == "tampered" else "score_out_of_scale")
    assert stored(app) == []
