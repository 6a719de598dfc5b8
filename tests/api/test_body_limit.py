"""FLUIDE_MAX_BODY_BYTES over real HTTP (uvicorn on loopback): a 413 before the body is read.

Raw sockets show what a client sees: a declared 12 MB body is refused before
any of it is sent; a chunked one (no Content-Length) is refused while it
streams, long before its end. Nothing reaches the database either way.
"""

from __future__ import annotations

import json
import select
import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func
from sqlalchemy import select as sql_select

from fluide.services.workspaces import NewWorkspace
from fluide.storage.dashboard_models import Action
from fluide.storage.models import Event
from tests.service.conftest import event_body
from tests.web.conftest import logged_in

LIMIT = 1_048_576
TWELVE_MB = 12 * 1024 * 1024
CHUNK = 64 * 1024


def connect(live_url: str) -> socket.socket:
    parts = urlsplit(live_url)
    return socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout=20)


def read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of the answer (the server closes the connection after it)."""
    data = b""
    while True:
        try:
            part = sock.recv(65536)
        except ConnectionResetError:
            break
        if not part:
            break
        data += part
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, body


def request_head(path: str, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def events_stored(app: FastAPI) -> int:
    with app.state.sessions() as s:
        return int(s.scalar(sql_select(func.count()).select_from(Event)) or 0)


def twelve_mb_of_events() -> bytes:
    body = event_body(properties={"note": "x" * 900})
    events = [{**body, "id": f"evt-{i}"} for i in range(TWELVE_MB // 1200)]
    return json.dumps({"events": events}).encode()


@pytest.fixture
def api_key(workspace: NewWorkspace) -> str:
    return workspace.api_key


def test_a_declared_body_over_the_limit_is_refused_before_it_is_sent(
    app: FastAPI, live_url: str, api_key: str
) -> None:
    sock = connect(live_url)
    try:
        headers = {
            "Authorization": f"Bearer {api_key}",
            "Content-Type": "application/json",
            "Content-Length": str(TWELVE_MB),
            "Accept-Language": "en",
        }
        sock.sendall(request_head("/v1/events", headers))  # and not one byte of the body
        status, answer_headers, body = read_response(sock)
    finally:
        sock.close()
    assert status == 413
    assert answer_headers["connection"] == "close"
    error = json.loads(body)["error"]
    assert error["code"] == "too_large" and error["details"] == {"max_bytes": LIMIT}
    assert "1048576 bytes" in error["message"]
    assert events_stored(app) == 0


def test_a_chunked_body_is_cut_at_the_limit_while_it_streams(
    app: FastAPI, live_url: str, api_key: str
) -> None:
    payload = twelve_mb_of_events()
    sock = connect(live_url)
    sent = 0
    answered = False
    try:
        headers = {
            "Authorization": f"Bearer {api_key}",
            "Content-Type": "application/json",
            "Transfer-Encoding": "chunked",
        }
        sock.sendall(request_head("/v1/events", headers))
        while sent < len(payload):
            # Past the limit, a paced client: give the server time to answer between chunks
            # (else the kernel's socket buffers take megabytes the server never reads).
            if select.select([sock], [], [], 0.2 if sent > LIMIT else 0)[0]:
                answered = True  # the server answered before the end of the body
                break
            piece = payload[sent : sent + CHUNK]
            try:
                sock.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            except (BrokenPipeError, ConnectionResetError):
                answered = True
                break
            sent += len(piece)
        if not answered:
            sock.sendall(b"0\r\n\r\n")
        status, _, body = read_response(sock)
    finally:
        sock.close()
    assert answered and sent < len(payload) // 2
    assert status == 413 and json.loads(body)["error"]["code"] == "too_large"
    assert events_stored(app) == 0


def test_a_body_under_the_limit_goes_through(app: FastAPI, live_url: str, api_key: str) -> None:
    properties = {f"note{k}": "x" * 900 for k in range(8)}  # within every object limit
    events = [{**event_body(properties=properties), "id": f"e-{i}"} for i in range(110)]
    content = json.dumps({"events": events}).encode()
    assert 750_000 < len(content) < LIMIT
    r = httpx.post(
        live_url + "/v1/events",
        content=content,
        headers={"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"},
        timeout=60,
    )
    assert r.status_code == 200, r.text
    assert events_stored(app) == 110


@pytest.mark.parametrize("path", ["/w/v1/track", "/w/v1/responses", "/s/some-token"])
def test_widget_and_survey_bodies_are_limited_too(live_url: str, path: str) -> None:
    r = httpx.post(
        live_url + path,
        content=b"x" * (LIMIT + 1),
        headers={"Content-Type": "application/json", "Accept-Language": "fr"},
        timeout=30,
    )
    assert r.status_code == 413
    assert r.json()["error"]["message"].startswith("Le corps de la requête est trop grand")


def test_a_dashboard_form_over_the_limit_is_a_413_page(
    app: FastAPI, live_url: str, workspace: NewWorkspace
) -> None:
    login = logged_in(app, workspace.id, "analyst")
    cookies = dict(login.client.cookies)
    r = httpx.post(
        live_url + "/app/actions",
        data={"title": "x" * (LIMIT + 1), "csrf": login.csrf},
        cookies=cookies,
        timeout=30,
    )
    assert r.status_code == 413 and r.headers["content-type"].startswith("text/html")
    assert "1048576" in r.text
    with app.state.sessions() as s:
        assert s.scalar(sql_select(func.count()).select_from(Action)) == 0


def test_the_limit_is_a_setting(settings_with_small_limit: FastAPI) -> None:
    from fastapi.testclient import TestClient

    with TestClient(settings_with_small_limit) as c:
        r = c.post("/v1/events", content=b"x" * 70_000)
        assert r.status_code == 413 and r.json()["error"]["details"] == {"max_bytes": 65_536}
        assert c.post("/v1/events", content=b"x" * 60_000).status_code != 413


@pytest.fixture
def settings_with_small_limit(database_url: str, tmp_path: object) -> Iterator[FastAPI]:
    from pathlib import Path

    from fluide.api.app import create_app
    from fluide.settings import load_settings
    from tests.service.conftest import SECRET

    assert isinstance(tmp_path, Path)
    application = create_app(
        load_settings(
            database_url=database_url,
            secret_key=SECRET,
            data_dir=tmp_path,
            max_body_bytes=65_536,
        )
    )
    yield application
    application.state.engine.dispose()
