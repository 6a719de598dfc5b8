"""Pushing follow-ups to Zendesk, HubSpot and a signed webhook, against a local fake of each
vendor's API on 127.0.0.1: success, retries with back-off, refusals, the mapping, the
signature, SSRF refusals, and no secret anywhere (both databases).

Every moment is explicit (``now``): back-off waits cost no real time.
"""

from __future__ import annotations

import base64
import logging
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI

from fluide.channels import helpdesk as channel
from fluide.channels.helpdesk_inbound import verify_fluide
from fluide.domain import helpdesk as rules
from fluide.jobs.helpdesk import push_pending
from fluide.services import helpdesk as service
from fluide.services.errors import ServiceError
from fluide.services.workspaces import NewWorkspace
from fluide.settings import Settings, SettingsError, load_settings
from tests.helpdesk_fake import (
    VENDOR_SECRET_BODY,
    Answer,
    Fake,
    fake,
    with_fake_vendors,
    zendesk_fields,
)
from tests.service.conftest import SECRET
from tests.services.test_follow_ups import T0, respond, sessions

TOKEN = "zd-T0ken-that-must-stay-secret-123"
HUBSPOT_TOKEN = "pat-na1-secret-hubspot-token-456"
BEFORE = T0 - timedelta(hours=1)
__all__ = ["fake"]  # fixtures


def zendesk(app: FastAPI, s: Settings, ws: str, **extra: Any) -> dict[str, Any]:
    mapping = {"score": "360001", "touchpoint_task": "360002", "customer_email": "360003"}
    values = zendesk_fields(TOKEN, **{"mapping": mapping, **extra})
    return service.put_connection(sessions(app), s, ws, values, now=BEFORE)


def hubspot(app: FastAPI, s: Settings, ws: str) -> dict[str, Any]:
    values = {
        "provider": "hubspot",
        "token": HUBSPOT_TOKEN,
        "object": "tickets",
        "pipeline": "0",
        "pipeline_stage": "1",
        "portal_id": "777",
        "mapping": {"score": "fluide_score", "comment": "fluide_comment"},
    }
    return service.put_connection(sessions(app), s, ws, values, now=BEFORE)


def pushed(app: FastAPI, ws: str) -> dict[str, Any]:
    [fu] = service.tickets_for(sessions(app), ws, [_only_follow_up(app, ws)]).values()
    assert fu is not None
    return fu


def _only_follow_up(app: FastAPI, ws: str) -> str:
    from fluide.services import follow_ups

    [fu] = follow_ups.list_follow_ups(sessions(app), ws, now=T0)
    return str(fu["id"])


def test_a_new_follow_up_becomes_a_zendesk_ticket_with_the_mapped_fields_and_a_link(
    app: FastAPI, settings: Settings, workspace: NewWorkspace, fake: Fake
) -> None:
    s = with_fake_vendors(settings, fake)
    zendesk(app, s, workspace.id)
    respond(app, settings, workspace.id, 2, "Trois essais pour payer", user="cust-9")
    assert push_pending(sessions(app), s, T0) == 1
    [call] = fake.seen
    assert (call.method, call.path) == ("POST", "/api/v2/tickets.json")
    auth = base64.b64decode(call.headers["authorization"].removeprefix("Basic "))
    assert auth.decode() == f"bot@acme.example/token:{TOKEN}"
    ticket = call.json()["ticket"]
    assert ticket["external_id"] == _only_follow_up(app, workspace.id)
    assert (
        ticket["comment"]["public"] is False
        and "Trois essais pour payer" in ticket["comment"]["body"]
    )
    assert ticket["requester"]["email"] == "cust-9@example.com"
    assert ticket["priority"] == "high" and "fluide" in ticket["tags"]
    assert {"id": 360001, "value": 2} in ticket["custom_fields"]
    assert {"id": 360002, "value": "payer"} in ticket["custom_fields"]
    assert {"id": 360003, "value": "cust-9@example.com"} in ticket["custom_fields"]
    assert "Rappeler cust-9" in ticket["subject"]  # the connection's language: French
    done = pushed(app, workspace.id)
    assert (done["state"], done["external_id"]) == ("pushed", "35436")
    assert done["external_url"] == "https://acme.zendesk.com/agent/tickets/35436"
    # Once only.
    assert push_pending(sessions(app), s, T0 + timedelta(hours=1)) == 0
    assert len(fake.seen) == 1


