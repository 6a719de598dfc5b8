"""`fluide jobs failed` shows what failed for good; `fluide jobs retry` puts it back in line."""

from __future__ import annotations

import json

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from fluide.cli import app as cli
from fluide.jobs import deliveries
from fluide.jobs.senders import default_senders
from fluide.settings import Settings
from fluide.storage.models import Delivery
from tests.service.conftest import SECRET, event_body, touchpoint_body

runner = CliRunner()


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"worker": "external"})


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_failed_deliveries_are_listed_and_can_be_retried(
    client: TestClient, auth: dict[str, str], app: FastAPI, settings: Settings, database_url: str
) -> None:
    client.post("/v1/touchpoints", headers=auth, json=touchpoint_body(channels=["email"]))
    client.post("/v1/events", headers=auth, json=event_body(channel="email"))
    with app.state.sessions() as s:
        d = s.execute(select(Delivery)).scalar_one()
    # No SMTP server is configured: a permanent failure, kept and shown.
    assert (
        deliveries.deliver(app.state.sessions, settings, d.id, default_senders()).status == "failed"
    )
    env = {"FLUIDE_DATABASE_URL": database_url, "FLUIDE_SECRET_KEY": SECRET}
    listed = runner.invoke(cli, ["jobs", "failed", "--format", "json"], env=env)
    assert listed.exit_code == 0, listed.output
    (row,) = json.loads(listed.stdout)
    assert row["id"] == d.id and row["channel"] == "email" and "SMTP" in row["last_error"]
    text = runner.invoke(cli, ["jobs", "failed", "--lang", "en"], env=env)
    assert d.id in text.stdout and "attempts: 1" in text.stdout
    again = runner.invoke(cli, ["jobs", "retry", d.id, "--lang", "en"], env=env)
    assert again.exit_code == 0 and "will be tried again" in again.stdout
    with app.state.sessions() as s:
        assert s.get(Delivery, d.id).status == "retry"  # type: ignore[union-attr]
    assert runner.invoke(cli, ["jobs", "retry", "dlv_nope"], env=env).exit_code == 2
