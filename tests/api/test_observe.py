"""The request id: taken from the client when safe, made otherwise, returned on every answer."""

from __future__ import annotations

import logging
import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fluide.request_context import current_request_id
from tests.service.conftest import event_body

GENERATED = re.compile(r"^[0-9a-f]{32}$")


def test_a_safe_client_request_id_is_kept_and_returned(
    client: TestClient, auth: dict[str, str]
) -> None:
    rid = "Shop-42.retry_1"
    r = client.post("/v1/events", headers={**auth, "X-Request-ID": rid}, json=event_body())
    assert r.status_code == 200 and r.headers["x-request-id"] == rid


@pytest.mark.parametrize(
    "given", ["has space", "x" * 65, "semi;colon", "é-accent", "", "line\tbreak"]
)
def test_an_unsafe_or_missing_request_id_is_replaced_by_a_new_one(
    client: TestClient, given: str
) -> None:
    headers = {"X-Request-ID": given.encode("utf-8")} if given else {}
    r = client.get("/healthz", headers=headers)  # type: ignore[arg-type]
    assert GENERATED.match(r.headers["x-request-id"]), r.headers["x-request-id"]


def test_each_request_gets_its_own_id(client: TestClient) -> None:
    ids = {client.get("/healthz").headers["x-request-id"] for _ in range(3)}
    assert len(ids) == 3


def test_errors_carry_the_request_id_too(client: TestClient, auth: dict[str, str]) -> None:
    unauthorized = client.get("/v1/touchpoints", headers={"X-Request-ID": "r-401"})
    invalid = client.post("/v1/events", headers={**auth, "X-Request-ID": "r-422"}, json={})
    missing = client.get("/no/such/page", headers={"X-Request-ID": "r-404"})
    assert (unauthorized.status_code, unauthorized.headers["x-request-id"]) == (401, "r-401")
    assert (invalid.status_code, invalid.headers["x-request-id"]) == (422, "r-422")
    assert (missing.status_code, missing.headers["x-request-id"]) == (404, "r-404")


class IdsAtEmit(logging.Handler):
    """Keeps the request id current when each record is emitted (as a log formatter sees it)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.ids: list[str | None] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.ids.append(current_request_id())


def test_an_unexpected_error_is_a_500_in_our_shape_with_its_id_in_header_and_log(
    app: FastAPI,
) -> None:
    seen: list[str | None] = []

    @app.get("/boom")
    def boom() -> None:
        seen.append(current_request_id())  # the id reaches the threads sync routes run in
        raise RuntimeError("kaput")

    handler = IdsAtEmit()
    logger = logging.getLogger("fluide")
    logger.addHandler(handler)
    try:
        with TestClient(app) as c:
            r = c.get("/boom", headers={"X-Request-ID": "boom-1", "Accept-Language": "en"})
    finally:
        logger.removeHandler(handler)
    assert r.status_code == 500 and r.headers["x-request-id"] == "boom-1"
    assert r.json()["error"] == {
        "code": "internal",
        "message": "Something went wrong on our side; it has been logged.",
        "details": None,
    }
    assert seen == ["boom-1"]
    assert handler.ids == ["boom-1"]
    assert current_request_id() is None  # nothing leaks out of the request
