"""Killing a worker mid-send loses nothing and sends nothing twice.

A real `fluide worker` process sends through a real SMTP server on 127.0.0.1.
The server holds the first message in DATA; the test kills the worker there
(SIGKILL: no clean-up), the server then refuses that unfinished transaction,
and a new worker takes the delivery again once its lease has expired.
"""

from __future__ import annotations

import asyncio
import email
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlalchemy import select

from fluide.api.app import create_app
from fluide.services.workspaces import create_workspace
from fluide.settings import load_settings
from fluide.storage.models import Delivery
from tests.service.conftest import SECRET, event_body, touchpoint_body


class HoldFirst:
    """An SMTP handler that holds the first DATA until released, then refuses it."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.first = True
        self.accepted: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.first:
            self.first = False
            self.entered.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 30)
            return "451 4.3.0 sender went away, nothing accepted"
        self.accepted.append(envelope.content)
        return "250 2.0.0 accepted"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(condition: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_killing_a_worker_mid_send_neither_loses_nor_duplicates(
    database_url: str, tmp_path: Path
) -> None:
    handler = HoldFirst()
    port = free_port()
    smtp = Controller(handler, hostname="127.0.0.1", port=port)
    smtp.start()
    env = {
        **os.environ,
        "FLUIDE_DATABASE_URL": database_url,
        "FLUIDE_SECRET_KEY": SECRET,
        "FLUIDE_SMTP_URL": f"smtp://127.0.0.1:{port}",
        "FLUIDE_PUBLIC_URL": "http://testserver",
        "FLUIDE_DELIVERY_LEASE_SECONDS": "5",
    }
    settings = load_settings(database_url=database_url, secret_key=SECRET, worker="external")
    app = create_app(settings)
    ws = create_workspace(app.state.sessions, "Boutique")
    auth = {"Authorization": f"Bearer {ws.api_key}"}
    client = TestClient(app)  # no lifespan: no worker in this process
    client.post("/v1/touchpoints", headers=auth, json=touchpoint_body(channels=["email"]))
    decision = client.post("/v1/events", headers=auth, json=event_body(channel="email")).json()
    assert decision["decision"] == "invited"

    def delivery() -> Delivery:
        with app.state.sessions() as s:
            return s.execute(select(Delivery)).scalar_one()

    worker = subprocess.Popen([sys.executable, "-m", "fluide", "worker", "--poll", "0.2"], env=env)
    try:
        wait_for(handler.entered.is_set, 30, "the worker to reach DATA")
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        handler.release.set()
        if worker.poll() is None:
            worker.kill()
    assert delivery().status == "sending"  # taken, never finished
    second = subprocess.Popen([sys.executable, "-m", "fluide", "worker", "--poll", "0.2"], env=env)
    try:
        wait_for(lambda: delivery().status == "sent", 40, "the second worker to send")
    finally:
        second.terminate()
        second.wait(timeout=10)
        smtp.stop()
    assert len(handler.accepted) == 1
    message = email.message_from_bytes(handler.accepted[0])
    done = delivery()
    assert done.attempts == 2 and done.provider_id == message["Message-ID"]
    app.state.engine.dispose()
