"""Keep credentials out of logs: survey tokens and widget signatures are redacted.

A survey URL is a credential (whoever has it can answer as the customer), and
so is a widget call's ``sig=`` (it signs the user for good: whoever has it
acts as that user in the widget); access logs are read by more people than
the database.
"""

from __future__ import annotations

import copy
import json
import logging
import logging.config
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from fluide.request_context import current_request_id

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


# Attributes every LogRecord has: anything else on a record came from ``extra``.
_STANDARD = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", (), None)).keys()
    | {"message", "asctime", "color_message", "taskName"}
)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``ts``, ``level``, ``logger``, ``message``, ``request_id``
    when the record was made for a request, and the fields passed in ``extra``.

    The whole line goes through :func:`redact`, so a token in an extra field or a
    traceback is hidden too.
    """

    def __init__(self, *args: object, use_colors: bool | None = None, **kwargs: object) -> None:
        super().__init__()  # uvicorn passes use_colors to every formatter it is given

    def format(self, record: logging.LogRecord) -> str:
        ts = datetime.fromtimestamp(record.created, UTC)
        doc: dict[str, object] = {
            "ts": ts.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or current_request_id()
        if request_id:
            doc["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in doc and not key.startswith("_"):
                doc[key] = value
        if record.exc_info:
            doc["exc"] = self.formatException(record.exc_info)
        if record.stack_info:
            doc["stack"] = self.formatStack(record.stack_info)
        return redact(json.dumps(doc, ensure_ascii=False, default=str))


def uvicorn_log_config(settings: Settings) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` dict for ``uvicorn.run(log_config=…)``.

    ``text`` is uvicorn's own output with tokens redacted. ``json`` writes one JSON
    object per line on stderr for uvicorn's and Fluide's loggers (and procrastinate's,
    in a worker); uvicorn's access line, which carries the query string, is replaced
    by Fluide's (``fluide.access``: method, route template, status, duration_ms).
    """
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"redact": {"()": "fluide.api.logs.RedactTokens"}}
    for handler in config["handlers"].values():
        handler["filters"] = ["redact"]
    if settings.log_format != "json":
        return config
    for name in ("default", "access"):  # uvicorn may set use_colors on both names
        config["formatters"][name] = {"()": "fluide.api.logs.JsonFormatter"}
    config["handlers"]["access"]["stream"] = "ext://sys.stderr"
    one = {"handlers": ["default"], "level": "INFO", "propagate": False}
    config["loggers"] = {
        "uvicorn": one,
        "uvicorn.error": {"level": "INFO"},
        # No handler: uvicorn then skips its access line altogether.
        "uvicorn.access": {"handlers": [], "level": "INFO", "propagate": False},
        "fluide": one,
        "procrastinate": one,
    }
    config["root"] = {"handlers": ["default"], "level": "WARNING"}  # other libraries' too
    return config


def configure_worker_logging(settings: Settings) -> None:
    """``fluide worker``: JSON lines when ``FLUIDE_LOG_FORMAT=json``; today's output otherwise."""
    if settings.log_format == "json":
        logging.config.dictConfig(uvicorn_log_config(settings))
    install()
