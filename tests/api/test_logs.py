"""Survey tokens and widget signatures never reach the logs; JSON logs carry the request id."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from fluide.api.logs import JsonFormatter, configure_worker_logging, install, uvicorn_log_config
from fluide.request_context import request_id
from fluide.settings import Settings, load_settings


def test_access_log_lines_carry_no_survey_token(caplog: pytest.LogCaptureFixture) -> None:
    install()
    logger = logging.getLogger("uvicorn.access")
    with caplog.at_level(logging.INFO, logger="uvicorn.access"):
        logger.info(
            '%s - "%s %s HTTP/%s" %d',
            "127.0.0.1:5000",
            "GET",
            "/s/inv_0a1b.SiGnAtUrE-_x?score=6",
            "1.1",
            200,
        )
    assert "SiGnAtUrE" not in caplog.text and "/s/[redacted]?score=6" in caplog.text


def test_widget_signatures_never_reach_the_access_log_of_a_real_server(
    app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    """uvicorn serves a widget call whose query carries ``sig=``: its access line hides it."""
    import threading
    import time

    import httpx
    import uvicorn

    signature = "9f2c" + "ab" * 30
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, access_log=True)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    with caplog.at_level(logging.INFO, logger="uvicorn.access"):
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline and thread.is_alive():
            time.sleep(0.02)
        assert server.started, "the test server did not start"
        port = server.servers[0].sockets[0].getsockname()[1]
        params = {"key": "pk_unknown", "user": "u-42", "sig": signature}
        r = httpx.get(f"http://127.0.0.1:{port}/w/v1/pending", params=params, timeout=10)
        server.should_exit = True
        thread.join(timeout=10)
    assert r.status_code == 403
    lines = [rec.getMessage() for rec in caplog.records if rec.name == "uvicorn.access"]
    assert any("/w/v1/pending?key=pk_unknown&user=u-42&sig=[redacted]" in x for x in lines), lines
    assert signature not in caplog.text


# --- JSON logs (FLUIDE_LOG_FORMAT=json) -----------------------------------------------------

CONFIGURED = ("root", "uvicorn", "uvicorn.error", "uvicorn.access", "fluide", "procrastinate")


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """dictConfig changes process-wide loggers: put them back as they were."""
    saved = {}
    for name in CONFIGURED:
        lg = logging.getLogger(name)
        saved[name] = (lg.handlers[:], lg.filters[:], lg.level, lg.propagate, lg.disabled)
    try:
        yield
    finally:
        for name, (handlers, filters, level, propagate, disabled) in saved.items():
            lg = logging.getLogger(name)
            lg.handlers, lg.filters, lg.level = handlers, filters, level
            lg.propagate, lg.disabled = propagate, disabled


def json_settings(tmp_path: Path) -> Settings:
    return load_settings(demo=True, data_dir=tmp_path, log_format="json")


def json_lines(stream: io.StringIO) -> list[dict[str, Any]]:
    """Every line must be one JSON object."""
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_a_json_line_has_time_level_logger_message_request_id_and_extra_fields() -> None:
    record = logging.LogRecord("fluide.jobs", logging.INFO, __file__, 1, "sent %s", ("d1",), None)
    record.delivery_id = "dlv_1"
    token = request_id.set("req-7")
    try:
        doc = json.loads(JsonFormatter().format(record))
    finally:
        request_id.reset(token)
    assert doc == {
        "ts": doc["ts"],
        "level": "INFO",
        "logger": "fluide.jobs",
        "message": "sent d1",
        "request_id": "req-7",
        "delivery_id": "dlv_1",
    }
    assert doc["ts"].endswith("Z") and datetime.fromisoformat(doc["ts"]).tzinfo is not None


def test_json_lines_redact_tokens_in_message_extra_fields_and_tracebacks() -> None:
    url = "https://ces.example.com/s/inv_0a1b.SiGnAtUrE-_x?score=6"
    try:
        raise ValueError(f"cannot send {url}")
    except ValueError:
        record = logging.LogRecord(
            "fluide", logging.ERROR, __file__, 1, "link %s", (url,), sys.exc_info()
        )
    record.widget = "/w/v1/pending?key=pk_1&user=u&sig=9f2c01ab"
    line = JsonFormatter().format(record)
    assert "SiGnAtUrE" not in line and "9f2c01ab" not in line, line
    doc = json.loads(line)
    assert doc["message"] == "link https://ces.example.com/s/[redacted]?score=6"
    assert doc["widget"].endswith("sig=[redacted]") and "/s/[redacted]" in doc["exc"]


def test_text_log_config_is_uvicorn_s_own_with_tokens_redacted(tmp_path: Path) -> None:
    from uvicorn.config import LOGGING_CONFIG

    config = uvicorn_log_config(load_settings(demo=True, data_dir=tmp_path))
    assert config["formatters"] == LOGGING_CONFIG["formatters"]
    assert config["loggers"] == LOGGING_CONFIG["loggers"]
    assert all(h["filters"] == ["redact"] for h in config["handlers"].values())


def test_a_real_server_with_json_logs_writes_json_lines_without_tokens(
    settings: Settings, tmp_path: Path, restore_logging: None
) -> None:
    """uvicorn with ``uvicorn_log_config``: Fluide's access line (route template, no query)
    replaces uvicorn's; a survey token, a widget signature never appear."""
    import threading
    import time

    import httpx
    import uvicorn

    from fluide.api.app import create_app

    json_logs = settings.model_copy(update={"log_format": "json"})
    config = uvicorn_log_config(json_logs)
    stream = io.StringIO()
    for handler in config["handlers"].values():
        handler["stream"] = stream
    app = create_app(json_logs)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_config=config))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline and thread.is_alive():
        time.sleep(0.02)
    assert server.started, "the test server did not start"
    signature, survey = "9f2c" + "ab" * 30, "inv_0a1b.SiGnAtUrE-_x"
    try:
        base = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
        params = {"key": "pk_unknown", "user": "u-42", "sig": signature}
        widget = httpx.get(base + "/w/v1/pending", params=params, timeout=10)
        page = httpx.get(f"{base}/s/{survey}?score=3", headers={"X-Request-ID": "rq-s"}, timeout=10)
        logging.getLogger("fluide.jobs").warning("could not send %s/s/%s", base, survey)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        app.state.engine.dispose()
    assert widget.status_code == 403 and page.status_code == 404
    text = stream.getvalue()
    assert signature not in text and "SiGnAtUrE" not in text, text
    lines = json_lines(stream)
    access = [x for x in lines if x["logger"] == "fluide.access"]
    assert [(x["method"], x["route"], x["status"]) for x in access] == [
        ("GET", "/w/v1/pending", 403),
        ("GET", "/s/{token}", 404),
    ]
    assert access[1]["request_id"] == "rq-s" and access[1]["duration_ms"] >= 0
    assert access[0]["request_id"] == widget.headers["x-request-id"]
    assert not [x for x in lines if x["logger"] == "uvicorn.access"]  # it logs the query
    assert any(x["logger"] == "uvicorn.error" for x in lines)  # "Started server process"
    assert any(x["message"].endswith("/s/[redacted]") for x in lines)


def test_the_worker_writes_json_lines_with_the_same_setting(
    tmp_path: Path, restore_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_worker_logging(json_settings(tmp_path))
    logging.getLogger("fluide.jobs").info("delivery %s sent", "dlv_1")
    logging.getLogger("procrastinate.worker").warning("job failed")
    logging.getLogger("httpx").warning("a library's warning")
    docs = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [(d["logger"], d["message"]) for d in docs] == [
        ("fluide.jobs", "delivery dlv_1 sent"),
        ("procrastinate.worker", "job failed"),
        ("httpx", "a library's warning"),
    ]
