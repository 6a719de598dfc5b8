"""Keep credentials out of logs: survey tokens and widget signatures are redacted.

A survey URL is a credential (whoever has it can answer as the customer), and
so is a widget call's ``sig=`` (it signs the user for good: whoever has it
acts as that user in the widget); access logs are read by more people than
the database.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fluide.settings import Settings

_TOKEN = re.compile(r"(/[so]/)[A-Za-z0-9_\-:%]+\.[A-Za-z0-9_\-]+")
_SIG = re.compile(r"([?&;]sig=)[^&;#\s\"]*", re.IGNORECASE)
REDACTED = r"\1[redacted]"


def redact(text: str) -> str:
    """``/s/inv_x.sig?score=3`` → ``/s/[redacted]?score=3``; ``?sig=9f2c…`` → ``?sig=[redacted]``.

    >>> redact('"GET /s/inv_ab12.Zx-9?score=3 HTTP/1.1" 200')
    '"GET /s/[redacted]?score=3 HTTP/1.1" 200'
    >>> redact("/w/v1/pending?key=pk_1&user=u-42&sig=9f2c01")
    '/w/v1/pending?key=pk_1&user=u-42&sig=[redacted]'
    """
    return _SIG.sub(REDACTED, _TOKEN.sub(REDACTED, text))


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def install() -> None:
    """Add the filter once to the access loggers a server may use."""
    for name in ("uvicorn.access", "uvicorn.error", "fluide"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())


def uvicorn_log_config(settings: Settings) -> dict[str, Any] | None:
    """uvicorn's ``log_config`` for these settings; None keeps uvicorn's own.

    Stub on the "serving" branch: the observability work defines the real one.
    """
    return None
