"""Survey tokens never reach the access log."""

from __future__ import annotations

import logging

import pytest

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
