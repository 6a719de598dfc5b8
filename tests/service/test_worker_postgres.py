"""On PostgreSQL, invitations travel as procrastinate jobs to `fluide worker` processes."""

from __future__ import annotations

import email
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from fluide.api.app import create_app
from fluide.services.workspaces import create_workspace
from fluide.settings import load_settings
from fluide.storage.models import Delivery
from tests.service.conftest import SECRET, event_body, touchpoint_body
from tests.service.test_worker_kill import free_port


class Sink:
    def __init__(self) -> None:
        self.accepted: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.accepted.append(envelope.content)
        return "250 2.0.0 accepted"


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_worker_process_sends_the_queued_invitation(database_url: str, tmp_path: Path) -> None:
    sink = Sink()
    port = free_port()
    smtp = Controller(sink, hostname="127.0.0.1", port=port)
    smtp.start()
    env = {
        **os.environ,
        "FLUIDE_DATABASE_URL": database_url,
        "FLUIDE_SECRET_KEY": SECRET,
        "FLUIDE_SMTP_URL": f"smtp://127.0.0.1:{port}",
        "FLUIDE_PUBLIC_URL": "http://testserver",
    }
    settings = load_settings(
        database_url=database_url, secret_key=SECRET, public_url="http://testserver"
    )
    app = create_app(settings)
    try:
        with TestClient(app) as client:  # opens procrastinate: the event's job is deferred
            ws = create_workspace(app.state.sessions, "Boutique")
            auth = {"Authorization": f"Bearer {ws.api_key}"}
            client.post("/v1/touchpoints", headers=auth, json=touchpoint_body(channels=["email"]))
            decision = client.post(
                "/v1/events", headers=auth, json=event_body(channel="email")
            ).json()
            assert decision["decision"] == "invited"
        with app.state.sessions() as s:
            queued = s.execute(
                text("SELECT count(*) FROM procrastinate_jobs WHERE status = 'todo'")
            ).scalar()
        assert queued == 1
        worker = subprocess.run(
            [sys.executable, "-m", "fluide", "worker", "--once"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert worker.returncode == 0, worker.stderr
        with app.state.sessions() as s:
            d = s.execute(select(Delivery)).scalar_one()
        assert d.status == "sent" and len(sink.accepted) == 1
        message = email.message_from_bytes(sink.accepted[0])
        assert message["Message-ID"] == d.provider_id and message["To"] == "u-42@example.com"
    finally:
        smtp.stop()
        app.state.engine.dispose()