def test_follow_ups_opened_before_the_connection_are_not_pushed_by_themselves(
    app: FastAPI, settings: Settings, workspace: NewWorkspace, fake: Fake
) -> None:
    s = with_fake_vendors(settings, fake)
    respond(app, settings, workspace.id, 2, "Trop long")
    service.put_connection(
        sessions(app),
        s,
        workspace.id,
        {"provider": "zendesk", "subdomain": "acme", "email": "b@acme.example", "token": TOKEN},
        now=T0 + timedelta(minutes=5),
    )
    assert push_pending(sessions(app), s, T0 + timedelta(minutes=6)) == 0
    # By hand, it goes.
    fu = _only_follow_up(app, workspace.id)
    queued = service.push_follow_up(sessions(app), workspace.id, fu, now=T0 + timedelta(minutes=7))
    assert queued["state"] == "pending"
    assert push_pending(sessions(app), s, T0 + timedelta(minutes=7)) == 1
    assert pushed(app, workspace.id)["state"] == "pushed"
    with pytest.raises(ServiceError) as again:
        service.push_follow_up(sessions(app), workspace.id, fu)
    assert again.value.status == 409


def test_a_429_is_retried_after_its_retry_after_then_a_hubspot_ticket_is_made(
    app: FastAPI, settings: Settings, workspace: NewWorkspace, fake: Fake
) -> None:
    s = with_fake_vendors(settings, fake)
    hubspot(app, s, workspace.id)
    respond(app, settings, workspace.id, 1, "Code SMS jamais reçu")
    fake.then(Answer(429, headers={"Retry-After": "120"}))
    assert push_pending(sessions(app), s, T0) == 1
    waiting = pushed(app, workspace.id)
    assert (waiting["state"], waiting["status_code"]) == ("pending", 429)
    assert waiting["next_attempt_at"] == T0 + timedelta(seconds=120)
    assert push_pending(sessions(app), s, T0 + timedelta(seconds=60)) == 0  # honoured
    assert push_pending(sessions(app), s, T0 + timedelta(seconds=120)) == 1
    first, second = fake.seen
    assert first.body == second.body  # the same ticket, again
    assert (second.method, second.path) == ("POST", "/crm/v3/objects/tickets")
    assert second.headers["authorization"] == f"Bearer {HUBSPOT_TOKEN}"
    props = second.json()["properties"]
    assert (props["hs_pipeline"], props["hs_pipeline_stage"]) == ("0", "1")
    assert (props["fluide_score"], props["fluide_comment"]) == ("1", "Code SMS jamais reçu")
    assert props["subject"] and "Code SMS jamais reçu" in props["content"]
    done = pushed(app, workspace.id)
    assert (done["state"], done["external_id"]) == ("pushed", "512")
    assert done["external_url"] == "https://app.hubspot.com/contacts/777/record/0-5/512"


def test_a_vendor_down_is_retried_with_back_off_a_bounded_number_of_times(
    app: FastAPI, settings: Settings, workspace: NewWorkspace, fake: Fake
) -> None:
    s = with_fake_vendors(settings, fake)
    zendesk(app, s, workspace.id)
    respond(app, settings, workspace.id, 2, "Bloqué")
    fake.then(*[Answer(500) for _ in range(rules.MAX_ATTEMPTS + 2)])
    moment = T0
    assert push_pending(sessions(app), s, moment) == 1
    for wait in rules.BACKOFF:
        assert push_pending(sessions(app), s, moment + timedelta(seconds=wait - 1)) == 0
        moment += timedelta(seconds=wait)
        assert push_pending(sessions(app), s, moment) == 1
    assert len(fake.seen) == rules.MAX_ATTEMPTS
    gave_up = pushed(app, workspace.id)
    assert (gave_up["state"], gave_up["status_code"]) == ("failed", 500)
    assert gave_up["reason"] == rules.UNREACHABLE
    assert push_pending(sessions(app), s, moment + timedelta(days=2)) == 0


def test_a_timeout_is_tried_again_later(
    app: FastAPI, settings: Settings, workspace: NewWorkspace, fake: Fake
) -> None:
    s = with_fake_vendors(settings, fake)
    zendesk(app, s, workspace.id)
    respond(app, settings, workspace.id, 2, "Bloqué")
    fake.then(Answer(201, {"ticket": {"id": 1}}, delay=1.5))
    assert push_pending(sessions(app), s, T0, timeout=0.3) == 1
    late = pushed(app, workspace.id)
    assert late["state"] == "pending" and "timeout" in late["error"]
    assert late["next_attempt_at"] == T0 + timedelta(seconds=rules.BACKOFF[0])


