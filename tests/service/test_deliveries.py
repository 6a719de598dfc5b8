"""Deliveries: one row per invitation and channel, sent exactly once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from fluide.channels import DeliveryResult
from fluide.jobs import deliveries
from fluide.settings import Settings
from fluide.storage.models import Delivery
from fluide.storage.types import utcnow
from tests.service.conftest import event_body, touchpoint_body


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No worker in this process: the tests drive each attempt themselves."""
    return settings.model_copy(update={"worker": "external"})


class Recorder:
    """A channel sender answering a scripted result, counting its calls."""

    def __init__(self, *results: str, pause: float = 0.0) -> None:
        self.results = list(results) or ["sent"]
        self.calls: list[str] = []
        self.pause = pause
        self.lock = threading.Lock()

    def __call__(self, s: Session, settings: Settings, d: Delivery) -> DeliveryResult:
        with self.lock:
            self.calls.append(d.idempotency_key)
            status = self.results[min(len(self.calls) - 1, len(self.results) - 1)]
        if self.pause:
            threading.Event().wait(self.pause)
        return DeliveryResult(status, "" if status == "sent" else f"scripted {status}", "msg-1")  # type: ignore[arg-type]


def invite(
    client: TestClient, auth: dict[str, str], channel: str = "email", user: str = "u-1"
) -> str:
    client.post("/v1/touchpoints", headers=auth, json=touchpoint_body())
    r = client.post(
        "/v1/events", headers=auth, json=event_body(f"e-{user}", user=user, channel=channel)
    )
    return str(r.json()["invitation"]["id"])


def delivery_of(app: FastAPI, invitation_id: str) -> Delivery | None:
    with app.state.sessions() as s:
        return s.execute(
            select(Delivery).where(Delivery.invitation_id == invitation_id)
        ).scalar_one_or_none()


def test_email_invitation_gets_one_pending_delivery_and_in_app_none(
    client: TestClient, auth: dict[str, str], app: FastAPI
) -> None:
    d = delivery_of(app, invite(client, auth, "email"))
    assert d is not None and d.status == "pending" and d.idempotency_key.endswith(":email")
    assert delivery_of(app, invite(client, auth, "in_app", user="u-2")) is None


def test_a_sent_delivery_is_never_sent_again(
    client: TestClient, auth: dict[str, str], app: FastAPI, settings: Settings
) -> None:
    d = delivery_of(app, invite(client, auth))
    assert d is not None
    sender = Recorder("sent")
    first = deliveries.deliver(app.state.sessions, settings, d.id, {"email": sender})
    again = deliveries.deliver(app.state.sessions, settings, d.id, {"email": sender})
    assert (first.status, again.status) == ("sent", "skipped") and len(sender.calls) == 1
    done = delivery_of(app, d.invitation_id)
    assert done is not None and done.sent_at is not None and done.provider_id == "msg-1"


def test_concurrent_attempts_send_once(
    client: TestClient, auth: dict[str, str], app: FastAPI, settings: Settings
) -> None:
    d = delivery_of(app, invite(client, auth))
    assert d is not None
    sender = Recorder("sent", pause=0.2)
    threads = [
        threading.Thread(
            target=deliveries.deliver, args=(app.state.sessions, settings, d.id, {"email": sender})
        )
        for _ in range(6)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(sender.calls) == 1


def test_temporary_failure_is_retried_with_back_off_then_sent(
    client: TestClient, auth: dict[str, str], app: FastAPI, settings: Settings
) -> None:
    d = delivery_of(app, invite(client, auth))
    assert d is not None
    sender = Recorder("retry", "sent")
    now = utcnow()
    assert (
        deliveries.deliver(app.state.sessions, settings, d.id, {"email": sender}, now=now).status
        == "retry"
    )
    waiting = delivery_of(app, d.invitation_id)
    assert (
        waiting is not None
        and waiting.status == "retry"
        and waiting.next_attempt_at == now + timedelta(seconds=30)
    )
    assert (
        deliveries.deliver(app.state.sessions, settings, d.id, {"email": sender}, now=now).status
        == "skipped"
    )
    later = now + timedelta(seconds=31)
    assert deliveries.due(app.state.sessions, later) == [d.id]
    assert (
        deliveries.deliver(app.state.sessions, settings, d.id, {"email": sender}, now=later).status
        == "sent"
    )


def test_permanent_failure_is_kept_visible_and_can_be_retried(
    client: TestClient, auth: dict[str, str], app: FastAPI, settings: Settings
) -> None:
    d = delivery_of(app, invite(client, auth))
    assert d is not None
    deliveries.deliver(app.state.sessions, settings, d.id, {"email": Recorder("failed")})
    with app.state.sessions() as s:
        assert [f.id for f in deliveries.failed(s)] == [d.id]
    assert deliveries.retry_failed(app.state.sessions, d.id, utcnow())
    assert (
        deliveries.deliver(app.state.sessions, settings, d.id, {"email": Recorder("sent")}).status
        == "sent"
    )


def test_too_many_temporary_failures_end_as_failed(
    client: TestClient, auth: dict[str, str], app: FastAPI, settings: Settings
) -> None:
    d = delivery_of(app, invite(client, auth))
    assert d is not None
    now = utcnow()
    for i in range(deliveries.MAX_ATTEMPTS):
        out = deliveries.deliver(
            app.state.sessions,
            settings,
            d.id,
            {"email": Recorder("retry")},
            now=now + timedelta(hours=i),
        )
    assert out.status == "failed"


def test_a_crashing_sender_is_retried_not_lost(
    client: TestClient, auth: dict[str, str], app: FastAPI, settings: Settings
) -> None:
    d = delivery_of(app, invite(client, auth))
    assert d is not None

    def boom(s: Session, st: Settings, dl: Delivery) -> DeliveryResult:
        raise ConnectionResetError("peer reset")

    out = deliveries.deliver(app.state.sessions, settings, d.id, {"email": boom})
    assert out.status == "retry" and "ConnectionResetError" in out.detail


def test_a_delivery_abandoned_mid_send_is_taken_again_after_its_lease(
    client: TestClient, auth: dict[str, str], app: FastAPI, settings: Settings
) -> None:
    d = delivery_of(app, invite(client, auth))
    assert d is not None
    now = utcnow()
    assert deliveries.claim(app.state.sessions, d.id, now)  # a worker took it, then died
    assert (
        deliveries.deliver(
            app.state.sessions,
            settings,
            d.id,
            {"email": Recorder()},
            now=now + timedelta(minutes=1),
        ).status
        == "skipped"
    )
    late = now + deliveries.LEASE + timedelta(seconds=1)
    assert deliveries.due(app.state.sessions, late) == [d.id]
    assert (
        deliveries.deliver(
            app.state.sessions, settings, d.id, {"email": Recorder()}, now=late
        ).status
        == "sent"
    )
    done = delivery_of(app, d.invitation_id)
    assert done is not None and done.attempts == 2


def test_an_invitation_past_its_window_is_never_sent_late(
    client: TestClient, auth: dict[str, str], app: FastAPI, settings: Settings
) -> None:
    d = delivery_of(app, invite(client, auth))
    assert d is not None
    sender = Recorder("sent")
    out = deliveries.deliver(
        app.state.sessions, settings, d.id, {"email": sender}, now=utcnow() + timedelta(days=2)
    )
    assert out.status == "expired" and sender.calls == []
    with app.state.sessions() as s:
        assert deliveries.failed(s) == []
