"""An event's request id follows it to its delivery: stored on the row, on the "sent" log line."""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from fluide.api.app import create_app
from fluide.api.logs import JsonFormatter
from fluide.services.workspaces import create_workspace
from fluide.settings import Settings
from fluide.storage.models import Delivery
from tests.service.conftest import event_body, touchpoint_body
from tests.service.test_email_delivery import WAIT, Server, smtp  # noqa: F401 - a fixture


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """Fluide's log records as JSON lines, as ``FLUIDE_LOG_FORMAT=json`` writes them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("fluide")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(x) for x in stream.getvalue().splitlines() if x.strip()]


def test_the_request_id_of_an_event_is_on_its_access_line_and_its_delivery_s_sent_line(
    settings: Settings,
    smtp: Server,  # noqa: F811 - the fixture
    json_log: io.StringIO,
) -> None:
    mailing = settings.model_copy(
        update={"smtp_url": SecretStr(smtp.url()), "log_format": "json", "worker": "inline"}
    )
    app = create_app(mailing)
    try:
        with TestClient(app) as c:
            auth = {"Authorization": f"Bearer {create_workspace(app.state.sessions, 'B').api_key}"}
            c.post("/v1/touchpoints", headers=auth, json=touchpoint_body())
            r = c.post(
                "/v1/events",
                headers={**auth, "X-Request-ID": "evt-flow-1"},
                json=event_body("e-1", channel="email"),
            )
            assert r.json()["decision"] == "invited", r.text
            smtp.inbox.one()
            deadline = time.monotonic() + WAIT
            while not any(x["message"].endswith(" sent") for x in lines(json_log)):
                assert time.monotonic() < deadline, json_log.getvalue()
                time.sleep(0.05)
            with app.state.sessions() as s:
                stored = list(s.execute(select(Delivery.request_id, Delivery.status)))
    finally:
        app.state.engine.dispose()
    assert r.headers["x-request-id"] == "evt-flow-1"
    assert stored == [("evt-flow-1", "sent")]
    records = lines(json_log)
    access = [x for x in records if x["logger"] == "fluide.access" and x["method"] == "POST"]
    sent = [x for x in records if x["logger"] == "fluide.jobs" and x["message"].endswith(" sent")]
    assert [x["request_id"] for x in access if x["route"] == "/v1/events"] == ["evt-flow-1"]
    assert [x["request_id"] for x in sent] == ["evt-flow-1"]
    assert sent[0]["delivery_id"].startswith("dlv")
