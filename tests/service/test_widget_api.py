"""The in-app widget's API: signed users, pending card, shown/dismissed, track, answers, funnel."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from fluide.api.routes import demo_shop, widget
from fluide.demo import DEMO_NAME
from fluide.services.errors import ServiceError
from fluide.services.widget import WidgetKeys, authenticate, ensure_widget_keys, user_hmac
from fluide.services.workspaces import NewWorkspace, create_workspace
from fluide.storage.db import write_session
from fluide.storage.models import Event, Invitation, Response, Workspace
from fluide.storage.types import utcnow
from tests.service.conftest import event_body, touchpoint_body

ERROR_KEYS = {"code", "message", "details"}


def mount(app: FastAPI) -> None:
    """The widget and demo-shop routes, unless the app registers them already."""
    paths = {getattr(r, "path", None) for r in app.routes}
    if "/widget.js" not in paths:
        app.include_router(widget.router)
    if "/demo/shop" not in paths:
        app.include_router(demo_shop.router)


@pytest.fixture
def wclient(app: FastAPI) -> Iterator[TestClient]:
    mount(app)
    with TestClient(app) as c:
        yield c


@pytest.fixture
def keys(app: FastAPI, workspace: NewWorkspace) -> WidgetKeys:
    return ensure_widget_keys(app.state.sessions, app.state.settings, workspace.id)


def signed(keys: WidgetKeys, user: str = "u-42") -> dict[str, str]:
    return {"key": keys.public_key, "user": user, "sig": user_hmac(keys.secret, user)}


def with_touchpoint(c: TestClient, auth: dict[str, str], **overrides: Any) -> None:
    r = c.post("/v1/touchpoints", headers=auth, json=touchpoint_body(**overrides))
    assert r.status_code == 201, r.text


def track(
    c: TestClient,
    keys: WidgetKeys,
    user: str = "u-42",
    type_: str = "payment_succeeded",
    **more: Any,
) -> dict[str, Any]:
    r = c.post("/w/v1/track", json={**signed(keys, user), "type": type_, **more})
    assert r.status_code == 200, r.text
    assert r.headers["access-control-allow-origin"] == "*"
    body: dict[str, Any] = r.json()
    return body


def pending(c: TestClient, keys: WidgetKeys, user: str = "u-42") -> Any:
    r = c.get("/w/v1/pending", params=signed(keys, user))
    assert r.status_code == 200, r.text
    return r.json()["invitation"]


def check_error(r: Any, status: int, code: str) -> None:
    assert r.status_code == status, r.text
    assert set(r.json()) == {"error"} and set(r.json()["error"]) == ERROR_KEYS
    assert r.json()["error"]["code"] == code
    assert r.headers["access-control-allow-origin"] == "*"


# --- Signature ------------------------------------------------------------------------------


def test_user_hmac_is_hex_hmac_sha256_of_the_user_id() -> None:
    # RFC 4231, test case 2: key "Jefe", data "what do ya want for nothing?".
    assert user_hmac("Jefe", "what do ya want for nothing?") == (
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    )


def test_widget_keys_are_made_once(app: FastAPI, workspace: NewWorkspace) -> None:
    first = ensure_widget_keys(app.state.sessions, app.state.settings, workspace.id)
    assert first.public_key.startswith("pk_") and len(first.secret) >= 32
    assert ensure_widget_keys(app.state.sessions, app.state.settings, workspace.id) == first


def test_a_public_key_made_elsewhere_works_too(
    wclient: TestClient, app: FastAPI, workspace: NewWorkspace
) -> None:
    with write_session(app.state.sessions) as s:
        ws = s.get_one(Workspace, workspace.id)
        ws.widget_public_key, ws.widget_secret = "wpk_Other-Prefix_0123", "another secret"
    keys = WidgetKeys("wpk_Other-Prefix_0123", "another secret")
    assert ensure_widget_keys(app.state.sessions, app.state.settings, workspace.id) == keys
    assert pending(wclient, keys) is None


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"sig": ""}, "invalid_signature"),
        ({"sig": "0" * 64}, "invalid_signature"),
        ({"sig": "é" * 64}, "invalid_signature"),
        ({"user": "u-43"}, "invalid_signature"),  # u-42's signature does not sign u-43
        ({"user": ""}, "invalid_signature"),
        ({"key": "pk_unknown"}, "invalid_widget_key"),
        ({"key": ""}, "invalid_widget_key"),
    ],
)
def test_every_widget_call_needs_the_users_signature(
    wclient: TestClient, keys: WidgetKeys, change: dict[str, str], code: str
) -> None:
    bad = {**signed(keys), **change}
    check_error(wclient.get("/w/v1/pending", params=bad), 403, code)
    check_error(wclient.post("/w/v1/track", json={**bad, "type": "payment_succeeded"}), 403, code)
    check_error(wclient.post("/w/v1/invitations/inv_x/shown", json=bad), 403, code)
    check_error(
        wclient.post("/w/v1/responses", json={**bad, "token": "x.y", "score": 3}),
        404,
        "invalid_token",
    )


def test_missing_signature_is_a_403_in_french_or_english(
    wclient: TestClient, keys: WidgetKeys
) -> None:
    params = {"key": keys.public_key, "user": "u-42"}
    fr = wclient.get("/w/v1/pending", params=params)
    check_error(fr, 403, "invalid_signature")
    assert fr.json()["error"]["message"].startswith("La signature de l'utilisateur")
    en = wclient.get("/w/v1/pending", params=params, headers={"Accept-Language": "en"})
    assert en.json()["error"]["message"].startswith("The user signature is missing")


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"key": "pk_\x00"}, "invalid_widget_key"),
        ({"key": "pk_ok\n"}, "invalid_widget_key"),
        ({"user": "u\x00"}, "invalid_signature"),
    ],
)
def test_characters_no_database_can_hold_are_refused_before_any_query(
    wclient: TestClient, keys: WidgetKeys, change: dict[str, str], code: str
) -> None:
    params = {**signed(keys), **change}
    if "user" in change:
        params["sig"] = user_hmac(keys.secret, change["user"])
    check_error(wclient.get("/w/v1/pending", params=params), 403, code)


def test_a_lone_surrogate_is_refused_not_a_500(
    wclient: TestClient, keys: WidgetKeys, app: FastAPI
) -> None:
    for body in ({**signed(keys), "user": "\ud800"}, {**signed(keys), "sig": "\ud800"}):
        raw = json.dumps({**body, "type": "t"})  # ensure_ascii: the surrogate stays escaped
        r = wclient.post("/w/v1/track", content=raw, headers={"Content-Type": "application/json"})
        check_error(r, 422, "invalid")
    r = wclient.get(f"/w/v1/pending?key={keys.public_key}&user=%ED%A0%80&sig=00")
    check_error(r, 403, "invalid_signature")
    with app.state.sessions() as s, pytest.raises(ServiceError) as refused:
        authenticate(s, app.state.settings, keys.public_key, "\ud800", "00")
    assert refused.value.status == 403


def test_signature_in_upper_case_hex_is_accepted(wclient: TestClient, keys: WidgetKeys) -> None:
    params = {**signed(keys), "sig": signed(keys)["sig"].upper()}
    assert wclient.get("/w/v1/pending", params=params).status_code == 200


# --- Track, pending, card -------------------------------------------------------------------


def test_a_browser_event_invites_and_the_card_is_pending(
    wclient: TestClient, auth: dict[str, str], keys: WidgetKeys, app: FastAPI
) -> None:
    with_touchpoint(wclient, auth)
    assert pending(wclient, keys) is None
    decision = track(wclient, keys, properties={"amount": 42}, locale="fr-FR")
    assert decision["decision"] == "invited" and decision["touchpoint"] == "payer"
    assert decision["event_id"].startswith("web-")
    card = decision["invitation"]
    assert card["channel"] == "in_app" and card["lang"] == "fr"
    assert card["question"] == "J'ai pu payer facilement"
    assert card["comment_prompt"] == "Qu'est-ce qui aurait pu être plus simple ?"
    assert [p["value"] for p in card["points"]] == [1, 2, 3, 4, 5, 6, 7]
    assert card["points"][0]["label"] == "Pas du tout d'accord"
    assert card["low_label"] == "Pas du tout d'accord" and card["scale"] == "1-7"
    assert card["polarity"] == "ease" and card["shown"] is False
    assert card["token"].startswith(card["id"] + ".")
    assert pending(wclient, keys) == card
    with app.state.sessions() as s:
        event = s.execute(select(Event)).scalar_one()
    assert event.external_id == decision["event_id"] and event.properties == {"amount": 42}
    history = wclient.get("/v1/users/u-42/history", headers=auth).json()
    assert history["user"]["locale"] == "fr-FR"


def test_the_card_speaks_the_users_language_with_faces_on_emoji_3(
    wclient: TestClient, auth: dict[str, str], keys: WidgetKeys
) -> None:
    with_touchpoint(
        wclient,
        auth,
        key="aide",
        task="lire l'aide",
        scale="emoji-3",
        question={"fr": "Cet article m'a aidé", "en": "This article helped me"},
        triggers=[{"event": "help_article_read"}],
        channels=["popover", "email"],
    )
    card = track(wclient, keys, "u-7", "help_article_read", locale="en")["invitation"]
    assert card["channel"] == "popover" and card["lang"] == "en"
    assert card["question"] == "This article helped me"
    assert [(p["symbol"], p["label"]) for p in card["points"]] == [
        ("😞", "Difficult"),
        ("😐", "So-so"),
        ("🙂", "Easy"),
    ]


def test_a_decision_without_invitation_has_no_card(
    wclient: TestClient, auth: dict[str, str], keys: WidgetKeys
) -> None:
    with_touchpoint(
        wclient, auth, browser_events=["payment_succeeded", "payment_failed", "nothing_to_ask"]
    )
    assert track(wclient, keys, type_="nothing_to_ask")["decision"] == "no_trigger"
    assert track(wclient, keys)["decision"] == "invited"
    again = track(wclient, keys)
    assert again["decision"] in {"cooldown", "fatigue"} and again["invitation"] is None


def test_only_widget_channels_are_pending(
    wclient: TestClient, auth: dict[str, str], keys: WidgetKeys
) -> None:
    with_touchpoint(wclient, auth)
    by_mail = event_body("evt-mail", "u-1", channel="email")
    assert wclient.post("/v1/events", headers=auth, json=by_mail).json()["decision"] == "invited"
    assert pending(wclient, keys, "u-1") is None
    in_app = event_body("evt-app", "u-2", channel="in_app")
    invited = wclient.post("/v1/events", headers=auth, json=in_app).json()
    assert pending(wclient, keys, "u-2")["id"] == invited["invitation"]["id"]


def test_expired_invitation_is_not_pending_and_cannot_be_answered(
    wclient: TestClient, auth: dict[str, str], keys: WidgetKeys, app: FastAPI
) -> None:
    with_touchpoint(wclient, auth)
    card = track(wclient, keys)["invitation"]
    with write_session(app.state.sessions) as s:
        inv = s.get_one(Invitation, card["id"])
        inv.expires_at = utcnow() - timedelta(minutes=1)
    assert pending(wclient, keys) is None
    r = wclient.post("/w/v1/responses", json={**signed(keys), "token": card["token"], "score": 5})
    check_error(r, 410, "expired")


def test_track_refuses_malformed_events(
    wclient: TestClient, auth: dict[str, str], keys: WidgetKeys
) -> None:
    with_touchpoint(wclient, auth)
    check_error(wclient.post("/w/v1/track", json=signed(keys)), 422, "invalid")
    r = wclient.post(
        "/w/v1/track", json={**signed(keys), "type": "payment_succeeded", "user_id": "u-1"}
    )
    check_error(r, 422, "invalid")  # the user is the signed one: no other field names one


# --- Shown, dismissed -----------------------------------------------------------------------


def test_shown_is_idempotent_and_dismissed_never_comes_back(
    wclient: TestClient, auth: dict[str, str], keys: WidgetKeys
) -> None:
    with_touchpoint(wclient, auth)
    card = track(wclient, keys)["invitation"]
    url = f"/w/v1/invitations/{card['id']}"
    first = wclient.post(f"{url}/shown", json=signed(keys))
    assert first.status_code == 200 and first.headers["access-control-allow-origin"] == "*"
    second = wclient.post(f"{url}/shown", json=signed(keys)).json()
    assert second["shown_at"] == first.json()["shown_at"] and second["dismissed_at"] is None
    assert pending(wclient, keys)["shown"] is True
    dismissed = wclient.post(f"{url}/dismissed", json=signed(keys)).json()
    assert dismissed["dismissed_at"] and dismissed["shown_at"] == first.json()["shown_at"]
    assert pending(wclient, keys) is None
    again = wclient.post(f"{url}/dismissed", json=signed(keys)).json()
    assert again["dismissed_at"] == dismissed["dismissed_at"]
    check_error(wclient.post(f"{url}/hidden", json=signed(keys)), 422, "invalid")


def test_dismissing_unseen_card_counts_it_as_shown(
    wclient: TestClient, auth: dict[str, str], keys: WidgetKeys
) -> None:
    with_touchpoint(wclient, auth)
    card = track(wclient, keys)["invitation"]
    r = wclient.post(f"/w/v1/invitations/{card['id']}/dismissed", json=signed(keys)).json()
    assert r["shown_at"] == r["dismissed_at"]


def test_another_users_invitation_is_refused(
    wclient: TestClient, auth: dict[str, str], keys: WidgetKeys, app: FastAPI
) -> None:
    with_touchpoint(
        wclient, auth, browser_events=["payment_succeeded", "payment_failed", "nothing"]
    )
    card = track(wclient, keys, "u-1")["invitation"]
    track(wclient, keys, "u-2", "nothing")  # u-2 exists, with no invitation
    thief = signed(keys, "u-2")
    for what in ("shown", "dismissed"):
        r = wclient.post(f"/w/v1/invitations/{card['id']}/{what}", json=thief)
        check_error(r, 404, "not_found")
    r = wclient.post("/w/v1/responses", json={**thief, "token": card["token"], "score": 1})
    check_error(r, 404, "not_found")
    stranger = signed(keys, "u-404")  # signed, but never seen
    r = wclient.post(f"/w/v1/invitations/{card['id']}/shown", json=stranger)
    check_error(r, 404, "not_found")
    assert pending(wclient, keys, "u-2") is None and pending(wclient, keys, "u-404") is None
    with app.state.sessions() as s:
        inv = s.get_one(Invitation, card["id"])
    assert inv.shown_at is None and inv.dismissed_at is None
    assert pending(wclient, keys, "u-1")["id"] == card["id"]


def test_a_workspace_key_never_reaches_another_workspaces_invitation(
    wclient: TestClient, auth: dict[str, str], keys: WidgetKeys, app: FastAPI
) -> None:
    with_touchpoint(wclient, auth)
    card = track(wclient, keys, "u-1")["invitation"]
    other = create_workspace(app.state.sessions, "Autre")
    other_keys = ensure_widget_keys(app.state.sessions, app.state.settings, other.id)
    same_user = signed(other_keys, "u-1")
    assert pending(wclient, other_keys, "u-1") is None
    r = wclient.post(f"/w/v1/invitations/{card['id']}/shown", json=same_user)
    check_error(r, 404, "not_found")


# --- Answers --------------------------------------------------------------------------------


def test_answer_through_the_widget_is_stored_and_the_card_closes(
    wclient: TestClient, auth: dict[str, str], keys: WidgetKeys
) -> None:
    with_touchpoint(wclient, auth)
    card = track(wclient, keys)["invitation"]
    body = {**signed(keys), "token": card["token"], "score": 6, "comment": "Rapide"}
    first = wclient.post("/w/v1/responses", json=body)
    assert first.status_code == 201, first.text
    assert first.headers["access-control-allow-origin"] == "*"
    assert first.json()["score"] == 6 and first.json()["channel"] == "in_app"
    again = wclient.post("/w/v1/responses", json={**body, "score": 7, "comment": None})
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert pending(wclient, keys) is None
    history = wclient.get("/v1/users/u-42/history", headers=auth).json()
    answered = next(e for e in history["events"] if e["response"])
    assert answered["response"]["score"] == 7
    funnel = wclient.get("/v1/funnel", headers=auth).json()
    assert funnel["total"]["shown"] == 1 and funnel["total"]["answered"] == 1


def test_widget_answers_are_checked_like_any_answer(
    wclient: TestClient, auth: dict[str, str], keys: WidgetKeys
) -> None:
    with_touchpoint(wclient, auth)
    card = track(wclient, keys)["invitation"]
    body = {**signed(keys), "token": card["token"]}
    check_error(
        wclient.post("/w/v1/responses", json={**body, "score": 9}), 422, "score_out_of_scale"
    )
    tampered = card["token"][:-1] + ("A" if card["token"][-1] != "A" else "B")
    r = wclient.post("/w/v1/responses", json={**body, "token": tampered, "score": 3})
    check_error(r, 404, "invalid_token")
    as_text = wclient.post("/w/v1/responses", json={**body, "score": "7"})
    assert as_text.status_code == 201 and as_text.json()["score"] == 7


# --- CORS and the script --------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/w/v1/track", "/w/v1/pending", "/w/v1/responses"])
def test_cors_preflight_is_answered_without_credentials(wclient: TestClient, path: str) -> None:
    r = wclient.options(
        path,
        headers={
            "Origin": "https://shop.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert r.status_code == 204
    assert r.headers["access-control-allow-origin"] == "*"
    assert "POST" in r.headers["access-control-allow-methods"]
    assert "content-type" in r.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-credentials" not in r.headers


def test_widget_script_is_served_cacheable_and_builds_no_html_from_data(
    wclient: TestClient,
) -> None:
    r = wclient.get("/widget.js")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/javascript; charset=utf-8"
    assert r.headers["cache-control"] == "public, max-age=300"
    js = r.text
    assert len(js.encode()) < 16_000
    assert "attachShadow" in js and 'role: "radiogroup"' in js and 'role: "dialog"' in js
    assert '"Fermer"' in js and '"Close"' in js
    for unsafe in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert unsafe not in js


# --- Funnel ---------------------------------------------------------------------------------


def test_funnel_counts_each_stage_per_touchpoint_and_outcome(
    wclient: TestClient, auth: dict[str, str], keys: WidgetKeys
) -> None:
    with_touchpoint(
        wclient, auth, browser_events=["payment_succeeded", "payment_failed", "page_viewed"]
    )
    a = track(wclient, keys, "u-1")["invitation"]  # shown, answered
    wclient.post(f"/w/v1/invitations/{a['id']}/shown", json=signed(keys, "u-1"))
    wclient.post("/w/v1/responses", json={**signed(keys, "u-1"), "token": a["token"], "score": 5})
    track(wclient, keys, "u-1")  # eligible, but the user was just asked
    b = track(wclient, keys, "u-2", "payment_failed")["invitation"]  # dismissed
    wclient.post(f"/w/v1/invitations/{b['id']}/dismissed", json=signed(keys, "u-2"))
    track(wclient, keys, "u-3")  # invited, never shown
    track(wclient, keys, "u-4", "page_viewed")  # triggers nothing: not eligible
    r = wclient.get("/v1/funnel", headers=auth)
    assert r.status_code == 200, r.text
    body = r.json()
    rows = {(x["touchpoint"], x["outcome"]): x for x in body["rows"]}
    assert set(rows) == {("payer", "failure"), ("payer", "success")}
    success, failure = rows["payer", "success"], rows["payer", "failure"]
    assert [success[k] for k in ("eligible", "invited", "shown", "dismissed", "answered")] == [
        3,
        2,
        1,
        0,
        1,
    ]
    assert [failure[k] for k in ("eligible", "invited", "shown", "dismissed", "answered")] == [
        1,
        1,
        1,
        1,
        0,
    ]
    assert success["rates"] == {
        "invited": pytest.approx(2 / 3),
        "shown": 0.5,
        "answered": 0.5,
        "answered_when_shown": 1.0,
    }
    total = body["total"]
    assert (total["eligible"], total["invited"], total["shown"], total["answered"]) == (4, 3, 2, 1)
    assert body["touchpoints"][0]["touchpoint"] == "payer"
    assert body["touchpoints"][0]["eligible"] == 4
    assert body["stages"] == ["eligible", "invited", "shown", "answered"]


def test_funnel_filters_by_touchpoint_and_local_dates(
    wclient: TestClient, auth: dict[str, str], keys: WidgetKeys
) -> None:
    with_touchpoint(wclient, auth)
    track(wclient, keys, "u-1")
    today = date.today()
    window = {
        "from": (today - timedelta(days=1)).isoformat(),
        "to": (today + timedelta(days=1)).isoformat(),
    }
    inside = wclient.get("/v1/funnel", headers=auth, params={**window, "touchpoint": "payer"})
    assert inside.json()["total"]["eligible"] == 1 and inside.json()["touchpoint"] == "payer"
    later = {"from": (today + timedelta(days=2)).isoformat()}
    empty = wclient.get("/v1/funnel", headers=auth, params=later).json()
    assert empty["rows"] == [] and empty["total"]["eligible"] == 0
    assert empty["total"]["rates"]["answered"] is None
    r = wclient.get("/v1/funnel", headers=auth, params={"touchpoint": "nope"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    backwards = {"from": today.isoformat(), "to": (today - timedelta(days=3)).isoformat()}
    assert wclient.get("/v1/funnel", headers=auth, params=backwards).status_code == 422
    assert wclient.get("/v1/funnel").status_code == 401


# --- Demo shop ------------------------------------------------------------------------------


def test_demo_shop_embeds_the_widget_for_a_signed_visitor(
    wclient: TestClient, app: FastAPI
) -> None:
    assert wclient.get("/demo/shop").status_code == 404  # no demo workspace yet
    ws = create_workspace(app.state.sessions, DEMO_NAME)
    first = wclient.get("/demo/shop", follow_redirects=False)
    assert first.status_code == 303 and "user=visiteur-" in first.headers["location"]
    page = wclient.get("/demo/shop", params={"user": "visiteur-1"})
    assert page.status_code == 200 and "Payer 42,00" in page.text
    keys = ensure_widget_keys(app.state.sessions, app.state.settings, ws.id)
    assert f'data-key="{keys.public_key}"' in page.text
    assert f'data-sig="{user_hmac(keys.secret, "visiteur-1")}"' in page.text
    assert keys.secret not in page.text
    assert "nonce-" in page.headers["content-security-policy"]
    help_page = wclient.get("/demo/shop/aide", params={"user": "visiteur-1", "ws": ws.id})
    assert help_page.status_code == 200 and "help_article_read" in help_page.text
    assert wclient.get("/demo/shop", params={"user": "<script>"}).status_code == 422


# --- Answers: scores and comments -----------------------------------------------------------


@pytest.mark.parametrize("flag", [True, False])
def test_a_boolean_score_from_the_widget_is_refused(
    wclient: TestClient, auth: dict[str, str], keys: WidgetKeys, app: FastAPI, flag: bool
) -> None:
    with_touchpoint(wclient, auth)
    card = track(wclient, keys)["invitation"]
    r = wclient.post(
        "/w/v1/responses", json={**signed(keys), "token": card["token"], "score": flag}
    )
    check_error(r, 422, "invalid")
    assert r.json()["error"]["details"][0]["field"] == "score"
    with app.state.sessions() as s:
        assert s.execute(select(Response)).first() is None


def test_widget_answer_without_a_comment_keeps_it_and_null_erases_it(
    wclient: TestClient, auth: dict[str, str], keys: WidgetKeys
) -> None:
    with_touchpoint(wclient, auth)
    card = track(wclient, keys)["invitation"]
    answer = {**signed(keys), "token": card["token"]}
    first = wclient.post("/w/v1/responses", json={**answer, "score": 2, "comment": "Trop long"})
    assert first.status_code == 201, first.text
    kept = wclient.post("/w/v1/responses", json={**answer, "score": 3})
    assert kept.status_code == 200 and kept.json()["comment"] == "Trop long"
    assert kept.json()["score"] == 3
    erased = wclient.post("/w/v1/responses", json={**answer, "score": 3, "comment": None})
    assert erased.json()["comment"] is None