@pytest.mark.parametrize("code", [401, 403, 422])
def test_a_refusal_stops_at_once_with_its_status_and_never_the_vendors_words(
    app: FastAPI,
    settings: Settings,
    workspace: NewWorkspace,
    fake: Fake,
    code: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    s = with_fake_vendors(settings, fake)
    zendesk(app, s, workspace.id)
    respond(app, settings, workspace.id, 2, "Bloqué")
    fake.then(Answer(code))
    assert push_pending(sessions(app), s, T0) == 1
    refused = pushed(app, workspace.id)
    assert (refused["state"], refused["status_code"], refused["attempts"]) == ("failed", code, 1)
    assert refused["reason"] == rules.REFUSALS[code]
    assert push_pending(sessions(app), s, T0 + timedelta(days=1)) == 0
    assert len(fake.seen) == 1
    shown = str(refused) + str(service.get_connection(sessions(app), s, workspace.id))
    for secret in (TOKEN, VENDOR_SECRET_BODY):
        assert secret not in shown and secret not in caplog.text


def test_the_signed_webhook_posts_the_follow_up_with_a_verifiable_signature(
    app: FastAPI, settings: Settings, workspace: NewWorkspace, fake: Fake
) -> None:
    s = with_fake_vendors(settings, fake)
    made = service.put_connection(
        sessions(app),
        s,
        workspace.id,
        {"provider": "webhook", "url": fake.url + "/hook", "mapping": {"score": "effort_score"}},
        now=BEFORE,
    )
    secret = made["secret"]
    assert "secret" not in (service.get_connection(sessions(app), s, workspace.id) or {})
    respond(app, settings, workspace.id, 2, "Trop d'étapes", user="cust-3")
    assert push_pending(sessions(app), s, T0) == 1
    [call] = fake.seen
    header = call.headers["x-fluide-signature"]
    stamp = int(header.split(",")[0].removeprefix("t="))
    assert verify_fluide(secret, header, call.body, now=stamp + 10)
    assert not verify_fluide(secret, header, call.body + b" ", now=stamp + 10)
    assert not verify_fluide(secret, header, call.body, now=stamp + 301)  # replayed late
    body = call.json()
    assert (body["type"], body["customer_id"], body["score"]) == ("follow_up.push", "cust-3", 2)
    assert body["fields"] == {"effort_score": 2}
    assert pushed(app, workspace.id)["external_url"] == "https://desk.example/t/hook-1"


def test_the_mapping_is_checked_and_a_bad_field_is_named(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    cases = [
        ("zendesk", {"score": "priority"}, "mapping.score"),
        ("zendesk", {"nickname": "360001"}, "mapping.nickname"),
        ("hubspot", {"comment": "Fluide Comment"}, "mapping.comment"),
        ("hubspot", {"score": "same", "comment": "same"}, "mapping.comment"),
    ]
    for provider, mapping, field in cases:
        values = {
            "provider": provider,
            "subdomain": "acme",
            "email": "b@acme.example",
            "token": TOKEN,
            "mapping": mapping,
        }
        with pytest.raises(ServiceError) as refused:
            service.put_connection(sessions(app), settings, workspace.id, values)
        assert refused.value.details[0]["field"] == field, (provider, mapping)
    with pytest.raises(ServiceError) as no_token:
        service.put_connection(sessions(app), settings, workspace.id, {"provider": "hubspot"})
    assert no_token.value.details[0]["field"] == "token"
    with pytest.raises(ServiceError) as bad_sub:
        service.put_connection(
            sessions(app),
            settings,
            workspace.id,
            {
                "provider": "zendesk",
                "subdomain": "evil.com/x",
                "email": "b@a.example",
                "token": "t",
            },
        )
    assert bad_sub.value.details[0]["field"] == "subdomain"


def test_private_hosts_are_refused_in_production_settings(
    app: FastAPI, settings: Settings, workspace: NewWorkspace, fake: Fake
) -> None:
    assert not settings.webhook_allow_private
    with pytest.raises(ServiceError) as refused:
        service.put_connection(
            sessions(app), settings, workspace.id, {"provider": "webhook", "url": fake.url}
        )
    assert refused.value.details[0]["field"] == "url"
    # A vendor's name that resolves to this machine (DNS rebinding, a poisoned resolver).
    target = channel.Target("zendesk", {"subdomain": "acme", "email": "b@a.example"}, TOKEN)
    request = channel.test_request(target)

    def to_loopback(host: str, port: int, *_: object) -> list[tuple[Any, ...]]:
        return [(2, 1, 6, "", ("127.0.0.1", port))]

    result = channel.send(request, resolver=to_loopback)
    assert result.status == "failed" and "refused" in result.detail
    assert fake.seen == []


def test_the_base_url_override_is_refused_without_private_targets(tmp_path: Any) -> None:
    with pytest.raises(SettingsError, match="HELPDESK_BASE_URL_OVERRIDE"):
        load_settings(
            secret_key=SECRET, data_dir=tmp_path, helpdesk_base_url_override="http://127.0.0.1:9"
        )
    ok = load_settings(
        secret_key=SECRET,
        data_dir=tmp_path,
        webhook_allow_private=True,
        helpdesk_base_url_override="http://127.0.0.1:9",
    )
    assert ok.helpdesk_base_url_override == "http://127.0.0.1:9"
    with pytest.raises(SettingsError):
        load_settings(
            secret_key=SECRET,
            data_dir=tmp_path,
            webhook_allow_private=True,
            helpdesk_base_url_override="http://127.0.0.1:9/path?x",
        )


def test_the_connection_test_calls_the_vendor_and_says_why_it_failed(
    app: FastAPI, settings: Settings, workspace: NewWorkspace, fake: Fake
) -> None:
    s = with_fake_vendors(settings, fake)
    zendesk(app, s, workspace.id)
    fake.then(Answer(200, {"user": {"id": 1}}), Answer(401))
    assert service.test_connection(sessions(app), s, workspace.id)["ok"] is True
    failed = service.test_connection(sessions(app), s, workspace.id)
    assert (failed["ok"], failed["status"], failed["reason"]) == (False, 401, rules.REFUSALS[401])
    assert [(c.method, c.path) for c in fake.seen] == [("GET", "/api/v2/users/me.json")] * 2


def test_erasing_the_customer_erases_the_push_record_too(
    app: FastAPI, settings: Settings, workspace: NewWorkspace, fake: Fake
) -> None:
    from sqlalchemy import func, select

    from fluide.services import erasure
    from fluide.storage.helpdesk_models import HelpdeskTicket

    s = with_fake_vendors(settings, fake)
    zendesk(app, s, workspace.id)
    respond(app, settings, workspace.id, 2, "Bloqué", user="cust-erase")
    assert push_pending(sessions(app), s, T0) == 1
    done = erasure.erase_user(sessions(app), workspace.id, "cust-erase", erased_by="test", now=T0)
    assert done.counts.get("helpdesk_tickets") == 1
    with sessions(app)() as db:
        assert db.scalar(select(func.count()).select_from(HelpdeskTicket)) == 0


def test_help_desk_secrets_are_sealed_and_re_encrypted_after_a_key_change(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    from pydantic import SecretStr

    from fluide import secretbox
    from fluide.services import stored_secrets
    from fluide.storage.helpdesk_models import HelpdeskConnection

    zendesk(app, settings, workspace.id, signing_secret="zd-signing-secret")
    with sessions(app)() as db:
        row = db.get_one(HelpdeskConnection, workspace.id)
        assert row.credential and secretbox.is_sealed(row.credential)
        assert TOKEN not in row.credential and "zd-signing-secret" not in str(row.signing_secret)
    new_key = "a-new-secret-key-Bv8n-Qs1k-Jd5u-Xc2o-Gf7I"
    moved = settings.model_copy(
        update={"secret_key": SecretStr(new_key), "previous_secret_keys": SecretStr(SECRET)}
    )
    done = stored_secrets.reencrypt(sessions(app), moved)
    assert done.rewritten == 2 and done.failed == []
    only_new = settings.model_copy(update={"secret_key": SecretStr(new_key)})
    with sessions(app)() as db:
        row = db.get_one(HelpdeskConnection, workspace.id)
        assert secretbox.box(only_new).open(str(row.credential)) == TOKEN
