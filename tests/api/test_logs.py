"""Survey tokens and widget signatures never reach the access log."""

from __future__ import annotations

import logging

import pytest
from fastapi import FastAPI

from fluide.api.logs import install


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
