"""Errors a use case reports to its caller, in one shape for every API error."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """A refusal with a stable ``code``, an HTTP ``status``, and a message.

    ``message`` is an English msgid with ``%(name)s`` placeholders filled from
    ``params``, translated when shown (``Accept-Language``).
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: int = 422,
        details: Any = None,
        **params: object,
    ) -> None:
        super().__init__(message % params if params else message)
        self.code = code
        self.message = message
        self.status = status
        self.details = details
        self.params = params


def not_found(message: str, value: str) -> ServiceError:
    """A 404 whose ``message`` (a msgid) names the missing thing with ``%(value)s``."""
    return ServiceError("not_found", message, status=404, value=value)
